"""The agenda's part of a person's data: appointments move with a merged file."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from integration_centre.agenda.models import Appointment, NoncomplianceSignal
from integration_centre.extensions import db
from integration_centre.privacy import person_merge


def register() -> None:
    """Register the agenda's merge handler with privacy."""
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
