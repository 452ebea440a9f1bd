"""The pathway engine: cases, steps, dispensations — every rule that changes a case.

Each public function is one transition: it checks permission (404 when the object is out of
reach), checks the move (``states``) and its guards (role, case status, dependencies, hours,
evidence, result), applies it, writes ONE timeline entry and queues ONE domain event
(``events``), then flushes. It never commits: the caller commits once. A refused move raises
``PathwayError`` before anything is modified. If another session saved the same case meanwhile
(optimistic locking on ``Case.version``), ``PathwayConflict`` is raised; the caller rolls back.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from integration_centre import clock
from integration_centre.accounts.models import Office, OperatorOrganisation, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import events, reasons, reference
from integration_centre.pathway.dates import add_months, age_band
from integration_centre.pathway.definitions import (
    CEFR_LEVELS,
    NoApplicableDefinition,
    PathwayDefinition,
    StepDefinition,
    cefr_rank,
    registry,
)
from integration_centre.pathway.eligibility import (
    Eligibility,
    EligibilityFacts,
    RecordedDispensation,
    Status,
    assess,
)
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.models import (
    Case,
    Dispensation,
    EvidenceDocument,
    Newcomer,
    StepInstance,
    TimelineEntry,
)
from integration_centre.pathway.permissions import can_act_on_step, can_see_case, person_visible_to
from integration_centre.pathway.registration import PERSONAL_FIELDS, ensure_writable
from integration_centre.pathway.states import (
    ACTIVE_CASE_STATUSES,
    DONE_STEP_STATES,
    FINAL_STEP_STATES,
    CaseStatus,
    Participation,
    StepState,
    case_target,
    step_target,
)
from integration_centre.privacy.access import access

DEFAULT_JURISDICTION = "wallonia"
CLOSURE_REASONS = {
    "no_show": _l("Never came or stopped coming"),
    "moved_away": _l("Moved out of the centre's territory"),
    "left_country": _l("Left Belgium"),
    "deadline_exceeded": _l("Deadline exceeded"),
    "refused": _l("Refused the pathway"),
    "deceased": _l("Deceased"),
    "other": _l("Other reason"),
}
SUSPENSION_REASONS = {
    "illness": _l("Illness"),
    "pregnancy": _l("Pregnancy or birth"),
    "family": _l("Family reasons"),
    "work": _l("Work schedule"),
    "no_places": _l("No places at operators"),
    "other": _l("Other reason"),
}
EXEMPTION_REASONS = {
    "condition_not_met": _l("Not needed for this person (condition of the definition not met)"),
    "prior_learning": _l("Already acquired (diploma, test, prior course)"),
    "dispensation": _l("Covered by a dispensation"),
    "other": _l("Other reason"),
}
PASS_FAIL = ("pass", "fail")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
ALLOWED_DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")

CASE_EVENT = {
    "start": "case_started",
    "complete": "case_completed",
    "close": "case_closed",
    "suspend": "case_suspended",
    "resume": "case_resumed",
    "transfer": "case_transferred",
}
STEP_EVENT = {
    "plan": "step_planned",
    "refer": "step_referred",
    "start": "step_started",
    "decline": "step_declined",
    "complete": "step_completed",
    "fail": "step_failed",
    "retry": "step_retried",
    "exempt": "step_exempted",
    "cancel": "step_cancelled",
}
STATUS_LABELS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.IN_PROGRESS: _l("in progress"),
    CaseStatus.COMPLETED: _l("completed"),
    CaseStatus.CLOSED: _l("closed without certificate"),
    CaseStatus.SUSPENDED: _l("suspended"),
    CaseStatus.TRANSFERRED: _l("transferred"),
}
STATE_LABELS = {
    StepState.PENDING: _l("pending"),
    StepState.PLANNED: _l("planned"),
    StepState.REFERRED: _l("referred"),
    StepState.IN_PROGRESS: _l("in progress"),
    StepState.COMPLETED: _l("completed"),
    StepState.EXEMPTED: _l("exempted"),
    StepState.FAILED: _l("failed"),
    StepState.CANCELLED: _l("cancelled"),
}
ACTION_LABELS = {
    "plan": _l("plan"),
    "refer": _l("refer to an operator"),
    "start": _l("start"),
    "decline": _l("decline"),
    "complete": _l("complete"),
    "fail": _l("record as failed"),
    "retry": _l("try again"),
    "exempt": _l("exempt"),
    "cancel": _l("cancel"),
    "close": _l("close"),
    "suspend": _l("suspend"),
    "resume": _l("resume"),
    "transfer": _l("transfer"),
}


def conflict_message():
    """The message shown when another person saved the same case meanwhile.

    Lazy: it is raised from a failed flush, when the session cannot read the user's language
    until it is rolled back; it becomes text after the rollback (``core.requests``).
    """
    return _l("This case was modified meanwhile by someone else. Reload it and try again: nothing was saved.")


# ---------------------------------------------------------------------------------------------
# Reading


def definition_of(case: Case) -> PathwayDefinition:
    """The definition version the case started with (kept forever)."""
    return registry().get(case.definition_code, case.definition_version)


def applicable_definition(
    permit_order_date: date | None, jurisdiction: str = DEFAULT_JURISDICTION
) -> PathwayDefinition:
    """The definition version of ``jurisdiction`` chosen from the permit-order date."""
    try:
        return registry().applicable(jurisdiction, permit_order_date)
    except NoApplicableDefinition as exc:
        raise PathwayError(
            _("No pathway definition covers a permit ordered on %(date)s.", date=permit_order_date)
        ) from exc


def facts_of(newcomer: Newcomer) -> EligibilityFacts:
    """The eligibility facts of a newcomer (call inside an access context naming the person)."""
    return EligibilityFacts(
        date_of_birth=newcomer.date_of_birth,
        nationality=newcomer.nationality,
        residence_category=newcomer.residence_category,
        permit_order_date=newcomer.permit_order_date,
        registration_date=newcomer.registration_date,
        permit_validity_months=newcomer.permit_validity_months,
    )


def recorded_dispensations(newcomer_id, definition: PathwayDefinition | None = None) -> list[RecordedDispensation]:
    """The person's recorded dispensations (call inside an access context naming the person)."""
    rows = db.session.scalars(select(Dispensation).where(Dispensation.person_id == newcomer_id))
    return [
        RecordedDispensation(row.reason, row.start_date, row.end_date)
        for row in rows
        if definition is None or (row.definition_code == definition.code)
    ]


def eligibility_for(
    actor: User,
    newcomer: Newcomer,
    *,
    case: Case | None = None,
    on: date | None = None,
    purpose: str = "eligibility.view",
) -> Eligibility:
    """Eligibility of ``newcomer`` on ``on`` under the case's definition (else the applicable one)."""
    require(person_visible_to(actor, newcomer))
    with access(actor, purpose, [newcomer.id]):
        facts = facts_of(newcomer)
        definition = definition_of(case) if case is not None else applicable_definition(facts.permit_order_date)
        return assess(
            facts,
            definition,
            on=on,
            dispensations=recorded_dispensations(newcomer.id, definition),
            participating=case is not None and case.participation == Participation.VOLUNTARY,
        )


def get_case(actor: User, case_id) -> Case:
    """The case ``case_id`` if ``actor`` may see it, else 404."""
    case = db.session.get(Case, case_id)
    require(can_see_case(actor, case))
    return case


def step_required(case: Case, step_def: StepDefinition, definition: PathwayDefinition) -> bool | None:
    """Whether a step is required for this case: True, False, or None while still unknown."""
    if step_def.mandatory:
        return True
    condition = step_def.condition or {}
    if condition.get("type") == "needs_analysis":
        return condition["need"] in (case.needs or [])
    if condition.get("type") == "result_below_level":
        source = case.step(condition["step"])
        if source.state != StepState.COMPLETED or cefr_rank(source.result) is None:
            return None
        return cefr_rank(source.result) < cefr_rank(definition.parameters[condition["parameter"]])
    return None


def deadline_date(case: Case, newcomer_dates: dict[str, date | None], code: str = "completion") -> date | None:
    """When deadline ``code`` falls for this case (extensions included), None when it has none."""
    deadline = definition_of(case).deadline(code)
    if deadline is None:
        return None
    start = {
        "permit_order": newcomer_dates.get("permit_order"),
        "registration": newcomer_dates.get("registration"),
        "agreement_signature": case.agreement_signed_on,
    }[deadline.clock_start]
    if start is None:
        return None
    return add_months(start, deadline.months + (case.deadline_extended_months if deadline.extendable else 0))


# ---------------------------------------------------------------------------------------------
# Events and timeline


def statistical_attributes(newcomer: Newcomer, case: Case | None, definition: PathwayDefinition, on: date) -> dict:
    """The person's derived attributes for the stats feed at ``on`` (inside an access context).

    No name, no number, no exact date: age band, sex, nationality, municipality and arrondissement,
    status, residence category, CEFR level, education level.
    """
    municipality = reference.municipality(newcomer.municipality_code)
    eligibility = assess(
        facts_of(newcomer),
        definition,
        on=on,
        dispensations=recorded_dispensations(newcomer.id, definition),
        participating=case is not None and case.participation == Participation.VOLUNTARY,
    )
    return {
        "age_band": age_band(newcomer.date_of_birth, on),
        "sex": newcomer.sex,
        "nationality": newcomer.nationality,
        "nationality_group": reference.nationality_group(newcomer.nationality),
        "municipality_code": municipality.nis_code if municipality else None,
        "arrondissement_code": municipality.arrondissement_code if municipality else None,
        "status": eligibility.statistical_status,
        "residence_category": newcomer.residence_category,
        "cefr_level": _cefr_level(case, definition) if case is not None else None,
        "education_level": newcomer.education_level,
    }


def _cefr_level(case: Case, definition: PathwayDefinition) -> str | None:
    """The placement-test result: the step other steps' language conditions refer to."""
    for step_def in definition.steps:
        condition = step_def.condition or {}
        if condition.get("type") == "result_below_level":
            try:
                return case.step(condition["step"]).result
            except KeyError:
                return None
    return None


def _emit(
    actor: User,
    event_type: str,
    case: Case,
    on: date,
    *,
    step: StepInstance | None = None,
    reason: str | None = None,
    target_office_id: int | None = None,
    duration: bool = False,
) -> None:
    emit_case_event(
        actor,
        case,
        event_type,
        on=on,
        step_code=step.step_code if step else None,
        reason=reason,
        operator_id=step.operator_id if step else None,
        duration_days=(on - case.opened_on).days if duration else None,
        hours=float(step.hours) if step is not None and step.hours is not None else None,
        result=step.result if step else None,
        target_office_id=target_office_id,
    )


def emit_case_event(
    actor: User,
    case: Case,
    event_type: str,
    *,
    on: date | None = None,
    step_code: str | None = None,
    reason: str | None = None,
    operator_id: int | None = None,
    duration_days: int | None = None,
    hours: float | None = None,
    result: str | None = None,
    target_office_id: int | None = None,
) -> None:
    """Queue one domain event about ``case`` (payload contract in ``pathway.events``)."""
    on = on or clock.today()
    definition = definition_of(case)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "pathway.event", [newcomer.id]):
        person = statistical_attributes(newcomer, case, definition, on)
    events.queue(
        db.session,
        events.DomainEvent(
            type=event_type,
            occurred_at=utcnow().isoformat(),
            event_date=on.isoformat(),
            month=on.strftime("%Y-%m"),
            cohort_month=case.opened_on.strftime("%Y-%m"),
            definition_code=case.definition_code,
            definition_version=case.definition_version,
            office_id=case.office_id,
            centre_id=case.centre_id,
            person=person,
            step_code=step_code,
            reason=reasons.coarse(reason),  # never a health reason in the statistics
            result=result,
            hours=hours,
            duration_days=duration_days,
            target_office_id=target_office_id,
            operator_id=operator_id,
        ),
    )


def add_timeline_entry(
    actor: User,
    case: Case,
    action: str,
    *,
    step_code: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
) -> TimelineEntry:
    """Write one timeline entry on ``case`` for other packages (codes only, no note)."""
    entry = timeline_entry(actor, case, action, from_state=from_state, to_state=to_state, reason=reason)
    entry.step_code = step_code
    touch_case(case)
    return entry


def timeline_entry(
    actor: User,
    case: Case,
    action: str,
    *,
    step: StepInstance | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        case=case,
        case_id=case.id,
        person_id=case.person_id,
        at=utcnow(),
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        step_code=step.step_code if step else None,
        from_state=from_state,
        to_state=to_state,
    )
    entry.reason, detail = reasons.split(reason)  # a health reason is kept coarse in clear
    if note or detail:
        with access(actor, "case.timeline", [case.person_id], action="update"):
            entry.note = note or None
            entry.reason_detail = detail
    db.session.add(entry)
    return entry


def flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise PathwayConflict(conflict_message()) from exc


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise PathwayConflict(conflict_message())


def touch_case(case: Case) -> None:
    # Every change to a case or its steps updates the case row, so the version check applies.
    case.last_change_at = utcnow()


# ---------------------------------------------------------------------------------------------
# Cases


def open_case(
    actor: User,
    newcomer: Newcomer,
    *,
    office: Office | None = None,
    jurisdiction: str = DEFAULT_JURISDICTION,
    on: date | None = None,
    voluntary: bool | None = None,
) -> Case:
    """Open a case for ``newcomer`` at the agent's office on the applicable definition version.

    The person is obliged or, when not obliged (dispensed, excluded), a voluntary participant.
    Refused when the person already has an active case.
    """
    office = office or actor.office
    require(actor.role == Role.AGENT and office is not None and can_see_office(actor, office.id))
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    on = on or clock.today()
    active = db.session.scalar(
        select(Case).where(Case.person_id == newcomer.id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
    )
    if active is not None:
        raise PathwayError(_("This person already has an active case: continue that one instead."))
    with access(actor, "case.open", [newcomer.id]):
        facts = facts_of(newcomer)
        definition = applicable_definition(facts.permit_order_date, jurisdiction)
        eligibility = assess(facts, definition, on=on, dispensations=recorded_dispensations(newcomer.id, definition))
    participation = Participation.OBLIGED if eligibility.status == Status.OBLIGED else Participation.VOLUNTARY
    if voluntary:
        participation = Participation.VOLUNTARY
    case = Case(
        person_id=newcomer.id,
        office_id=office.id,
        centre_id=office.centre_id,
        definition_code=definition.code,
        definition_version=definition.version,
        status=CaseStatus.OPEN,
        participation=participation,
        needs=[],
        opened_on=on,
        opened_by_id=actor.id,
        last_change_at=utcnow(),
    )
    db.session.add(case)
    for step_def in definition.steps:
        case.steps.append(
            StepInstance(person_id=newcomer.id, step_code=step_def.code, order=step_def.order, state=StepState.PENDING)
        )
    timeline_entry(actor, case, "case.open", to_state=CaseStatus.OPEN.value, reason=participation.value)
    flush_or_conflict()
    _emit(actor, "case_opened", case, on)
    return case


def transition_case(
    actor: User,
    case: Case,
    action: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    target_office: Office | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Case:
    """Apply case ``action`` (start, complete, close, suspend, resume, transfer); see the module doc."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    on = on or clock.today()
    source = CaseStatus(case.status)
    target = case_target(action, source)
    if target is None:
        raise PathwayError(
            _(
                "The case is %(status)s: it cannot be %(action)s.",
                status=STATUS_LABELS[source],
                action=ACTION_LABELS.get(action, action),
            )
        )
    if action == "close" and reason not in CLOSURE_REASONS:
        raise PathwayError(_("Choose why the case is closed."))
    if action == "suspend" and reason not in SUSPENSION_REASONS:
        raise PathwayError(_("Choose why the case is suspended."))
    if action == "complete":
        _check_can_complete_case(case)
    if action == "transfer" and (target_office is None or target_office.id == case.office_id):
        raise PathwayError(_("Choose another office to transfer the case to."))
    case.status = target
    case.status_reason, detail = reasons.split(reason) if action in ("close", "suspend") else (None, None)
    if detail is not None:
        with access(actor, "case.status", [case.person_id], action="update"):
            case.status_reason_detail = detail
    else:
        case.status_reason_detail = None
    if action == "start":
        case.started_on = on
    if action in ("complete", "close", "transfer"):
        case.ended_on = on
    touch_case(case)
    successor = None
    if action == "transfer":
        successor = _successor_case(actor, case, target_office, source, on)
        case.transferred_to_office_id = target_office.id
    timeline_entry(
        actor, case, f"case.{action}", from_state=source.value, to_state=target.value, reason=reason, note=note
    )
    flush_or_conflict()
    if successor is not None:
        case.successor_case_id = successor.id
    _emit(
        actor,
        CASE_EVENT[action],
        case,
        on,
        reason=reason,
        target_office_id=target_office.id if target_office else None,
        duration=action in ("complete", "close"),
    )
    flush_or_conflict()
    return case


def _check_can_complete_case(case: Case) -> None:
    definition = definition_of(case)
    final = [s for s in definition.steps if s.ends_pathway]
    if final and any(case.step(s.code).state != StepState.COMPLETED for s in final):
        raise PathwayError(
            _("The case can be completed once “%(step)s” is completed.", step=final[0].label(current_language()))
        )
    missing = [
        s.label(current_language())
        for s in definition.steps
        if s.mandatory and case.step(s.code).state not in DONE_STEP_STATES
    ]
    if missing:
        raise PathwayError(_("Steps still to do: %(steps)s.", steps=", ".join(missing)))


def _successor_case(actor: User, case: Case, target_office: Office, source: CaseStatus, on: date) -> Case:
    successor = Case(
        person_id=case.person_id,
        office_id=target_office.id,
        centre_id=target_office.centre_id,
        definition_code=case.definition_code,
        definition_version=case.definition_version,
        status=CaseStatus.IN_PROGRESS if source == CaseStatus.SUSPENDED else source,
        participation=case.participation,
        needs=list(case.needs or []),
        opened_on=case.opened_on,
        started_on=case.started_on,
        agreement_signed_on=case.agreement_signed_on,
        obligation_ended_on=case.obligation_ended_on,
        deadline_extended_months=case.deadline_extended_months,
        opened_by_id=actor.id,
        last_change_at=utcnow(),
    )
    db.session.add(successor)
    for step in case.steps:
        successor.steps.append(
            StepInstance(
                person_id=step.person_id,
                step_code=step.step_code,
                order=step.order,
                state=step.state,
                state_reason=step.state_reason,
                planned_on=step.planned_on,
                started_on=step.started_on,
                ended_on=step.ended_on,
                hours=step.hours,
                result=step.result,
                evidence=list(step.evidence or []),
                operator_id=step.operator_id,
                service_type=step.service_type,
                confirmed_by_id=step.confirmed_by_id,
                confirmed_at=step.confirmed_at,
            )
        )
    timeline_entry(actor, successor, "case.transfer_in", to_state=successor.status.value)
    return successor


def set_needs(actor: User, case: Case, needs: list[str], *, expected_version: int | None = None) -> Case:
    """Record the needs analysis (which conditional steps are needed); timeline, no event."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    definition = definition_of(case)
    unknown = [n for n in needs if n not in definition.needs]
    if unknown:
        raise PathwayError(_("Unknown need: %(needs)s.", needs=", ".join(unknown)))
    case.needs = sorted(set(needs))
    touch_case(case)
    timeline_entry(actor, case, "case.needs", reason=",".join(case.needs) or None)
    flush_or_conflict()
    return case


def extend_deadline(
    actor: User, case: Case, ground: str, months: int, *, note: str | None = None, expected_version: int | None = None
) -> Case:
    """Extend the completion deadline on one of the definition's extension grounds."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    definition = definition_of(case)
    if ground not in {g["code"] for g in definition.extension_grounds}:
        raise PathwayError(_("Choose a ground for the extension."))
    if not 0 < months <= 24:
        raise PathwayError(_("An extension is 1 to 24 months."))
    deadline = definition.deadline("completion")
    if deadline is None or not deadline.extendable:
        raise PathwayError(_("This pathway has no extendable deadline."))
    case.deadline_extended_months += months
    touch_case(case)
    timeline_entry(actor, case, "case.extend", reason=ground, note=note)
    flush_or_conflict()
    return case


# ---------------------------------------------------------------------------------------------
# Steps


@dataclass
class StepChange:
    """Optional values recorded with a step transition."""

    planned_on: date | None = None
    operator_id: int | None = None
    service_type: str | None = None
    hours: Decimal | float | str | None = None
    result: str | None = None
    evidence: tuple[str, ...] = ()
    reason: str | None = None
    note: str | None = None


def transition_step(
    actor: User,
    case: Case,
    step_code: str,
    action: str,
    change: StepChange | None = None,
    *,
    expected_version: int | None = None,
    on: date | None = None,
) -> StepInstance:
    """Apply step ``action`` (plan, refer, start, decline, complete, fail, retry, exempt, cancel).

    Guards: the case is in progress; the move exists from the step's state; the actor's role may
    do it (operators only on steps referred to their organisation, and only start, decline,
    complete, fail); dependencies are done for refer/start/complete; for complete, hours reached,
    evidence present and a valid result when the definition expects one. Values in ``change``
    (hours, result, evidence) are checked and applied with the move, all or nothing.
    """
    change = change or StepChange()
    on = on or clock.today()
    try:
        step = case.step(step_code)
    except KeyError:
        require(False)
    require(can_act_on_step(actor, step))
    ensure_writable(step.person_id)
    check_version(case, expected_version)
    definition = definition_of(case)
    step_def = definition.step(step_code)
    source = StepState(step.state)
    target = step_target(action, source)
    label = step_def.label(current_language())
    if case.status != CaseStatus.IN_PROGRESS:
        raise PathwayError(
            _(
                "Steps can change only while the case is in progress (it is %(status)s).",
                status=STATUS_LABELS[case.status],
            )
        )
    if target is None:
        raise PathwayError(
            _(
                "“%(step)s” is %(state)s: it cannot be %(action)s.",
                step=label,
                state=STATE_LABELS[source],
                action=ACTION_LABELS.get(action, action),
            )
        )
    _check_role(actor, step, step_def, action, label)
    hours = _parse_hours(change.hours) if change.hours is not None else None
    if action in ("refer", "start", "complete"):
        _check_dependencies(case, step_def, definition)
    if action == "plan" and change.planned_on is None:
        raise PathwayError(_("Enter the planned date."))
    if action == "refer":
        _check_referral(step_def, change)
    if action in ("exempt", "cancel", "fail") and not change.reason:
        raise PathwayError(_("Give the reason."))
    if action == "exempt" and change.reason not in EXEMPTION_REASONS:
        raise PathwayError(_("Choose why the step is exempted."))
    if (
        action == "exempt"
        and change.reason == "condition_not_met"
        and step_required(case, step_def, definition) is not False
    ):
        raise PathwayError(
            _("“%(step)s” is needed for this person: its condition is met or not yet known.", step=label)
        )
    result = change.result if change.result is not None else step.result
    if action == "complete":
        total = hours if hours is not None else Decimal(step.hours or 0)
        if step_def.min_hours is not None and total < Decimal(str(step_def.min_hours)):
            raise PathwayError(
                _(
                    "%(hours)s hours recorded for “%(step)s”; at least %(minimum)s are required.",
                    hours=_format_hours(total),
                    step=label,
                    minimum=_format_hours(Decimal(str(step_def.min_hours))),
                )
            )
        evidence = set(step.evidence or []) | set(change.evidence)
        missing = [code for code in step_def.evidence if code not in evidence]
        if missing:
            raise PathwayError(
                _("Evidence missing for “%(step)s”: %(evidence)s.", step=label, evidence=", ".join(missing))
            )
        _check_result(step_def, result, label)
        if step_def.ends_pathway:
            _check_all_steps_done(case, definition, step_code)
    if change.result is not None and action != "complete":
        _check_result(step_def, change.result, label)

    # All guards passed: apply.
    step.state = target
    if hours is not None:
        step.hours = hours
    if change.result is not None:
        step.result = change.result
    if change.evidence:
        step.evidence = sorted(set(step.evidence or []) | set(change.evidence))
    if action == "plan":
        step.planned_on = change.planned_on
    if action == "refer":
        step.operator_id = change.operator_id
        step.service_type = change.service_type
    if action == "decline":
        step.operator_id = None
        step.service_type = None
    if action == "start":
        step.started_on = on
    if target in (StepState.COMPLETED, StepState.FAILED, StepState.EXEMPTED, StepState.CANCELLED):
        step.ended_on = on
        step.state_reason = reasons.coarse(change.reason)  # the timeline entry keeps it precisely (encrypted)
    if target == StepState.PENDING:
        step.ended_on = None
        step.state_reason = None
    if target == StepState.COMPLETED:
        step.confirmed_by_id = actor.id
        step.confirmed_at = utcnow()
        if step_code == agreement_step(definition):
            case.agreement_signed_on = on
    if change.note:
        with access(actor, "case.step", [case.person_id], action="update"):
            step.note = change.note
    touch_case(case)
    timeline_entry(
        actor,
        case,
        f"step.{action}",
        step=step,
        from_state=source.value,
        to_state=target.value,
        reason=change.reason,
        note=change.note,
    )
    flush_or_conflict()
    _emit(actor, STEP_EVENT[action], case, on, step=step, reason=change.reason)
    return step


def record_attendance(
    actor: User,
    case: Case,
    step_code: str,
    hours,
    *,
    evidence: tuple[str, ...] = (),
    expected_version: int | None = None,
) -> StepInstance:
    """Record hours attended (total) and evidence received on a step in progress; timeline only."""
    try:
        step = case.step(step_code)
    except KeyError:
        require(False)
    require(can_act_on_step(actor, step))
    ensure_writable(step.person_id)
    check_version(case, expected_version)
    if step.state not in (StepState.IN_PROGRESS, StepState.REFERRED, StepState.PLANNED):
        raise PathwayError(_("Hours can be recorded only on a step planned, referred or in progress."))
    step_def = definition_of(case).step(step_code)
    unknown = [code for code in evidence if code not in step_def.evidence]
    if unknown:
        raise PathwayError(_("Unexpected evidence: %(evidence)s.", evidence=", ".join(unknown)))
    step.hours = _parse_hours(hours)
    step.evidence = sorted(set(step.evidence or []) | set(evidence))
    touch_case(case)
    timeline_entry(actor, case, "step.attendance", step=step)
    flush_or_conflict()
    return step


def agreement_step(definition: PathwayDefinition) -> str | None:
    """The step whose completion is the agreement signature (the one expecting a signed agreement)."""
    return next((s.code for s in definition.steps if "signed_agreement" in s.evidence), None)


def _check_role(actor: User, step: StepInstance, step_def: StepDefinition, action: str, label: str) -> None:
    operator_moves = ("start", "decline", "complete", "fail")
    operator_states = (StepState.REFERRED, StepState.IN_PROGRESS)
    if actor.role == Role.OPERATOR and (action not in operator_moves or step.state not in operator_states):
        raise PathwayError(_("Only the reception office can %(action)s this step.", action=ACTION_LABELS[action]))
    if action in ("complete", "fail"):
        role = actor.role.value
        service_type = step.service_type if actor.role == Role.OPERATOR else None
        if not step_def.confirmable_by_role(role, service_type):
            raise PathwayError(_("Your role cannot confirm “%(step)s”.", step=label))


def _check_dependencies(case: Case, step_def: StepDefinition, definition: PathwayDefinition) -> None:
    waiting = []
    for code in step_def.depends_on:
        dependency = case.step(code)
        if dependency.state in DONE_STEP_STATES:
            continue
        if dependency.state == StepState.CANCELLED and step_required(case, definition.step(code), definition) is False:
            continue
        waiting.append(definition.step(code).label(current_language()))
    if waiting:
        raise PathwayError(
            _("“%(step)s” needs first: %(steps)s.", step=step_def.label(current_language()), steps=", ".join(waiting))
        )


def _check_all_steps_done(case: Case, definition: PathwayDefinition, final_code: str) -> None:
    open_steps = [
        definition.step(s.step_code).label(current_language())
        for s in case.steps
        if s.step_code != final_code
        and (
            s.state not in FINAL_STEP_STATES
            or (definition.step(s.step_code).mandatory and s.state not in DONE_STEP_STATES)
        )
    ]
    if open_steps:
        raise PathwayError(_("Steps still to do: %(steps)s.", steps=", ".join(open_steps)))


def _check_referral(step_def: StepDefinition, change: StepChange) -> None:
    services = [rule.get("service_type") for rule in step_def.confirmable_by if rule["role"] == "operator"]
    if not services:
        raise PathwayError(_("“%(step)s” is not done by operators.", step=step_def.label(current_language())))
    if change.operator_id is None or db.session.get(OperatorOrganisation, change.operator_id) is None:
        raise PathwayError(_("Choose the operator."))
    if change.service_type is None:
        change.service_type = services[0]
    if change.service_type not in services:
        raise PathwayError(
            _("This operator service cannot deliver “%(step)s”.", step=step_def.label(current_language()))
        )


def _check_result(step_def: StepDefinition, result: str | None, label: str) -> None:
    expected = step_def.result
    if expected is None:
        return
    kind = expected["type"]
    valid = {
        "cefr": CEFR_LEVELS,
        "choice": tuple(expected.get("options", ())),
        "pass_fail": PASS_FAIL,
    }[kind]
    if result not in valid:
        raise PathwayError(_("Record the result of “%(step)s” (%(options)s).", step=label, options=", ".join(valid)))


def _parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise PathwayError(_("Hours must be a number, like 12 or 12.5.")) from exc
    if not hours.is_finite() or hours < 0 or hours > 10000:
        raise PathwayError(_("Hours must be between 0 and 10,000."))
    return hours.quantize(Decimal("0.01"))


def _format_hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def current_language() -> str:
    """The user's language code (fr, nl, en), French outside requests."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


# ---------------------------------------------------------------------------------------------
# Dispensations


@dataclass
class UploadedDocument:
    """An uploaded file, as bytes (the view reads it from the request)."""

    filename: str
    content_type: str
    content: bytes


def record_dispensation(
    actor: User,
    newcomer: Newcomer,
    reason: str,
    start_date: date,
    *,
    case: Case | None = None,
    document: UploadedDocument | None = None,
    end_date: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Dispensation:
    """Record a dispensation validated by ``actor`` (legal basis from the definition).

    The evidence document, when the reason requires one, is mandatory and stored encrypted.
    With a case: one timeline entry and one ``dispensation_recorded`` event; a mid-pathway
    reason (work…) ends the case's obligation from ``start_date``.
    """
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    if case is not None:
        require(can_see_case(actor, case) and case.person_id == newcomer.id)
        check_version(case, expected_version)
    with access(actor, "dispensation.record", [newcomer.id], action="update"):
        definition = definition_of(case) if case is not None else applicable_definition(newcomer.permit_order_date)
    try:
        reason_def = definition.dispensation_reason(reason)
    except KeyError as exc:
        raise PathwayError(_("Choose a dispensation reason from the list.")) from exc
    if start_date is None:
        raise PathwayError(_("Enter the date the dispensation starts."))
    if end_date is not None and end_date < start_date:
        raise PathwayError(_("The end date is before the start date."))
    if reason_def.evidence_required and document is None:
        raise PathwayError(_("This reason requires an evidence document: upload it."))
    if document is not None:
        _check_document(document)
    dispensation = Dispensation(
        person_id=newcomer.id,
        case_id=case.id if case else None,
        definition_code=definition.code,
        definition_version=definition.version,
        start_date=start_date,
        end_date=end_date,
        validated_by_id=actor.id,
        validated_at=utcnow(),
    )
    with access(actor, "dispensation.record", [newcomer.id], action="update"):
        dispensation.reason = reason_def.code
        dispensation.legal_basis = reason_def.legal_basis
        if note:
            dispensation.note = note
        db.session.add(dispensation)
        if document is not None:
            evidence = EvidenceDocument(person_id=newcomer.id, kind="dispensation", uploaded_by_id=actor.id)
            evidence.dispensation = dispensation
            evidence.filename = document.filename
            evidence.content_type = document.content_type
            evidence.content_base64 = base64.b64encode(document.content).decode("ascii")
            db.session.add(evidence)
    if case is not None:
        if reason_def.can_start_mid_pathway:
            case.obligation_ended_on = (
                start_date if case.obligation_ended_on is None else min(case.obligation_ended_on, start_date)
            )
        touch_case(case)
        # The reason may be health data: the timeline keeps only that a dispensation was recorded.
        timeline_entry(actor, case, "dispensation.record")
    flush_or_conflict()
    if case is not None:
        _emit(actor, "dispensation_recorded", case, max(start_date, case.opened_on), reason=reason_def.code)
    return dispensation


def _check_document(document: UploadedDocument) -> None:
    if not document.content:
        raise PathwayError(_("The uploaded file is empty."))
    if len(document.content) > MAX_DOCUMENT_BYTES:
        raise PathwayError(_("The file is larger than 5 MB."))
    if document.content_type not in ALLOWED_DOCUMENT_TYPES:
        raise PathwayError(_("Upload a PDF, JPEG or PNG file."))


def read_document(actor: User, document: EvidenceDocument) -> UploadedDocument:
    """Decrypt an evidence document for an agent who may see the person (audited)."""
    newcomer = db.session.get(Newcomer, document.person_id)
    require(person_visible_to(actor, newcomer))
    with access(actor, "evidence.view", [document.person_id]):
        return UploadedDocument(document.filename, document.content_type, base64.b64decode(document.content_base64))


def newcomer_summary(actor: User, newcomer: Newcomer, purpose: str = "newcomer.view") -> dict:
    """The person's file decrypted for display to an agent who may see it (one audited access)."""
    require(person_visible_to(actor, newcomer))
    with access(actor, purpose, [newcomer.id]):
        values = {name: getattr(newcomer, name) for name in PERSONAL_FIELDS}
    values["id"] = newcomer.id
    return values
