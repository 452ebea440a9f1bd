"""What the case page reads besides the schedule: the case's timeline and the person's evidence documents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer, TimelineEntry


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
    """The person's evidence documents ``actor`` may read (names decrypted, audited): a medical
    certificate only for the agents of an office holding one of the person's cases."""
    return pathway.documents_of(actor, db.session.get(Newcomer, case.person_id))
