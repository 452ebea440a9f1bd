"""The agenda's part of a person's data: the appointments in an access export; they move with a
merged file. Registered with the privacy core; privacy never imports this package."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from integration_centre.agenda.models import Appointment, NoncomplianceSignal
from integration_centre.extensions import db
from integration_centre.privacy import person_merge, subject_data

_COLUMNS = (
    "kind", "starts_at", "ends_at", "status", "moves", "cancel_reason", "interpreter_required",
    "interpreter_language",
)  # fmt: skip


def export(person_id: uuid.UUID) -> dict:
    """The person's appointments (office, kind, times, status, interpreter) and no-show signals."""
    appointments = db.session.scalars(
        select(Appointment).where(Appointment.person_id == person_id).order_by(Appointment.starts_at)
    ).all()
    signals = db.session.scalars(select(NoncomplianceSignal).where(NoncomplianceSignal.person_id == person_id)).all()
    if not appointments and not signals:
        return {}
    return {
        "appointments": [
            {"office": item.office.name, **{name: getattr(item, name) for name in _COLUMNS}} for item in appointments
        ],
        "repeated_no_shows": [{"no_shows": signal.no_shows, "raised_at": signal.raised_at} for signal in signals],
    }


def register() -> None:
    """Register the agenda's export and merge handler with privacy."""
    subject_data.register("agenda", export=export)
    person_merge.register_person_merge("agenda", merge_person)


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the removed file's appointments to the kept one; a no-show signal of the removed file
    is dropped where the kept file has its own at the same office (one per person and office)."""
    moved = person_merge.move_rows(Appointment, removed_id, kept_id)
    kept_offices = set(
        db.session.scalars(select(NoncomplianceSignal.office_id).where(NoncomplianceSignal.person_id == kept_id))
    )
    for signal in db.session.scalars(select(NoncomplianceSignal).where(NoncomplianceSignal.person_id == removed_id)):
        if signal.office_id in kept_offices:
            db.session.delete(signal)
        else:
            signal.person_id = kept_id
            moved += 1
    return {"agenda": moved}
