"""Server-side login sessions.

Flask's signed cookie carries only a random session token (and the CSRF token); the token's
SHA-256 names a ``UserSession`` row that holds the truth: who, since when, last seen, revoked.
Every request re-checks that row, so logout, a password change, disabling a user or "end
sessions" revoke every copy of the cookie at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import update

from integration_centre.accounts.models import User, UserSession
from integration_centre.clock import utcnow
from integration_centre.extensions import db, login_manager
from integration_centre.privacy import audit
from integration_centre.privacy.context import Actor

SESSION_KEY = "sid"
# last_seen_at is written at most this often, to keep reads from becoming writes.
TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the server-side session store."""
    login_manager.session_protection = None  # the server-side record does this job
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.user_loader(_load_user)
    app.before_request(_forget_previous_user)


def _forget_previous_user() -> None:
    """Load the user afresh for every request.

    Flask reuses an application context that is already pushed (tests, scripts driving a test
    client), and Flask-Login caches the user in ``g``: without this, one request could run as the
    user of a previous one.
    """
    g.pop("_login_user", None)
    g.pop("user_session", None)


def current_session() -> UserSession | None:
    """The ``UserSession`` of this request, once the user has been loaded."""
    return g.get("user_session")


def _load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    record = db.session.get(UserSession, _digest(token))
    now = utcnow()
    if record is None or str(record.user_id) != user_id or not _is_valid(record, now):
        session.clear()
        return None
    user = record.user
    if not user.is_enabled:
        return None
    if record.binding != user.access_binding:
        # The role or attachment changed without the services ending the session (they do):
        # the session was granted for the old one, so it ends here, audited.
        revoke_user_sessions(user, "binding_mismatch", only=record, actor=Actor.system("session_check"))
        db.session.commit()
        session.clear()
        return None
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        # A separate statement, committed at once: a request that fails must not undo it.
        db.session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now))
        db.session.commit()
    g.user_session = record
    return user


def _is_valid(record: UserSession, now) -> bool:
    if record.revoked_at is not None:
        return False
    config = current_app.config
    if now - record.last_seen_at > config["IDLE_TIMEOUT"]:
        return False
    return now - record.created_at <= config["ABSOLUTE_TIMEOUT"]


def start_session(user: User) -> UserSession:
    """Log ``user`` in with a brand-new session id and CSRF token (the old cookie is dropped)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    record = UserSession(id=_digest(token), user_id=user.id)
    record.bind_to(user)
    db.session.add(record)
    db.session.flush()
    session[SESSION_KEY] = token
    login_user(user, remember=False)
    g.user_session = record
    audit.record("login", "user", user.id, purpose="authentication", actor=user)
    return record


def end_session(reason: str = "logout") -> None:
    """Revoke this request's session record and clear the cookie."""
    record = current_session()
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_reason = reason
        audit.record("logout", "user", record.user_id, purpose="authentication")
    logout_user()
    session.clear()


def revoke_user_sessions(
    user: User,
    reason: str,
    keep: UserSession | None = None,
    *,
    only: UserSession | None = None,
    actor=None,
    audited: bool = False,
) -> int:
    """Revoke every open session of ``user`` (but ``keep``; or ``only`` that one); returns how
    many were revoked. A revocation for a change of access (``audited``, or ``only``) writes one
    audit record ``session_revoke`` under ``actor`` (default: the acting user, else the system)."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    if only is not None:
        statement = statement.where(UserSession.id == only.id)
    count = db.session.execute(statement).rowcount
    if count and (audited or only is not None):
        audit.record("session_revoke", "user", user.id, purpose="access_change", actor=actor)
    return count


def mark_reauthenticated() -> None:
    """Record that the user has just re-entered their password."""
    record = current_session()
    if record is not None:
        record.authenticated_at = utcnow()


def is_recently_authenticated() -> bool:
    """True when the password was entered within the re-authentication window."""
    record = current_session()
    if record is None:
        return False
    return utcnow() - record.authenticated_at <= current_app.config["REAUTH_AFTER"]
