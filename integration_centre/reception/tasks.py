"""The help-with-procedures tasks, which start and complete the administrative-help step."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case
from integration_centre.privacy.access import access
from integration_centre.reception.common import (
    ADMIN_HELP_STEPS,
    MAX_TITLE,
    ReceptionInvalid,
    advance,
    case_in_reach,
    check_case_active,
    ensure_started,
    find_step,
    today_or,
)
from integration_centre.reception.labels import TASK_KINDS
from integration_centre.reception.models import ProcedureTask


def add_task(
    actor: User,
    case: Case,
    *,
    kind: str,
    title: str | None,
    due_on: date | None,
    today: date | None = None,
    expected_version: int | None = None,
) -> ProcedureTask:
    """Add a help-with-procedures task; starts the administrative-help step."""
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    today = today_or(today)
    errors: dict[str, str] = {}
    if kind not in TASK_KINDS:
        errors["kind"] = _("Choose a kind of procedure from the list.")
    title = (title or "").strip()
    if kind == "other" and not title:
        errors["title"] = _("Describe the procedure.")
    if len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)s characters.", count=MAX_TITLE)
    if due_on is not None and due_on < case.opened_on:
        errors["due_on"] = _("The date cannot be before the case was opened.")
    if errors:
        raise ReceptionInvalid(errors)
    check_case_active(case)
    task = ProcedureTask(person_id=case.person_id, case_id=case.id, kind=kind, due_on=due_on, created_by_id=actor.id)
    if title:
        with access(actor, "reception.task", [case.person_id], action="update"):
            task.title = title
    db.session.add(task)
    ensure_started(actor, case, today)
    pathway.add_timeline_entry(actor, case, "task.add", reason=kind)
    pathway.flush_or_conflict()
    task.step_message = advance(actor, case, find_step(case, ADMIN_HELP_STEPS), today, complete=False)
    return task


def complete_task(
    actor: User, task: ProcedureTask, *, on: date | None = None, expected_version: int | None = None
) -> ProcedureTask:
    """Mark a task done; when no task is left open, the administrative-help step is completed."""
    case = db.session.get(Case, task.case_id)
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    on = today_or(on)
    if task.done_on is not None:
        raise PathwayError(_("This task is already done."))
    check_case_active(case)
    task.done_on = max(on, case.opened_on)
    ensure_started(actor, case, on)
    pathway.add_timeline_entry(actor, case, "task.done", reason=task.kind)
    pathway.flush_or_conflict()
    open_tasks = db.session.scalar(
        select(func.count(ProcedureTask.id)).where(ProcedureTask.case_id == case.id, ProcedureTask.done_on.is_(None))
    )
    step = find_step(case, ADMIN_HELP_STEPS)
    task.step_message = advance(actor, case, step, task.done_on, complete=not open_tasks)
    return task


def tasks_of(actor: User, case: Case) -> list[dict]:
    """The case's tasks: open ones first by due date, then done ones (titles decrypted, audited)."""
    case_in_reach(actor, case)
    rows = db.session.scalars(select(ProcedureTask).where(ProcedureTask.case_id == case.id)).all()
    rows.sort(key=lambda t: (t.done_on is not None, t.due_on or date.max, t.created_at))
    if not rows:
        return []
    with access(actor, "reception.task", [case.person_id]):
        return [{"id": t.id, "kind": t.kind, "title": t.title, "due_on": t.due_on, "done_on": t.done_on} for t in rows]


def get_task(actor: User, task_id) -> ProcedureTask:
    """The task ``task_id`` if its case is in reach, else 404."""
    task = db.session.get(ProcedureTask, task_id)
    require(task is not None)
    case_in_reach(actor, db.session.get(Case, task.case_id))
    return task
