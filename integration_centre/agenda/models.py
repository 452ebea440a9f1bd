"""The office agenda: settings per office, rooms, appointments, group sessions, feed tokens and
the non-compliance signals that repeated no-shows raise.

Nothing here is personal data in clear: an appointment holds the person's pseudonymous id (the
file number), the case id, codes, times and an interpreter language code. Names stay in the
person's encrypted file. Times are aware UTC instants; the agenda's days are Brussels days
(``integration_centre.clock``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import Office, User
from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db

# The kinds of appointment (codes stored; labels in ``agenda.labels``).
RECEPTION = "reception"
SOCIAL_ASSESSMENT = "social_assessment"
EVALUATION_INTERVIEW = "evaluation_interview"
GROUP_SESSION = "group_session"  # information on rights and duties, in a group
INDIVIDUAL_KINDS = (RECEPTION, SOCIAL_ASSESSMENT, EVALUATION_INTERVIEW)
APPOINTMENT_KINDS = (*INDIVIDUAL_KINDS, GROUP_SESSION)

# The states of an appointment (and of a group session: booked, moved or cancelled).
BOOKED = "booked"
MOVED = "moved"
CANCELLED = "cancelled"
ATTENDED = "attended"
NO_SHOW = "no_show"
APPOINTMENT_STATUSES = (BOOKED, MOVED, CANCELLED, ATTENDED, NO_SHOW)
ACTIVE_STATUSES = (BOOKED, MOVED)  # what still holds the agent, the room or the seat

DEFAULT_SLOT_MINUTES = 30
DEFAULT_NO_SHOW_THRESHOLD = 2


class AgendaSettings(TimestampMixin, db.Model):
    """An office's agenda settings (the opening hours are the office's own, ``Office.opening_hours``).

    ``letter_addresses`` holds the office's address as written in the convocation letters of other
    scripts, per language code (e.g. ``{"ar": "…"}``): the office writes it once, as it would on a
    printed leaflet; without one the letter falls back to the Latin address."""

    __tablename__ = "agenda_settings"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), primary_key=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLOT_MINUTES)
    # How many no-shows make a person eligible for the non-compliance procedure.
    no_show_threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_NO_SHOW_THRESHOLD)
    letter_addresses: Mapped[dict | None] = mapped_column(JSON)


class AgendaRoom(TimestampMixin, db.Model):
    """A room of an office where appointments and group sessions take place."""

    __tablename__ = "agenda_room"
    __table_args__ = (UniqueConstraint("office_id", "name", name="uq_agenda_room_office_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    office: Mapped[Office] = relationship()


class GroupSession(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A group session on rights and duties: one agent, a room, a capacity, the participants'
    seats (``Appointment`` rows of kind ``group_session``). ``seats_taken`` counts the active
    seats; it changes only under a row lock of this session (``agenda.booking``)."""

    __tablename__ = "agenda_group_session"
    __table_args__ = (
        Index("ix_agenda_group_session_agent_start", "agent_id", "starts_at"),
        Index("ix_agenda_group_session_room_start", "room_id", "starts_at"),
        Index("ix_agenda_group_session_office_start", "office_id", "starts_at"),
    )

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_room.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    topic: Mapped[str | None] = mapped_column(String(32))  # a theme code (housing, health…), optional
    language: Mapped[str | None] = mapped_column(String(8))  # the session's language, when not French
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    moves: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    office: Mapped[Office] = relationship()
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    room: Mapped[AgendaRoom | None] = relationship()


class Appointment(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One person's appointment at an office: an individual one with an agent (and a room), or a
    seat in a group session (``session_id``; the session holds the agent and the room)."""

    __tablename__ = "agenda_appointment"
    __table_args__ = (
        Index("ix_agenda_appointment_agent_start", "agent_id", "starts_at"),
        Index("ix_agenda_appointment_room_start", "room_id", "starts_at"),
        Index("ix_agenda_appointment_office_start", "office_id", "starts_at"),
        Index("ix_agenda_appointment_person_status", "person_id", "status"),
    )

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_room.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_group_session.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_case.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    interpreter_required: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(8))  # ISO 639 code
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    moves: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))  # a code, never free text
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    office: Mapped[Office] = relationship()
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    room: Mapped[AgendaRoom | None] = relationship()
    session: Mapped[GroupSession | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Still holding its time (booked or moved)."""
        return self.status in ACTIVE_STATUSES


class AgendaFeed(db.Model):
    """An agent's private calendar feed: only the SHA-256 of its secret token is stored."""

    __tablename__ = "agenda_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoncomplianceSignal(UUIDPrimaryKeyMixin, db.Model):
    """Repeated no-shows made a person eligible for the non-compliance procedure at an office
    (recorded once per person and office; the procedure itself is the workspace's)."""

    __tablename__ = "agenda_noncompliance_signal"
    __table_args__ = (UniqueConstraint("person_id", "office_id", name="uq_agenda_noncompliance_signal_person_office"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_case.id"))
    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_appointment.id"))
    no_shows: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


# The states of an interpreter request to the social-interpreting service.
INTERPRETER_REQUESTED = "requested"
INTERPRETER_CONFIRMED = "confirmed"
INTERPRETER_REFUSED = "refused"
INTERPRETER_CANCELLED = "cancelled"
INTERPRETER_STATUSES = (INTERPRETER_REQUESTED, INTERPRETER_CONFIRMED, INTERPRETER_REFUSED, INTERPRETER_CANCELLED)


class InterpreterRequest(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """An appointment's request to the social-interpreting service (one per appointment).

    The service is written to through the outbox with the reference, the time, the place and the
    language only. A move puts the request back to ``requested`` (the service confirms the new
    time); a cancellation cancels it. The agent records the service's answer."""

    __tablename__ = "agenda_interpreter_request"

    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_appointment.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=INTERPRETER_REQUESTED)
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)  # request and updates queued
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    appointment: Mapped[Appointment] = relationship()


class AppointmentReminder(UUIDPrimaryKeyMixin, db.Model):
    """A reminder queued for an appointment (once per appointment and start time)."""

    __tablename__ = "agenda_reminder"
    __table_args__ = (UniqueConstraint("appointment_id", "starts_at", name="uq_agenda_reminder_appointment_start"),)

    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_appointment.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channels: Mapped[str] = mapped_column(String(16))  # "email", "sms", "email+sms" or "none"
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
