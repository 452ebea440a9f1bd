"""The import's part of the data-subject rights: a row fingerprint follows its file.

A fingerprint is a keyed hash of a person's row, so it is pseudonymous data about that person:
erased with the person, moved to the kept file when two files are merged.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, update

from integration_centre.extensions import db
from integration_centre.intake.models import ImportedRow
from integration_centre.privacy import person_merge, subject_data


def erase(person_id: uuid.UUID) -> None:
    """Forget the fingerprints of the rows that created this file."""
    db.session.execute(delete(ImportedRow).where(ImportedRow.person_id == person_id))


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Point the removed file's fingerprints at the kept file."""
    result = db.session.execute(
        update(ImportedRow).where(ImportedRow.person_id == removed_id).values(person_id=kept_id)
    )
    return {"intake": result.rowcount or 0}


def register() -> None:
    """Register the import's erasure and merge hooks with privacy's registries."""
    subject_data.register("intake", erase=erase)
    person_merge.register_person_merge("intake", merge_person)
