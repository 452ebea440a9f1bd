"""Evaluation interviews: recording one (encrypted notes) and reading them back."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy.access import access
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import EvaluationInterview
from integration_centre.workspace.schedule import compute_schedule, sync_schedule


def record_evaluation(
    actor: User, case: Case, held_on: date | None, notes: str | None, *, today: date | None = None
) -> EvaluationInterview:
    """Record an evaluation interview (date, encrypted notes); the next one is scheduled from it."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    if held_on is None:
        raise WorkspaceError(_("Enter the date of the interview."), "held_on")
    if held_on > today:
        raise WorkspaceError(_("The interview cannot be recorded before it is held."), "held_on")
    if held_on < case.opened_on:
        raise WorkspaceError(_("The interview cannot be before the case was opened."), "held_on")
    if case.status not in ACTIVE_CASE_STATUSES:
        raise WorkspaceError(_("Evaluation interviews are recorded on active cases only."))
    schedule = compute_schedule(actor, case, today=today)
    interview = EvaluationInterview(
        person_id=case.person_id,
        case_id=case.id,
        due_on=schedule.next_evaluation_on,
        held_on=held_on,
        recorded_by_id=actor.id,
    )
    if notes:
        with access(actor, "evaluation.record", [case.person_id], action="update"):
            interview.notes = notes
    db.session.add(interview)
    pathway.add_timeline_entry(actor, case, "evaluation.record")
    pathway.flush_or_conflict()
    sync_schedule(actor, case)
    return interview


def interviews_of(actor: User, case: Case) -> list[dict]:
    """The case's interviews with their decrypted notes (audited), latest first."""
    require(can_see_case(actor, case))
    rows = db.session.scalars(
        select(EvaluationInterview)
        .where(EvaluationInterview.case_id == case.id)
        .options(selectinload(EvaluationInterview.recorded_by))
        .order_by(EvaluationInterview.held_on.desc())
    ).all()
    if not rows:
        return []
    with access(actor, "evaluation.view", [case.person_id]):
        return [{"row": row, "notes": row.notes} for row in rows]
