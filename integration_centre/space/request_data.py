"""The person's requests in the data-subject rights: exported with the person's data, deleted
with the person (erasure), moved to the kept file when two files are merged. Registered with
privacy's registries; privacy never imports this package."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from integration_centre.extensions import db
from integration_centre.privacy import person_merge, subject_data
from integration_centre.space.request_models import SpaceRequest

NAME = "space_requests"


def export(person_id: uuid.UUID) -> dict:
    """The person's requests from their space: kind, state, dates, codes and what they wrote
    (called inside an access context naming the person)."""
    items = db.session.scalars(
        select(SpaceRequest).where(SpaceRequest.person_id == person_id).order_by(SpaceRequest.created_at)
    ).all()
    if not items:
        return {}
    return {
        "space_requests": [
            {
                "kind": item.kind,
                "status": item.status,
                "sent_at": item.created_at.isoformat(),
                "reason": item.reason,
                "decline_reason": item.decline_reason,
                "decided_at": item.decided_at.isoformat() if item.decided_at else None,
                "details": item.details if item.details_ct is not None else None,
            }
            for item in items
        ]
    }


def erase(person_id: uuid.UUID) -> None:
    """The person's requests die with them (the register's own row follows the rights desk's rules)."""
    db.session.execute(delete(SpaceRequest).where(SpaceRequest.person_id == person_id))


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the removed file's requests to the kept one (what they wrote re-sealed under it)."""
    return {NAME: person_merge.move_rows(SpaceRequest, removed_id, kept_id)}


def register() -> None:
    """Register the export, the erasure clean-up and the merge handler."""
    subject_data.register(NAME, export=export, erase=erase)
    person_merge.register_person_merge(NAME, merge_person)
