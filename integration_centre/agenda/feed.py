"""An agent's private iCalendar feed (RFC 5545), written as plain text.

The feed's address carries a random secret token; only its SHA-256 is stored, and the agent
can rotate it (the old address stops working) or revoke it. The feed holds times, the kind of
appointment, the office (and room) and the file number — never a name or any other personal
data: a calendar application or a lost phone must not reveal who comes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.agenda.labels import KIND_LABELS
from integration_centre.agenda.models import CANCELLED, AgendaFeed, Appointment, GroupSession
from integration_centre.extensions import db

FILE_NUMBER_LENGTH = 8  # a file number is the first characters of the person's pseudonymous id
PAST_DAYS = 30
FUTURE_DAYS = 366
LINE_OCTETS = 75
PRODID = "-//integration_centre//agenda//EN"


def file_number(person_id) -> str:
    """The short file number of a person (the start of their pseudonymous id)."""
    return str(person_id).replace("-", "")[:FILE_NUMBER_LENGTH]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_feed(actor: User) -> str:
    """Give the agent a new feed token (the previous address stops working); returns the token,
    shown once, never stored in clear."""
    require(actor.role == Role.AGENT)
    token = secrets.token_urlsafe(32)
    feed = db.session.get(AgendaFeed, actor.id)
    if feed is None:
        feed = AgendaFeed(user_id=actor.id)
        db.session.add(feed)
    feed.token_hash = _digest(token)
    feed.created_at = clock.utcnow()
    db.session.flush()
    return token


def revoke_feed(actor: User) -> None:
    """Remove the agent's feed address."""
    feed = db.session.get(AgendaFeed, actor.id)
    if feed is not None:
        db.session.delete(feed)
        db.session.flush()


def has_feed(user: User) -> bool:
    """True when the agent has a feed address."""
    return db.session.get(AgendaFeed, user.id) is not None


def feed_owner(token: str) -> User | None:
    """The enabled agent whose feed ``token`` is, else None."""
    if not token or len(token) > 128:
        return None
    user_id = db.session.scalar(select(AgendaFeed.user_id).where(AgendaFeed.token_hash == _digest(token)))
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_enabled or user.role != Role.AGENT:
        return None
    return user


def calendar(user: User, *, now: datetime | None = None) -> str:
    """The agent's calendar: individual appointments and group sessions from a month ago to a
    year ahead, cancelled ones marked so that calendar applications remove them."""
    now = now or clock.utcnow()
    since, until = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    appointments = db.session.scalars(
        select(Appointment)
        .where(
            Appointment.agent_id == user.id,
            Appointment.session_id.is_(None),
            Appointment.starts_at >= since,
            Appointment.starts_at < until,
        )
        .order_by(Appointment.starts_at)
    ).all()
    sessions = db.session.scalars(
        select(GroupSession)
        .where(GroupSession.agent_id == user.id, GroupSession.starts_at >= since, GroupSession.starts_at < until)
        .order_by(GroupSession.starts_at)
    ).all()
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")
    with force_locale(locale):
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{escape_text(_('Agenda'))}",
        ]
        for appointment in appointments:
            summary = f"{KIND_LABELS[appointment.kind]} – {_('file')} {file_number(appointment.person_id)}"
            lines += _event(appointment, summary, now)
        for session in sessions:
            seats = _("%(taken)d of %(capacity)d seats", taken=session.seats_taken, capacity=session.capacity)
            lines += _event(session, f"{KIND_LABELS['group_session']} ({seats})", now)
        lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(item: Appointment | GroupSession, summary: str, now: datetime) -> list[str]:
    location = item.office.name + (f", {item.room.name}" if item.room is not None else "")
    return [
        "BEGIN:VEVENT",
        f"UID:{item.id}@integration-centre",
        f"DTSTAMP:{ical_time(item.updated_at or now)}",
        f"DTSTART:{ical_time(item.starts_at)}",
        f"DTEND:{ical_time(item.ends_at)}",
        f"SEQUENCE:{item.moves or 0}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location)}",
        f"STATUS:{'CANCELLED' if item.status == CANCELLED else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        "END:VEVENT",
    ]


def ical_time(instant: datetime) -> str:
    """An instant as an RFC 5545 UTC DATE-TIME (``19970714T173000Z``)."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 §3.3.11 (backslash, semicolon, comma, newline)."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    if len(line.encode()) <= LINE_OCTETS:
        return line
    parts, current, size, limit = [], [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)
