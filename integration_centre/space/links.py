"""Personal links: issue, revoke, and open with the date of birth.

The token is 256 random bits shown once (link and QR code); only its SHA-256 is stored. Opening a
link asks for the person's date of birth; five wrong answers lock the link and the office sees it.
A revoked, locked or unknown link reads the same neutral page (nothing can be enumerated), and
costs the same work: the same lookup, an audit record and a comparison whatever the token.

The office's side (``office_issue``, ``office_revoke``, ``state_of``, ``locked_for_office``) takes
the acting agent and checks that the person is one of their office's; every write is audited and
flushed, never committed (the view commits once through ``core.requests.perform``).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.privacy import audit
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space.models import SpaceLink, SpaceSession

MAX_FAILED_ATTEMPTS = 5
PURPOSE_OPEN = "space.open"
PURPOSE_OFFICE = "space.link"
SYSTEM = Actor.system("space")
# The date of birth compared when the token leads to no live link: the same work as a real check.
_DUMMY_DATE = date(1970, 1, 1).isoformat()


class Outcome(enum.StrEnum):
    """What opening a link with a date of birth gave."""

    OPENED = "opened"
    WRONG_DATE = "wrong_date"
    LOCKED = "locked"
    NEUTRAL = "neutral"  # unknown, revoked or already locked: the same page for all three


class State(enum.StrEnum):
    """A person's personal link as the office sees it."""

    NONE = "none"
    LIVE = "live"
    LOCKED = "locked"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Opening:
    outcome: Outcome
    link: SpaceLink | None = None
    attempts_left: int = 0


@dataclass(frozen=True)
class LinkState:
    """The person's latest link: its state and the dates the panel shows."""

    state: State
    link: SpaceLink | None = None

    @property
    def since(self) -> datetime | None:
        """When the state began (issued, locked or revoked)."""
        if self.link is None:
            return None
        return {State.LIVE: self.link.issued_at, State.LOCKED: self.link.locked_at}.get(
            self.state, self.link.revoked_at
        )


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str) -> SpaceLink | None:
    """The link of a token whatever its state, or None (one indexed lookup for every token)."""
    if not isinstance(token, str) or len(token) > 128:
        token = ""
    return db.session.scalar(select(SpaceLink).where(SpaceLink.token_digest == digest(token)))


def live_link(token: str) -> SpaceLink | None:
    """The live link of a token, or None (unknown, revoked or locked)."""
    link = find(token)
    return link if link is not None and link.is_live else None


def issue(
    person_id: uuid.UUID, *, office_id: int | None, issued_by_id: int | None, actor=None, token: str | None = None
) -> tuple[SpaceLink, str]:
    """A new personal link for the person (any live or locked one is revoked, and its sessions
    end); returns it and its token — the only time the token exists in clear. ``token`` is for
    the demo's fixed link only; a real link always gets 256 fresh random bits."""
    now = utcnow()
    previous = db.session.scalars(
        select(SpaceLink).where(SpaceLink.person_id == person_id, SpaceLink.revoked_at.is_(None))
    ).all()
    for old in previous:
        revoke(old, actor=actor, now=now)
    token = token or secrets.token_urlsafe(32)
    link = SpaceLink(
        person_id=person_id, office_id=office_id, token_digest=digest(token), issued_by_id=issued_by_id, issued_at=now
    )
    db.session.add(link)
    db.session.flush()
    audit.record("issue", "space_link", link.id, purpose=PURPOSE_OFFICE, actor=actor or SYSTEM)
    return link, token


def revoke(link: SpaceLink, *, actor=None, now: datetime | None = None) -> None:
    """End a link and every session it opened (audited)."""
    if link.revoked_at is not None:
        return
    now = now or utcnow()
    link.revoked_at = now
    end_sessions_of_link(link.id, now)
    audit.record("revoke", "space_link", link.id, purpose=PURPOSE_OFFICE, actor=actor or SYSTEM)


def end_sessions_of_link(link_id: uuid.UUID, now: datetime | None = None) -> None:
    """Revoke the open sessions a link started."""
    db.session.execute(
        update(SpaceSession)
        .where(SpaceSession.link_id == link_id, SpaceSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )


def open_with_birth_date(token: str, birth_date: date) -> Opening:
    """Check the date of birth against the link's person; count and lock on wrong answers.

    An unknown, revoked or locked token does the same work as a wrong date on a live link (the
    lookup, an audit record, the read of a person row, a constant-time comparison), so the answer
    time does not tell them apart.
    """
    link = find(token)
    if link is None or not link.is_live:
        _equal_work(birth_date)
        return Opening(Outcome.NEUTRAL)

    actor = Actor(id=str(link.person_id), role="newcomer")
    with access(actor, PURPOSE_OPEN, [link.person_id]):
        person = db.session.get(Newcomer, link.person_id)
        expected = person.date_of_birth if person is not None else None
    given = birth_date.isoformat()
    matches = hmac.compare_digest(expected.isoformat() if expected is not None else _DUMMY_DATE, given)
    if expected is not None and matches:
        link.failed_attempts = 0
        link.last_opened_at = utcnow()
        return Opening(Outcome.OPENED, link)
    link.failed_attempts += 1
    if link.failed_attempts >= MAX_FAILED_ATTEMPTS:
        link.locked_at = utcnow()
        end_sessions_of_link(link.id)
        audit.record("lock", "space_link", link.id, purpose=PURPOSE_OPEN, actor=SYSTEM)
        return Opening(Outcome.LOCKED, link)
    return Opening(Outcome.WRONG_DATE, link, MAX_FAILED_ATTEMPTS - link.failed_attempts)


def _equal_work(birth_date: date) -> None:
    """What a refused token costs: an audit record (the refusal, no person), a person-row read and
    a comparison — the work a wrong date on a live link does."""
    audit.record("refuse", "space_link", None, purpose=PURPOSE_OPEN, actor=SYSTEM)
    db.session.get(Newcomer, uuid.UUID(int=0))
    hmac.compare_digest(_DUMMY_DATE, birth_date.isoformat())


# --- The office's side ------------------------------------------------------------------------


def _person_of_office(user: User, person_id: uuid.UUID) -> Newcomer:
    """The person, when ``user`` is an agent of their office (else 404)."""
    newcomer = db.session.get(Newcomer, person_id)
    require(getattr(user, "role", None) == Role.AGENT and person_visible_to(user, newcomer))
    return newcomer


def office_issue(user: User, person_id: uuid.UUID) -> tuple[SpaceLink, str]:
    """An agent of the person's office issues (or re-issues) the personal link."""
    _person_of_office(user, person_id)
    return issue(person_id, office_id=user.office_id, issued_by_id=user.id, actor=user)


def office_revoke(user: User, person_id: uuid.UUID) -> SpaceLink | None:
    """An agent of the person's office revokes the person's live or locked link (None if none)."""
    _person_of_office(user, person_id)
    link = current_link(person_id)
    if link is None or link.revoked_at is not None:
        return None
    revoke(link, actor=user)
    db.session.flush()
    return link


def current_link(person_id: uuid.UUID) -> SpaceLink | None:
    """The person's latest link (any state)."""
    return db.session.scalar(
        select(SpaceLink)
        .where(SpaceLink.person_id == person_id)
        .order_by(SpaceLink.issued_at.desc(), SpaceLink.id)
        .limit(1)
    )


def state_of(person_id: uuid.UUID) -> LinkState:
    """The state of the person's link: none, live since…, locked on…, revoked on…."""
    link = current_link(person_id)
    if link is None:
        return LinkState(State.NONE)
    if link.revoked_at is not None:
        return LinkState(State.REVOKED, link)
    if link.locked_at is not None:
        return LinkState(State.LOCKED, link)
    return LinkState(State.LIVE, link)


def locked_for_office(office_id: int | None, limit: int = 20) -> list[SpaceLink]:
    """The office's links locked by wrong dates of birth and not yet revoked or re-issued."""
    if office_id is None:
        return []
    return list(
        db.session.scalars(
            select(SpaceLink)
            .where(SpaceLink.office_id == office_id, SpaceLink.locked_at.is_not(None), SpaceLink.revoked_at.is_(None))
            .order_by(SpaceLink.locked_at.desc())
            .limit(limit)
        )
    )
