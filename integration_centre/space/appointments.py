"""The person's next appointments: when (in their language), where (the office's address as
written for their language), and whether an interpreter is booked (yes or no, and the
language — never who).

Appointments hold no personal field in clear; the reading is audited all the same, since it
tells about the person (``access`` under the caller's purpose).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlalchemy import select

from integration_centre import clock
from integration_centre.agenda import interpreters
from integration_centre.agenda.convocation import office_address
from integration_centre.agenda.letters import local_time
from integration_centre.agenda.models import ACTIVE_STATUSES, INTERPRETER_CONFIRMED, Appointment
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import reference
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space import labels


@dataclass(frozen=True)
class AppointmentLine:
    """One coming appointment as the person reads it."""

    id: uuid.UUID
    kind_label: str
    starts_at: datetime
    day: str
    time: str
    office: str
    address: str
    interpreter: str | None  # None, "requested" or "confirmed"
    interpreter_language: str


def upcoming(person_id: uuid.UUID, *, now: datetime | None = None) -> list[Appointment]:
    """The person's appointments still to come (booked or moved), soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.person_id == person_id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.ends_at >= now,
            )
            .order_by(Appointment.starts_at)
        )
    )


def _line(appointment: Appointment, interpreter_request, language: str) -> AppointmentLine:
    status = None
    if appointment.interpreter_language:
        confirmed = interpreter_request is not None and interpreter_request.status == INTERPRETER_CONFIRMED
        status = "confirmed" if confirmed else "requested"
    local = appointment.starts_at.astimezone(clock.zone())
    return AppointmentLine(
        id=appointment.id,
        kind_label=str(labels.APPOINTMENT_KINDS.get(appointment.kind, appointment.kind)),
        starts_at=appointment.starts_at,
        day=format_date(local.date(), "full", locale=language),
        time=local_time(appointment.starts_at),
        office=appointment.office.name,
        address=office_address(appointment, language),
        interpreter=status,
        interpreter_language=reference.language_name(appointment.interpreter_language, language)
        if appointment.interpreter_language
        else "",
    )


def appointments_of(
    actor: Actor, person_id: uuid.UUID, purpose: str, *, now: datetime | None = None
) -> list[AppointmentLine]:
    """The person's coming appointments, in their language (one audited read)."""
    items = upcoming(person_id, now=now)
    language = current_language()
    with access(actor, purpose, [person_id]):
        interpreter_requests = interpreters.requests_of([a.id for a in items])
        return [_line(a, interpreter_requests.get(a.id), language) for a in items]


def own_appointment(person_id: uuid.UUID, appointment_id: uuid.UUID) -> Appointment | None:
    """The appointment ``appointment_id`` when it is the person's (any state), else None."""
    appointment = db.session.get(Appointment, appointment_id)
    return appointment if appointment is not None and appointment.person_id == person_id else None
