"""The space's own session: short-lived, server-side, and confined to the space's pages.

The signed cookie carries a random token under ``SESSION_KEY``; its SHA-256 names a
``SpaceSession`` row. A request carrying a space session reaches the ``space`` blueprint and the
static files only: every other route answers 404 to it (the role reaches nothing else).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, abort, g, make_response, render_template, request, session
from flask_login import logout_user
from sqlalchemy import select, update

from integration_centre.accounts.permissions import declare_public_blueprint
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy.context import Actor
from integration_centre.space import languages
from integration_centre.space.account_models import SpaceAccount
from integration_centre.space.models import SpaceLink, SpaceSession

SESSION_KEY = "space_sid"
ROLE = "newcomer"
IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=1)
# Endpoints a space session may reach besides the space's own pages.
OPEN_ENDPOINTS = frozenset({"static"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app: Flask) -> None:
    """Confine space sessions to the space (any other endpoint answers 404 to them), first of all
    request hooks, and leave the space's pages out of the staff gate (they check this session)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _confine_space_sessions)
    app.teardown_request(_forget_request_session)
    declare_public_blueprint(app, "space")


def _confine_space_sessions() -> None:
    """A live space session reaches the space and the static files only: any other route —
    staff pages, their error pages, the API, an unknown URL — answers 404, never a redirect.
    An expired or revoked space cookie is dropped and confines nothing any more."""
    if SESSION_KEY not in session:
        return
    endpoint = request.endpoint or ""
    if endpoint.startswith("space.") or endpoint in OPEN_ENDPOINTS:
        return
    if current_session() is None:
        return
    if request.path.startswith("/api/"):
        abort(404)  # problem+json, like any API 404
    response = make_response(render_template("space/neutral.html"), 404)  # the space's page, not the staff one
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _forget_request_session(_exc=None) -> None:
    """The session read is this request's only (an application context may outlive it)."""
    g.pop("space_session", None)


def start(link: SpaceLink | None = None, *, person_id: uuid.UUID | None = None) -> SpaceSession:
    """Open a new space session for the link's person, or for ``person_id`` (a login with the
    person's own account); any staff login in this browser ends. The page's language: the one
    chosen before, else the person's preferred language."""
    chosen = languages.chosen_locale()
    logout_user()
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = SpaceSession(
        id=_digest(token),
        person_id=link.person_id if link is not None else person_id,
        link_id=link.id if link is not None else None,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(record)
    session[SESSION_KEY] = token
    g.space_session = record
    languages.session_started(record.person_id, chosen)
    return record


def end() -> None:
    """Revoke this request's space session and clear the cookie (but the page's language)."""
    record = current_session()
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
    chosen = languages.chosen_locale()
    session.clear()
    languages.choose(chosen)


def current_session() -> SpaceSession | None:
    """This request's live space session, or None (an expired or revoked one clears the cookie)."""
    if "space_session" in g:
        return g.space_session
    token = session.get(SESSION_KEY)
    record = db.session.get(SpaceSession, _digest(token)) if isinstance(token, str) else None
    now = utcnow()
    if record is not None and not _is_valid(record, now):
        record = None
    if record is None and token is not None:
        session.clear()
    if record is not None:
        record.last_seen_at = now
    g.space_session = record
    return record


def _is_valid(record: SpaceSession, now) -> bool:
    if record.revoked_at is not None:
        return False
    if now - record.last_seen_at > IDLE_TIMEOUT or now - record.created_at > ABSOLUTE_TIMEOUT:
        return False
    if record.link_id is not None:
        link = db.session.get(SpaceLink, record.link_id)
        if link is None or not link.is_live:
            return False
    else:  # opened with the person's account: it must still exist
        account = db.session.scalar(select(SpaceAccount.id).where(SpaceAccount.person_id == record.person_id))
        if account is None:
            return False
    return True


def end_person_sessions(person_id: uuid.UUID) -> None:
    """Revoke every open space session of a person (their account changed or was removed)."""
    db.session.execute(
        update(SpaceSession)
        .where(SpaceSession.person_id == person_id, SpaceSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def current_person_id() -> uuid.UUID | None:
    """The person whose space this request is in, or None."""
    record = current_session()
    return record.person_id if record is not None else None


def person_actor() -> Actor:
    """The audit actor of this request: the person in their own space (role ``newcomer``)."""
    person_id = current_person_id()
    if person_id is None:
        raise LookupError("no space session in this request")
    return Actor(id=str(person_id), role=ROLE)


def person_required(view: Callable) -> Callable:
    """A space page: without a live space session it answers 404 (the neutral page)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_person_id() is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped
