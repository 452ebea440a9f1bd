"""The operators' part of the data-subject rights: the person's referrals for an access request.

Registered with the privacy core (``privacy.subject_data``); privacy never imports this package.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.operators.models import Referral
from integration_centre.privacy import person_merge, subject_data

_REFERRAL_COLUMNS = (
    "reference", "step_code", "service_type", "state", "reason", "deadline", "sent_on", "accepted_at", "started_on",
    "ended_on", "sessions", "hours", "attended_from", "attended_until", "result", "course_format",
)  # fmt: skip
_EVENT_COLUMNS = ("at", "actor_role", "action", "from_state", "to_state", "reason", "hours", "sessions", "result")


def export(person_id: uuid.UUID) -> dict:
    """Every referral of the person: the operator it went to, what was reported, its history."""
    referrals = db.session.scalars(
        select(Referral).where(Referral.person_id == person_id).order_by(Referral.sent_at)
    ).all()
    if not referrals:
        return {}
    return {
        "referrals": [
            {
                "operator": referral.operator.name,
                **{name: getattr(referral, name) for name in _REFERRAL_COLUMNS},
                "history": [{name: getattr(event, name) for name in _EVENT_COLUMNS} for event in referral.history],
            }
            for referral in referrals
        ]
    }


def register() -> None:
    """Register the referrals' export with the privacy core."""
    subject_data.register("operators", export=export)
    person_merge.register_person_merge("operators", merge_person)


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the referrals of a merged-away file to the kept one."""
    return {"referrals": person_merge.move_rows(Referral, removed_id, kept_id)}
