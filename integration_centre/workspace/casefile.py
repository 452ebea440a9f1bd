"""What the case page reads besides the schedule: the case's timeline and the person's evidence documents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, EvidenceDocument, TimelineEntry
from integration_centre.privacy.access import access


def timeline_of(case: Case) -> list[TimelineEntry]:
    """The case's timeline, latest first, actors loaded in the same round trip."""
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case.id)
            .options(selectinload(TimelineEntry.actor))
            .order_by(TimelineEntry.at.desc())
        )
    )


def documents_of(actor: User, case: Case) -> list[dict]:
    """The person's evidence documents (names decrypted, audited)."""
    rows = db.session.scalars(
        select(EvidenceDocument)
        .where(EvidenceDocument.person_id == case.person_id)
        .order_by(EvidenceDocument.created_at.desc())
    ).all()
    if not rows:
        return []
    with access(actor, "evidence.list", [case.person_id]):
        return [{"row": row, "filename": row.filename, "content_type": row.content_type} for row in rows]
