"""The dates of a case: deadlines (extensions included), next evaluation, next action, and their dashboard copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, CaseStatus, StepState
from integration_centre.privacy.access import access
from integration_centre.workspace.calculator import deadlines_for
from integration_centre.workspace.models import CaseSchedule, EvaluationInterview, NoncomplianceProcedure

SOON_DAYS = 30
DEFAULT_EVALUATION_MONTHS = 6


def clock_dates(actor: User, case: Case) -> dict[str, date | None]:
    """The case's clock-start dates (permit order, registration), read in an audited access."""
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "deadline.compute", [case.person_id]):
        return {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}


def evaluation_interval(case: Case) -> int:
    """Months between evaluation interviews (the definition's parameter, 6 by default)."""
    return int(pathway.definition_of(case).parameters.get("evaluation_interval_months", DEFAULT_EVALUATION_MONTHS))


def next_evaluation(case: Case, last_held: date | None) -> date | None:
    """When the next evaluation interview is due: 6 months after the last one, else after the
    agreement signature, else after the case start; None for a case that is not active."""
    if case.status not in ACTIVE_CASE_STATUSES or case.status == CaseStatus.SUSPENDED:
        return None
    base = last_held or case.agreement_signed_on or case.started_on or case.opened_on
    return add_months(base, evaluation_interval(case))


@dataclass
class Schedule:
    """The dates of a case as the case page shows them."""

    report_by: date | None
    completion_deadline: date | None
    base_deadline: date | None
    next_evaluation_on: date | None
    next_action_on: date | None
    last_evaluation_on: date | None
    noncompliance: NoncomplianceProcedure | None
    today: date

    @property
    def overdue(self) -> bool:
        """The completion deadline has passed while the case is still active."""
        return self.completion_deadline is not None and self.completion_deadline < self.today

    @property
    def evaluation_overdue(self) -> bool:
        """The evaluation interview is late."""
        return self.next_evaluation_on is not None and self.next_evaluation_on < self.today

    @property
    def deadline_soon(self) -> bool:
        """The completion deadline falls within the next 30 days."""
        return (
            self.completion_deadline is not None
            and self.today <= self.completion_deadline <= self.today + timedelta(days=SOON_DAYS)
        )


def compute_schedule(actor: User, case: Case, *, today: date | None = None) -> Schedule:
    """The case's deadlines (extensions included), next evaluation and next action."""
    today = today or clock.today()
    start_dates = clock_dates(actor, case)
    definition = pathway.definition_of(case)
    completion = pathway.deadline_date(case, start_dates, "completion")
    base = deadlines_for(
        definition, permit_order=start_dates["permit_order"], registration=start_dates["registration"], agreement=None
    )
    active = case.status in ACTIVE_CASE_STATUSES
    last_held = db.session.scalar(
        select(func.max(EvaluationInterview.held_on)).where(EvaluationInterview.case_id == case.id)
    )
    evaluation = next_evaluation(case, last_held)
    procedure = open_procedure(case)
    candidates = [evaluation]
    if procedure is not None and procedure.status == "notice_sent":
        candidates.append(procedure.grace_until + timedelta(days=1))
    planned = db.session.scalar(
        select(func.min(StepInstance.planned_on)).where(
            StepInstance.case_id == case.id, StepInstance.state == StepState.PLANNED
        )
    )
    candidates.append(planned)
    upcoming = [d for d in candidates if d is not None]
    return Schedule(
        report_by=pathway.deadline_date(case, start_dates, "report"),
        completion_deadline=completion if active else None,
        base_deadline=base.get("completion"),
        next_evaluation_on=evaluation,
        next_action_on=min(upcoming) if upcoming and active else None,
        last_evaluation_on=last_held,
        noncompliance=procedure,
        today=today,
    )


def sync_schedule(actor: User, case: Case) -> CaseSchedule:
    """Recompute and store the case's dashboard dates (after any change to the case)."""
    schedule = compute_schedule(actor, case)
    row = db.session.get(CaseSchedule, case.id)
    if row is None:
        row = CaseSchedule(case_id=case.id, office_id=case.office_id, person_id=case.person_id)
        db.session.add(row)
    row.office_id = case.office_id
    row.report_by = schedule.report_by
    row.completion_deadline = schedule.completion_deadline
    row.next_evaluation_on = schedule.next_evaluation_on
    row.next_action_on = schedule.next_action_on
    row.noncompliance_status = schedule.noncompliance.status if schedule.noncompliance else None
    row.opened_on, row.last_change_at = case.opened_on, case.last_change_at
    row.refreshed_at = utcnow()
    pathway.flush_or_conflict()  # a concurrent save of the case: PathwayConflict, not a 500
    return row


def open_procedure(case: Case) -> NoncomplianceProcedure | None:
    """The case's non-compliance procedure still running (notice sent or referred), if any."""
    return db.session.scalar(
        select(NoncomplianceProcedure)
        .where(
            NoncomplianceProcedure.case_id == case.id, NoncomplianceProcedure.status.in_(("notice_sent", "referred"))
        )
        .order_by(NoncomplianceProcedure.created_at.desc())
        .limit(1)
    )
