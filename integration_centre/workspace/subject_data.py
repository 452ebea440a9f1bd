"""The workspace's part of the data-subject rights: a pending non-compliance procedure is a legal hold.

While a notice is running or the file was referred to the regional administration (a possible
administrative fine), the file must stay complete: erasure is refused. The encrypted workspace
rows (extension, evaluation and non-compliance notes) are emptied by the privacy core.
"""

from __future__ import annotations

import uuid

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import person_merge, subject_data
from integration_centre.workspace.models import (
    CaseSchedule,
    DeadlineExtension,
    EvaluationInterview,
    NoncomplianceProcedure,
    PersonEvent,
)

PENDING = ("notice_sent", "referred")


def holds(person_id: uuid.UUID) -> list[str]:
    """A non-compliance procedure still pending (notice running, or referred for a sanction)."""
    rows = db.session.execute(
        select(NoncomplianceProcedure.status, NoncomplianceProcedure.notice_sent_on, NoncomplianceProcedure.referred_on)
        .where(NoncomplianceProcedure.person_id == person_id, NoncomplianceProcedure.status.in_(PENDING))
        .order_by(NoncomplianceProcedure.notice_sent_on)
    ).all()
    reasons = []
    for status, notice_on, referred_on in rows:
        if status == "referred":
            reasons.append(
                _("The file was referred to the regional administration for a sanction on %(date)s: "
                  "it must be kept until the decision.", date=format_date(referred_on or notice_on))
            )  # fmt: skip
        else:
            reasons.append(
                _("A non-compliance notice was sent on %(date)s and is still pending.", date=format_date(notice_on))
            )
    return reasons


def register() -> None:
    """Register the workspace's legal hold with privacy's subject-data registry."""
    subject_data.register("workspace", holds=holds)
    person_merge.register_person_merge("workspace", merge_person)


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the workspace rows (schedule, extensions, evaluations, non-compliance, the timeline of
    a person without a case) to the kept file."""
    moved = 0
    for model in (CaseSchedule, DeadlineExtension, EvaluationInterview, NoncomplianceProcedure, PersonEvent):
        moved += person_merge.move_rows(model, removed_id, kept_id)
    return {"workspace": moved}
