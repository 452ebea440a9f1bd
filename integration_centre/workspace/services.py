"""The agent's workspace rules: deadlines, extensions, evaluation interviews, non-compliance,
the office dashboard and the person search.

Each writing function checks permission (404 out of reach), validates everything before
writing (``WorkspaceError`` with a translated message and the field it concerns), writes one
timeline entry through the pathway and, where the contract says so, queues one domain event;
it flushes and never commits (the caller commits once).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.pathway import services as pathway
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.definitions import PathwayDefinition, registry
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, EvidenceDocument, Newcomer, StepInstance, TimelineEntry
from integration_centre.pathway.niss import NissError
from integration_centre.pathway.niss import check as check_niss
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, CaseStatus, Participation, StepState
from integration_centre.privacy import blind_index
from integration_centre.privacy.access import access
from integration_centre.privacy.fields import decrypt_rows, encrypted_rows_statement
from integration_centre.workspace.models import (
    NONCOMPLIANCE_OUTCOMES,
    CaseSchedule,
    DeadlineExtension,
    EvaluationInterview,
    NoncomplianceProcedure,
)

PAGE_SIZE = 20
SOON_DAYS = 30
RECENT_DAYS = 14
DEFAULT_GRACE_DAYS = 30
DEFAULT_EVALUATION_MONTHS = 6
NONCOMPLIANCE_LABELS = {
    "notice_sent": _l("notice sent"),
    "complied": _l("complied"),
    "referred": _l("referred to the regional administration"),
    "closed": _l("closed"),
}
OUTCOME_LABELS = {
    "complied_late": _l("The person complied after the referral"),
    "fine": _l("Administrative fine imposed"),
    "no_action": _l("No action taken by the administration"),
    "case_closed": _l("Case closed by the administration"),
    "withdrawn": _l("Referral to the administration withdrawn"),
}


class WorkspaceError(PathwayError):
    """A refused workspace action; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------------------------------------
# Deadlines


@dataclass(frozen=True)
class VersionDeadlines:
    """What the calculator shows for one rule version."""

    definition: PathwayDefinition
    applies: bool
    report_by: date | None
    completion: date | None
    report_months: int | None
    completion_months: int | None


def deadlines_for(
    definition: PathwayDefinition,
    *,
    permit_order: date | None,
    registration: date | None,
    agreement: date | None = None,
) -> dict[str, date | None]:
    """Each deadline of ``definition`` (code → date) from the clock-start dates; None when unknown."""
    starts = {"permit_order": permit_order, "registration": registration, "agreement_signature": agreement}
    result = {}
    for deadline in definition.deadlines:
        start = starts.get(deadline.clock_start)
        result[deadline.code] = add_months(start, deadline.months) if start else None
    return result


def calculate(
    permit_order: date, registration: date | None = None, jurisdiction: str | None = None
) -> list[VersionDeadlines]:
    """The deadlines under every rule version (of ``jurisdiction``, else all), marking the one that applies."""
    rows = []
    for definition in registry().all():
        if jurisdiction and definition.jurisdiction != jurisdiction:
            continue
        dates = deadlines_for(definition, permit_order=permit_order, registration=registration)
        report, completion = definition.deadline("report"), definition.deadline("completion")
        rows.append(
            VersionDeadlines(
                definition=definition,
                applies=definition.applies_to_permit(permit_order),
                report_by=dates.get("report"),
                completion=dates.get("completion"),
                report_months=report.months if report else None,
                completion_months=completion.months if completion else None,
            )
        )
    return rows


def _clock_dates(actor: User, case: Case) -> dict[str, date | None]:
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
    start_dates = _clock_dates(actor, case)
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


def extend_deadline(
    actor: User,
    case: Case,
    ground: str,
    months: int | None,
    *,
    note: str | None = None,
    on: date | None = None,
    expected_version: int | None = None,
) -> DeadlineExtension:
    """Extend the completion deadline by ``months`` on ``ground``; records the new date and the
    agent, writes the timeline entry and emits ``deadline_extended`` (reason = ground)."""
    require(can_see_case(actor, case))
    on = on or clock.today()
    definition = pathway.definition_of(case)
    if ground not in {g["code"] for g in definition.extension_grounds}:
        raise WorkspaceError(_("Choose a ground for the extension."), "ground")
    if months is None or not 0 < months <= 24:
        raise WorkspaceError(_("An extension is 1 to 24 months."), "months")
    if case.status not in ACTIVE_CASE_STATUSES:
        raise WorkspaceError(_("Only an active case can have its deadline extended."))
    start_dates = _clock_dates(actor, case)
    previous = pathway.deadline_date(case, start_dates, "completion")
    if previous is None:
        raise WorkspaceError(_("The deadline is unknown: enter the permit-order date in the person's file first."))
    try:
        pathway.extend_deadline(actor, case, ground, months, note=note, expected_version=expected_version)
    except PathwayError as exc:
        raise WorkspaceError(exc.message) from exc
    entry = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.case_id == case.id, TimelineEntry.action == "case.extend")
    ).all()
    new_deadline = pathway.deadline_date(case, start_dates, "completion")
    extension = DeadlineExtension(
        person_id=case.person_id,
        case_id=case.id,
        timeline_entry_id=max(entry, key=lambda e: e.at).id if entry else None,
        ground=reasons.coarse(ground),  # a health ground is kept coarse in clear, precise below
        months=months,
        previous_deadline=previous,
        new_deadline=new_deadline,
        granted_on=on,
        agent_id=actor.id,
    )
    detail = reasons.split(ground)[1]
    if note or detail:
        with access(actor, "deadline.extend", [case.person_id], action="update"):
            extension.note = note or None
            extension.ground_detail = detail
    db.session.add(extension)
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "deadline_extended", on=on, reason=ground)
    sync_schedule(actor, case)
    return extension


# ---------------------------------------------------------------------------------------------
# Evaluation interviews


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


# ---------------------------------------------------------------------------------------------
# Non-compliance


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


def send_notice(
    actor: User,
    case: Case,
    sent_on: date | None,
    grace_days: int | None,
    *,
    note: str | None = None,
    today: date | None = None,
) -> NoncomplianceProcedure:
    """Record the formal notice sent to the person; the grace period runs from it."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    if case.status not in ACTIVE_CASE_STATUSES:
        raise WorkspaceError(_("A notice can be sent only on an active case."))
    if case.participation != Participation.OBLIGED:
        raise WorkspaceError(_("Only a person obliged to follow the pathway can be given a non-compliance notice."))
    if open_procedure(case) is not None:
        raise WorkspaceError(_("A non-compliance procedure is already running for this case."))
    if sent_on is None:
        raise WorkspaceError(_("Enter the date the notice was sent."), "sent_on")
    if sent_on > today:
        raise WorkspaceError(_("This date cannot be in the future."), "sent_on")
    if grace_days is None or not 8 <= grace_days <= 90:
        raise WorkspaceError(_("The grace period is 8 to 90 days."), "grace_days")
    procedure = NoncomplianceProcedure(
        person_id=case.person_id,
        case_id=case.id,
        status="notice_sent",
        notice_sent_on=sent_on,
        grace_until=sent_on + timedelta(days=grace_days),
        opened_by_id=actor.id,
    )
    if note:
        with access(actor, "noncompliance.record", [case.person_id], action="update"):
            procedure.note = note
    db.session.add(procedure)
    pathway.add_timeline_entry(actor, case, "noncompliance.notice")
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "noncompliance_notice", on=sent_on)
    sync_schedule(actor, case)
    return procedure


def record_compliance(actor: User, case: Case, on: date | None = None) -> NoncomplianceProcedure:
    """The person complied during the grace period: the procedure ends there."""
    require(can_see_case(actor, case))
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "notice_sent":
        raise WorkspaceError(_("No notice is waiting for an answer on this case."))
    procedure.status = "complied"
    procedure.outcome_on = on or clock.today()
    pathway.add_timeline_entry(actor, case, "noncompliance.complied")
    pathway.flush_or_conflict()
    sync_schedule(actor, case)
    return procedure


def refer_to_administration(
    actor: User, case: Case, referred_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Refer the case to the regional administration once the grace period has ended."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "notice_sent":
        raise WorkspaceError(_("Send a notice first: a referral follows an unanswered notice."))
    if referred_on is None:
        raise WorkspaceError(_("Enter the date of the referral."), "referred_on")
    if referred_on > today:
        raise WorkspaceError(_("This date cannot be in the future."), "referred_on")
    if referred_on <= procedure.grace_until:
        raise WorkspaceError(
            _("The grace period runs until %(date)s: refer the case after that date.", date=procedure.grace_until),
            "referred_on",
        )
    procedure.status = "referred"
    procedure.referred_on = referred_on
    pathway.add_timeline_entry(actor, case, "noncompliance.refer")
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "noncompliance_referred", on=referred_on)
    sync_schedule(actor, case)
    return procedure


def record_outcome(
    actor: User, case: Case, outcome: str | None, outcome_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Record the administration's decision on a referred case; the procedure is closed."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "referred":
        raise WorkspaceError(_("There is no referral waiting for a decision on this case."))
    if outcome not in NONCOMPLIANCE_OUTCOMES:
        raise WorkspaceError(_("Choose the outcome."), "outcome")
    if outcome_on is None:
        raise WorkspaceError(_("Enter the date of the decision."), "outcome_on")
    if outcome_on > today or outcome_on < procedure.referred_on:
        raise WorkspaceError(_("The decision date must be between the referral and today."), "outcome_on")
    procedure.status = "closed"
    procedure.outcome = outcome
    procedure.outcome_on = outcome_on
    pathway.add_timeline_entry(actor, case, "noncompliance.outcome", reason=outcome)
    pathway.flush_or_conflict()
    sync_schedule(actor, case)
    return procedure


def procedures_of(case: Case) -> list[NoncomplianceProcedure]:
    """Every non-compliance procedure of the case, latest first."""
    return list(
        db.session.scalars(
            select(NoncomplianceProcedure)
            .where(NoncomplianceProcedure.case_id == case.id)
            .order_by(NoncomplianceProcedure.created_at.desc())
        )
    )


# ---------------------------------------------------------------------------------------------
# The case page


def extension_grounds(actor: User, extensions: list[DeadlineExtension]) -> dict[uuid.UUID, str]:
    """{extension id: its precise ground}, decrypted for an agent who may see the case (audited)."""
    persons = {e.person_id for e in extensions}
    with access(actor, "case.view", persons):
        return {e.id: reasons.precise(e.ground, e.ground_detail) for e in extensions}


def extensions_of(case: Case) -> list[DeadlineExtension]:
    """The case's deadline extensions, latest first (agent loaded with them)."""
    return list(
        db.session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.case_id == case.id)
            .options(selectinload(DeadlineExtension.agent))
            .order_by(DeadlineExtension.created_at.desc())
        )
    )


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


# ---------------------------------------------------------------------------------------------
# Dashboard

VIEWS = ("today", "overdue", "soon", "evaluations", "mine", "recent")
VIEW_LABELS = {
    "today": _l("To act on today"),
    "overdue": _l("Overdue"),
    "soon": _l("Deadline in the next 30 days"),
    "evaluations": _l("Evaluations due"),
    "mine": _l("My cases"),
    "recent": _l("Recently changed"),
}
SORTS = ("deadline", "evaluation", "action", "opened", "changed")
SORT_LABELS = {
    "deadline": _l("Deadline"),
    "evaluation": _l("Next evaluation"),
    "action": _l("Next action"),
    "opened": _l("Opened on"),
    "changed": _l("Last change"),
}
DEFAULT_SORT = {
    "today": ("action", "asc"),
    "overdue": ("deadline", "asc"),
    "soon": ("deadline", "asc"),
    "evaluations": ("evaluation", "asc"),
    "mine": ("changed", "desc"),
    "recent": ("changed", "desc"),
}
STATUS_FILTERS = ("active", *[s.value for s in CaseStatus], "all")


@dataclass
class DashboardQuery:
    """What the agent asked for: the list, its sort, its filters, the page."""

    view: str = "today"
    sort: str | None = None
    direction: str | None = None
    status: str = "active"
    version: str = ""
    page: int = 1

    def normalised(self) -> DashboardQuery:
        """The same query with unknown values replaced by the defaults."""
        view = self.view if self.view in VIEWS else "today"
        sort, direction = DEFAULT_SORT[view]
        if self.sort in SORTS:
            sort = self.sort
            direction = "desc" if self.direction == "desc" else "asc"
        status = self.status if self.status in STATUS_FILTERS else "active"
        version = self.version if self.version in definition_versions() else ""
        return DashboardQuery(view, sort, direction, status, version, max(1, int(self.page or 1)))


@dataclass
class DashboardRow:
    """One line of a dashboard list: ``case`` has the case's ``id``, ``person_id``, ``status``,
    ``opened_on`` and ``last_change_at``; ``schedule`` its dashboard dates and non-compliance
    status (both are the same light row read by the list statement, not ORM entities)."""

    case: Any
    schedule: Any
    name: str
    today: date

    @property
    def overdue(self) -> bool:
        """The completion deadline has passed."""
        return bool(
            self.schedule and self.schedule.completion_deadline and self.schedule.completion_deadline < self.today
        )

    @property
    def evaluation_overdue(self) -> bool:
        """The evaluation interview is late."""
        return bool(
            self.schedule and self.schedule.next_evaluation_on and self.schedule.next_evaluation_on < self.today
        )


@dataclass
class Dashboard:
    """The counts of every list and one page of the chosen list."""

    query: DashboardQuery
    counts: dict[str, int]
    rows: list[DashboardRow] = field(default_factory=list)
    total: int = 0
    office_name: str = ""

    @property
    def pages(self) -> int:
        """Number of pages of the chosen list."""
        return max(1, math.ceil(self.total / PAGE_SIZE))


def definition_versions() -> list[str]:
    """Every rule version installed, as ``code:version`` keys."""
    return [f"{d.code}:{d.version}" for d in registry().all()]


def _restricted_persons() -> list[uuid.UUID]:
    """Every person whose file is restricted (Art. 18, ``privacy.restrictions``): a short list,
    read once per page so that the lists need no per-row subquery."""
    global _RESTRICTED
    if _RESTRICTED is None:
        from integration_centre.privacy.restrictions import Restriction

        _RESTRICTED = select(Restriction.person_id).where(Restriction.lifted_at.is_(None))
    return list(db.session.connection().scalars(_RESTRICTED))


_RESTRICTED: Select | None = None


# The statements are built once per shape (list, sort, filters) with bound parameters, so
# SQLAlchemy reuses their compiled form. The four date lists read the schedule's
# (office, date, case) indexes: the dates are set only while the case is active, so with the
# default filter they need neither the case table nor a sort (the index is in order).
SCHEDULE_VIEWS = {
    "today": "next_action_on",
    "overdue": "completion_deadline",
    "soon": "completion_deadline",
    "evaluations": "next_evaluation_on",
}
_VIEW_CONDITIONS = {
    "today": lambda: [CaseSchedule.next_action_on <= bindparam("today")],
    "overdue": lambda: [CaseSchedule.completion_deadline < bindparam("today")],
    "soon": lambda: [
        CaseSchedule.completion_deadline >= bindparam("today"),
        CaseSchedule.completion_deadline <= bindparam("soon"),
    ],
    "evaluations": lambda: [CaseSchedule.next_evaluation_on <= bindparam("soon")],
    "mine": lambda: [Case.opened_by_id == bindparam("user_id")],
    "recent": lambda: [Case.last_change_at >= bindparam("since", type_=Case.last_change_at.type)],
}
SORT_COLUMNS = {
    "deadline": CaseSchedule.completion_deadline,
    "evaluation": CaseSchedule.next_evaluation_on,
    "action": CaseSchedule.next_action_on,
    "opened": Case.opened_on,
    "changed": Case.last_change_at,
}
SORT_FIELDS = {"deadline": "completion_deadline", "evaluation": "next_evaluation_on", "action": "next_action_on"}
# The same sorts on the schedule's copies of the case columns (lists read from the schedule alone).
SCHEDULE_SORTS = {"opened": CaseSchedule.opened_on, "changed": CaseSchedule.last_change_at}
COUNT_CAP = 100  # the other lists' badges count up to this ("100+"); the chosen list is counted exactly
_STATEMENTS: dict[tuple, Select] = {}


@dataclass(frozen=True)
class _Shape:
    view: str
    status_mode: str
    with_version: bool
    restricted: bool
    sort: str | None = None

    @property
    def schedule_only(self) -> bool:
        """The list can be read from the schedule alone (default filters, a date list and sort)."""
        return (
            self.view in SCHEDULE_VIEWS
            and self.status_mode == "active"
            and not self.with_version
            and (self.sort is None or self.sort in SORT_FIELDS or self.sort in SCHEDULE_SORTS)
        )


def _case_conditions(shape: _Shape) -> list:
    conditions = []
    if shape.status_mode == "active":
        conditions.append(Case.status.in_([s.value for s in ACTIVE_CASE_STATUSES]))
    elif shape.status_mode == "one":
        conditions.append(Case.status == bindparam("status"))
    if shape.with_version:
        conditions += [Case.definition_code == bindparam("code"), Case.definition_version == bindparam("version")]
    return conditions


def _view_statement(shape: _Shape, columns) -> Select:
    """``columns`` of the cases of one list, from the schedule alone when possible."""
    if shape.schedule_only:
        person = CaseSchedule.person_id
        statement = (
            select(*columns)
            .select_from(CaseSchedule)
            .where(CaseSchedule.office_id == bindparam("office_id"), *_VIEW_CONDITIONS[shape.view]())
        )
    else:
        person = Case.person_id
        if shape.view in SCHEDULE_VIEWS:
            statement = select(*columns).select_from(CaseSchedule).join(Case, Case.id == CaseSchedule.case_id)
            office = CaseSchedule.office_id == bindparam("office_id")
        else:
            statement = select(*columns).select_from(Case)
            if shape.sort in SORT_FIELDS:  # sorted by a schedule date (counts never need the join)
                statement = statement.outerjoin(CaseSchedule, CaseSchedule.case_id == Case.id)
            office = Case.office_id == bindparam("office_id")
        statement = statement.where(office, *_VIEW_CONDITIONS[shape.view](), *_case_conditions(shape))
    if shape.restricted:
        statement = statement.where(person.not_in(bindparam("restricted", expanding=True)))
    return statement


def _count_statement(shape: _Shape, capped: bool) -> Select:
    key = ("count", shape, capped)
    if key not in _STATEMENTS:
        if capped:
            tie = CaseSchedule.case_id if shape.schedule_only else Case.id
            rows = _view_statement(shape, [tie]).limit(COUNT_CAP).subquery()
            _STATEMENTS[key] = select(func.count()).select_from(rows)
        else:
            _STATEMENTS[key] = _view_statement(shape, [func.count()])
    return _STATEMENTS[key]


def _list_statement(shape: _Shape, direction: str) -> Select:
    key = ("list", shape, direction)
    if key not in _STATEMENTS:
        column = SORT_COLUMNS[shape.sort]
        copied = shape.schedule_only and shape.sort in SCHEDULE_SORTS
        if copied:
            column = SCHEDULE_SORTS[shape.sort]
        order = [column.desc() if direction == "desc" else column.asc()]
        # Read in index order (no sort): a date list by its own date or by the case's opening
        # date or last change (the schedule's sort indexes), "mine"/"recent" by last change (the
        # office/change indexes). Other sorts put the cases without the date last, whatever the
        # direction (SQLite and PostgreSQL place NULLs differently).
        in_index = (
            (shape.view in SCHEDULE_VIEWS and SORT_FIELDS.get(shape.sort) == SCHEDULE_VIEWS[shape.view])
            or copied
            or (shape.view not in SCHEDULE_VIEWS and shape.sort == "changed")
        )
        if not in_index and column.nullable:
            order.insert(0, column.is_(None))
        tie = CaseSchedule.case_id if shape.view in SCHEDULE_VIEWS else Case.id
        order.append(tie.desc() if direction == "desc" and in_index else tie.asc())
        ids = _view_statement(shape, [tie.label("case_id")])
        page = ids.order_by(*order).limit(bindparam("limit")).offset(bindparam("offset")).subquery()
        # The page of ids first (in index order), then the few columns a row shows, by primary key.
        _STATEMENTS[key] = (
            select(*_ROW_COLUMNS)
            .select_from(Case)
            .join(page, page.c.case_id == Case.id)
            .outerjoin(CaseSchedule, CaseSchedule.case_id == Case.id)
            .order_by(*order)
        )
    return _STATEMENTS[key]


_ROW_COLUMNS = (
    Case.id,
    Case.person_id,
    Case.status,
    Case.opened_on,
    Case.last_change_at,
    CaseSchedule.completion_deadline,
    CaseSchedule.next_evaluation_on,
    CaseSchedule.next_action_on,
    CaseSchedule.noncompliance_status,
)


def _counts_statement(shapes: tuple[_Shape, ...], chosen: str) -> Select:
    """The badge count of every list in one statement (one scalar subquery per list), with the
    office's name for the page's heading."""
    key = ("counts", shapes, chosen)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = select(
            *[
                _count_statement(shape, capped=shape.view != chosen).scalar_subquery().label(shape.view)
                for shape in shapes
            ],
            select(Office.name).where(Office.id == bindparam("office_id")).scalar_subquery().label("office_name"),
        )
    return _STATEMENTS[key]


def dashboard(user: User, query: DashboardQuery, *, today: date | None = None) -> Dashboard:
    """The office dashboard: a badge count for each list (capped at 100 but for the chosen list,
    counted exactly for its pages) and one page of the chosen list (one query for the page, one
    for the persons with their keys; names decrypted in one audited access). Only cases of the
    agent's office; restricted persons left out."""
    require(user.role == Role.AGENT and can_see_office(user, user.office_id))
    today = today or clock.today()
    query = query.normalised()
    status_mode = {"active": "active", "all": "all"}.get(query.status, "one")
    with_version = bool(query.version)
    restricted = _restricted_persons()
    params = {
        "office_id": user.office_id,
        "user_id": user.id,
        "today": today,
        "soon": today + timedelta(days=SOON_DAYS),
        "since": datetime.combine(today - timedelta(days=RECENT_DAYS), time.min, tzinfo=UTC),
        "restricted": restricted,
    }
    if status_mode == "one":
        params["status"] = query.status
    if with_version:
        params["code"], params["version"] = query.version.split(":", 1)
    # Core statements on the session's connection (same transaction): no ORM entity is needed.
    connection = db.session.connection()
    shapes = tuple(_Shape(view, status_mode, with_version, bool(restricted)) for view in VIEWS)
    *totals, office_name = connection.execute(_counts_statement(shapes, query.view), params).one()
    counts = {view: int(n) for view, n in zip(VIEWS, totals, strict=True)}
    result = Dashboard(query=query, counts=counts, total=counts[query.view], office_name=office_name or "")
    query.page = min(query.page, result.pages)
    shape = _Shape(query.view, status_mode, with_version, bool(restricted), query.sort)
    rows = connection.execute(
        _list_statement(shape, query.direction),
        {**params, "limit": PAGE_SIZE, "offset": (query.page - 1) * PAGE_SIZE},
    ).all()
    names = display_names(user, [row.person_id for row in rows])
    result.rows = [DashboardRow(row, row, names.get(row.person_id, "—"), today) for row in rows]
    return result


def display_names(user: User, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """ "FAMILY, Given" of each person, decrypted in one audited access (one query reads the two
    name columns with the persons' wrapped keys; erased persons have no name)."""
    if not person_ids:
        return {}
    rows = db.session.connection().execute(_NAMES_STATEMENT, {"ids": list(person_ids)}).all()
    with access(user, "dashboard.list", [row.person_id for row in rows]):
        names = decrypt_rows(Newcomer, _NAME_FIELDS, rows)
    return {person_id: f"{(family or '').upper()}, {given or ''}" for person_id, (family, given) in names.items()}


_NAME_FIELDS = ("family_name", "given_names")
_NAMES_STATEMENT = encrypted_rows_statement(Newcomer, _NAME_FIELDS).where(
    Newcomer.id.in_(bindparam("ids", expanding=True))
)


# ---------------------------------------------------------------------------------------------
# Search


@dataclass
class SearchResult:
    """One person found, with the cases the agent's office holds."""

    person_id: uuid.UUID
    family_name: str
    given_names: str
    date_of_birth: date | None
    niss: str | None
    cases: list[Case]


def validate_search(
    family_name: str | None, given_names: str | None, birth_date: date | None, niss: str | None
) -> dict[str, str]:
    """Field errors of a search: a NISS, or a family name with a date of birth."""
    errors: dict[str, str] = {}
    if niss:
        try:
            check_niss(niss)
        except NissError as exc:
            errors["niss"] = str(exc)
        return errors
    if not (family_name or "").strip() and birth_date is None:
        errors["family_name"] = _("Enter a family name and a date of birth, or a national register number.")
    elif not (family_name or "").strip():
        errors["family_name"] = _("Enter the family name too: the date of birth alone finds too many people.")
    elif birth_date is None:
        errors["date_of_birth"] = _("Enter the date of birth too: names are searched with it.")
    return errors


def search_persons(
    actor: User,
    *,
    family_name: str | None = None,
    given_names: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> list[SearchResult]:
    """Persons the agent may see matching exactly (accents, case and spaces ignored), found
    through the blind indexes; false candidates are decrypted and dropped in an audited search."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    errors = validate_search(family_name, given_names, birth_date, niss)
    if errors:
        field_name, message = next(iter(errors.items()))
        raise WorkspaceError(message, field_name)
    compact = check_niss(niss).number if niss else None
    if compact:
        rows = blind_index.candidate_rows(Newcomer, niss=compact)
    else:
        rows = blind_index.candidate_rows(
            Newcomer, family_name=family_name, given_name=given_names or None, birth_date=birth_date
        )
    if not rows:
        return []
    restricted = set(_restricted_persons())
    rows = [r for r in rows if r.id not in restricted]
    office_cases: dict[uuid.UUID, list[Case]] = {}
    conditions = [Case.person_id.in_([r.id for r in rows]), Case.office_id == actor.office_id]
    for item in db.session.scalars(select(Case).where(*conditions).order_by(Case.opened_on.desc())):
        office_cases.setdefault(item.person_id, []).append(item)
    visible = [r for r in rows if r.registered_by_office_id == actor.office_id or r.id in office_cases]

    def matches(row: Newcomer) -> bool:
        if compact:
            return row.niss == compact
        return (
            row.date_of_birth == birth_date
            and blind_index.same_text(row.family_name, family_name)
            and (not given_names or blind_index.same_text(row.given_names, given_names))
        )

    found = blind_index.keep_true_matches(visible, matches, actor=actor, purpose="person.search")
    with access(actor, "person.search", [r.id for r in found]):
        results = [
            SearchResult(r.id, r.family_name, r.given_names, r.date_of_birth, r.niss, office_cases.get(r.id, []))
            for r in found
        ]
    results.sort(key=lambda r: (blind_index.normalise(r.family_name), blind_index.normalise(r.given_names)))
    return results
