"""Cases: opening one, its status transitions (start, complete, close, suspend, resume, transfer), needs."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import reasons
from integration_centre.pathway.assessment import store_assessment
from integration_centre.pathway.case_events import CASE_EVENT, emit_transition_event
from integration_centre.pathway.case_profile import check_profile
from integration_centre.pathway.certification import check_certifiable
from integration_centre.pathway.eligibility import Status, assess
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.labels import ACTION_LABELS, CLOSURE_REASONS, STATUS_LABELS, SUSPENSION_REASONS
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.needs import need_condition
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.reading import (
    applicable_definition,
    centre_jurisdiction,
    definition_of,
    facts_of,
    recorded_dispensations,
)
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import (
    ACTIVE_CASE_STATUSES,
    DONE_STEP_STATES,
    CaseStatus,
    Participation,
    StepState,
    case_target,
)
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.pathway.transfers import successor_case
from integration_centre.privacy.access import access


def open_case(
    actor: User,
    newcomer: Newcomer,
    *,
    office: Office | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    voluntary: bool | None = None,
    entry_channel: str | None = None,
    purpose: str | None = None,
) -> Case:
    """Open a case for ``newcomer`` at the agent's office on the applicable definition version.

    The definition is the one of the office's centre's jurisdiction (``Centre.jurisdiction``).
    The person is obliged or, when not obliged (dispensed, excluded), a voluntary participant.
    The status decided today is kept on the case (``assessed_status``/``assessed_reason``/
    ``assessed_on``; see ``pathway.assessment``). Refused when the person already has an active case.
    ``entry_channel`` and ``purpose`` (optional) come from the code lists of ``pathway.labels``.
    """
    office = office or actor.office
    require(actor.role == Role.AGENT and office is not None and can_see_office(actor, office.id))
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    on = on or clock.today()
    check_profile(entry_channel, purpose)
    active = db.session.scalar(
        select(Case).where(Case.person_id == newcomer.id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
    )
    if active is not None:
        raise PathwayError(_("This person already has an active case: continue that one instead."))
    with access(actor, "case.open", [newcomer.id]):
        facts = facts_of(newcomer)
        definition = applicable_definition(facts.permit_order_date, jurisdiction or centre_jurisdiction(office))
        eligibility = assess(
            facts,
            definition,
            on=on,
            dispensations=recorded_dispensations(newcomer.id, definition),
            participating=True,
        )
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
        responsible_agent_id=actor.id,
        last_change_at=utcnow(),
        entry_channel=entry_channel,
        purpose=purpose,
    )
    store_assessment(case, eligibility)
    db.session.add(case)
    for step_def in definition.steps:
        case.steps.append(
            StepInstance(person_id=newcomer.id, step_code=step_def.code, order=step_def.order, state=StepState.PENDING)
        )
    timeline_entry(actor, case, "case.open", to_state=CaseStatus.OPEN.value, reason=participation.value)
    flush_or_conflict()
    emit_transition_event(actor, "case_opened", case, on)
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
    """Apply case ``action`` (start, complete, close, suspend, resume, transfer); see ``pathway.services``."""
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
        successor = successor_case(actor, case, target_office, source, on)
        case.transferred_to_office_id = target_office.id
    timeline_entry(
        actor, case, f"case.{action}", from_state=source.value, to_state=target.value, reason=reason, note=note
    )
    flush_or_conflict()
    if successor is not None:
        case.successor_case_id = successor.id
    emit_transition_event(
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


def case_completion_problem(case: Case) -> str | None:
    """Why ``case`` cannot be completed now (None when it can): the step ending the pathway not
    completed, a mandatory step not done, or the results a certificate rests on not reached."""
    try:
        _check_can_complete_case(case)
    except PathwayError as exc:
        return exc.message
    return None


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
    check_certifiable(case)


def set_needs(
    actor: User, case: Case, needs: list[str], *, expected_version: int | None = None, note: str | None = None
) -> Case:
    """Record the needs analysis (which conditional steps are needed, see ``pathway.needs``) on an
    active case; the reasons as an encrypted ``note`` on the timeline, no event."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    if case.status not in ACTIVE_CASE_STATUSES:
        raise PathwayError(
            _("The case is %(status)s: its needs analysis can no longer change.", status=STATUS_LABELS[case.status])
        )
    definition = definition_of(case)
    unknown = [n for n in needs if n not in definition.needs]
    if unknown:
        raise PathwayError(_("Unknown need: %(needs)s.", needs=", ".join(unknown)))
    needed = sorted(set(needs))
    to_do = [s for s in definition.steps if need_condition(s) in needed and _not_done_if_needed(case.step(s.code))]
    _check_no_later_step_started(case, definition, to_do)
    case.needs = needed
    for step_def in to_do:  # exempted as "not needed" before: to do again (no event: nothing was done)
        step = case.step(step_def.code)
        if step.state == StepState.EXEMPTED:
            step.state, step.state_reason, step.ended_on = StepState.PENDING, None, None
    touch_case(case)
    timeline_entry(actor, case, "case.needs", reason=",".join(case.needs) or None, note=(note or "").strip() or None)
    flush_or_conflict()
    return case


def _not_done_if_needed(step: StepInstance) -> bool:
    """A step still to do once needed: not done, or exempted only because it was not needed."""
    return step.state not in DONE_STEP_STATES or (
        step.state == StepState.EXEMPTED and step.state_reason == "condition_not_met"
    )


def _check_no_later_step_started(case: Case, definition, to_do) -> None:
    """Refuse to ask for a step when a step that depends on it has already started."""
    codes = {s.code for s in to_do}
    started = (StepState.REFERRED, StepState.IN_PROGRESS, StepState.COMPLETED, StepState.FAILED)
    for step_def in definition.steps:
        blocking = codes & set(step_def.depends_on)
        if blocking and case.step(step_def.code).state in started:
            needed = definition.step(sorted(blocking)[0]).label(current_language())
            raise PathwayError(
                _(
                    "“%(step)s” has already started: the needs analysis can no longer ask for “%(needed)s”.",
                    step=step_def.label(current_language()),
                    needed=needed,
                )
            )
