"""Personal links: issue, revoke, and open with the date of birth.

The token is 256 random bits shown once (link and QR code); only its SHA-256 is stored. Opening a
link asks for the person's date of birth; five wrong answers lock the link and the office sees it.
A revoked, locked or unknown link reads the same neutral page (nothing can be enumerated).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space.models import SpaceLink

MAX_FAILED_ATTEMPTS = 5


class Outcome(enum.StrEnum):
    """What opening a link with a date of birth gave."""

    OPENED = "opened"
    WRONG_DATE = "wrong_date"
    LOCKED = "locked"
    NEUTRAL = "neutral"  # unknown, revoked or already locked: the same page for all three


@dataclass(frozen=True)
class Opening:
    outcome: Outcome
    link: SpaceLink | None = None
    attempts_left: int = 0


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(person_id: uuid.UUID, *, office_id: int | None, issued_by_id: int | None) -> tuple[SpaceLink, str]:
    """A new personal link for the person (any live one is revoked); returns it and its token."""
    now = utcnow()
    db.session.execute(
        update(SpaceLink).where(SpaceLink.person_id == person_id, SpaceLink.revoked_at.is_(None)).values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    link = SpaceLink(
        person_id=person_id, office_id=office_id, token_digest=digest(token), issued_by_id=issued_by_id, issued_at=now
    )
    db.session.add(link)
    db.session.flush()
    return link, token


def revoke(link: SpaceLink) -> None:
    """End a link (and so every session it opened)."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def live_link(token: str) -> SpaceLink | None:
    """The live link of a token, or None (unknown, revoked or locked)."""
    link = db.session.scalar(select(SpaceLink).where(SpaceLink.token_digest == digest(token)))
    return link if link is not None and link.is_live else None


def open_with_birth_date(token: str, birth_date: date) -> Opening:
    """Check the date of birth against the link's person; count and lock on wrong answers."""
    link = live_link(token)
    if link is None:
        return Opening(Outcome.NEUTRAL)

    actor = Actor(id=str(link.person_id), role="newcomer")
    with access(actor, "space.open", [link.person_id]):
        person = db.session.get(Newcomer, link.person_id)
        expected = person.date_of_birth if person is not None else None
    if expected is not None and hmac.compare_digest(expected.isoformat(), birth_date.isoformat()):
        link.failed_attempts = 0
        link.last_opened_at = utcnow()
        return Opening(Outcome.OPENED, link)
    link.failed_attempts += 1
    if link.failed_attempts >= MAX_FAILED_ATTEMPTS:
        link.locked_at = utcnow()
        return Opening(Outcome.LOCKED, link)
    return Opening(Outcome.WRONG_DATE, link, MAX_FAILED_ATTEMPTS - link.failed_attempts)
