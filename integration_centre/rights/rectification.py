"""Rectification (GDPR Art. 16): a field of the file corrected, the previous value kept.

The package that owns the file validates and applies the change (``subject_data`` person hook
``rectify``); this module keeps the previous and the new value, encrypted under the person's
key, and audits the change. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import audit, subject_data
from integration_centre.privacy.access import access
from integration_centre.rights.errors import RequestInvalid
from integration_centre.rights.export import _jsonable
from integration_centre.rights.models import RectificationEntry, SubjectRequest

PURPOSE = "rights.rectification"


def fields() -> dict[str, Any]:
    """{field: label} of the fields a rectification may change."""
    hook = subject_data.person_hooks.rectifiable
    return hook() if hook else {}


def rectify(
    actor: Any, person_id: uuid.UUID, field: str, value: Any, *, request: SubjectRequest | None = None
) -> RectificationEntry:
    """Change ``field`` to ``value`` (validated by the owner) and keep the previous value."""
    hook = subject_data.person_hooks.rectify
    if hook is None or field not in fields():
        raise RequestInvalid({"field": _("Choose the field to rectify.")})
    with access(actor, PURPOSE, [person_id], action="update"):
        try:
            previous = hook(actor, person_id, field, value)
        except ValueError as exc:
            raise RequestInvalid({"value": str(exc)}) from None
        entry = RectificationEntry(
            id=uuid.uuid4(),
            person_id=person_id,
            request_id=request.id if request is not None else None,
            field=field,
            rectified_by_id=getattr(actor, "id", None),
        )
        entry.previous_value = _jsonable(previous)
        entry.new_value = _jsonable(value)
        db.session.add(entry)
    db.session.flush()
    audit.record("rectify", "person", str(person_id), purpose=PURPOSE, actor=actor)
    return entry


def history(actor: Any, person_id: uuid.UUID) -> list[dict]:
    """The person's rectifications, newest first, with previous and new values (audited read)."""
    rows = list(
        db.session.scalars(
            select(RectificationEntry)
            .where(RectificationEntry.person_id == person_id)
            .order_by(RectificationEntry.rectified_at.desc())
        )
    )
    if not rows:
        return []
    with access(actor, PURPOSE, [person_id]):
        return [
            {"field": r.field, "at": r.rectified_at, "previous": r.previous_value, "new": r.new_value} for r in rows
        ]
