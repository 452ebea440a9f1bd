"""Steps: their transitions with every guard (role, dependencies, hours, evidence, result) and attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from integration_centre import clock
from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import reasons
from integration_centre.pathway.case_events import STEP_EVENT, emit_transition_event
from integration_centre.pathway.certification import check_certifiable
from integration_centre.pathway.definitions import CEFR_LEVELS, PathwayDefinition, StepDefinition, cefr_rank
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.hours import parse_hours
from integration_centre.pathway.labels import ACTION_LABELS, EXEMPTION_REASONS, STATE_LABELS, STATUS_LABELS
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.needs import left_out_by_needs, needs_recorded
from integration_centre.pathway.permissions import can_act_on_step
from integration_centre.pathway.reading import definition_of
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import DONE_STEP_STATES, FINAL_STEP_STATES, CaseStatus, StepState, step_target
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access

PASS_FAIL = ("pass", "fail")


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
    step = _writable_step(actor, case, step_code, expected_version)
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
    problems = step_change_problems(case, step, step_def, action, change, definition)
    if problems:
        raise _refusal(problems)
    hours = parse_hours(change.hours) if change.hours is not None else None
    if action == "complete" and step_def.ends_pathway:
        check_certifiable(case)  # a results-based certificate (Flanders) needs its results
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
    emit_transition_event(actor, STEP_EVENT[action], case, on, step=step, reason=change.reason)
    return step


def step_change_problems(
    case: Case,
    step: StepInstance,
    step_def: StepDefinition,
    action: str,
    change: StepChange,
    definition: PathwayDefinition | None = None,
) -> dict[str, list[str]]:
    """Every reason the values of ``change`` do not allow ``action`` on ``step``, all at once, by
    form field (``action`` for what no field can fix: a step that must come first, other steps
    still open). Empty when the move may go ahead (role and state are checked by the caller).

    The one rule of what a move needs, so that a form can say everything in one pass.
    """
    definition = definition or definition_of(case)
    label = step_def.label(current_language())
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if action in ("refer", "start", "complete"):
        waiting = waiting_for(case, step_def, definition)
        if waiting:
            add(
                "action",
                _(
                    "“%(step)s” needs first: %(steps)s.",
                    step=label,
                    steps=", ".join(s.label(current_language()) for s in waiting),
                ),
            )
    if action == "plan" and change.planned_on is None:
        add("planned_on", _("Enter the planned date."))
    if action == "refer":
        try:
            _check_referral(step_def, change)
        except PathwayError as exc:
            add("action", exc.message)
    if action == "exempt" and change.reason not in EXEMPTION_REASONS:
        add("reason", _("Choose why the step is exempted."))
    elif action in ("cancel", "fail") and not change.reason:
        add("reason", _("Give the reason."))
    elif (
        action == "exempt"
        and change.reason == "condition_not_met"
        and step_required(case, step_def, definition) is not False
    ):
        add("reason", _("“%(step)s” is needed for this person: its condition is met or not yet known.", step=label))
    hours = None
    if change.hours is not None:
        try:
            hours = parse_hours(change.hours)
        except PathwayError as exc:
            add("hours", exc.message)
    if action == "complete":
        total = hours if hours is not None else Decimal(step.hours or 0)
        readable = change.hours is None or hours is not None
        if readable and step_def.min_hours is not None and total < Decimal(str(step_def.min_hours)):
            add(
                "hours",
                _(
                    "%(hours)s hours recorded for “%(step)s”; at least %(minimum)s are required.",
                    hours=_format_hours(total),
                    step=label,
                    minimum=_format_hours(Decimal(str(step_def.min_hours))),
                ),
            )
        missing = missing_evidence(step, step_def, change.evidence)
        if missing:
            add(
                "evidence",
                _("Evidence missing for “%(step)s”: %(evidence)s.", step=label, evidence=", ".join(missing)),
            )
        result = change.result if change.result is not None else step.result
        try:
            _check_result(step_def, result, label)
        except PathwayError as exc:
            add("result", exc.message)
        if step_def.ends_pathway:
            open_steps = [
                s.label(current_language()) for s in steps_still_to_do(case, definition) if s.code != step_def.code
            ]
            if open_steps:
                add("action", _("Steps still to do: %(steps)s.", steps=", ".join(open_steps)))
    elif change.result is not None:
        try:
            _check_result(step_def, change.result, label)
        except PathwayError as exc:
            add("result", exc.message)
    return problems


def _refusal(problems: dict[str, list[str]]) -> PathwayError:
    """One refusal naming every problem (the message joins them; fields get their own)."""
    messages = dict.fromkeys(m for field_messages in problems.values() for m in field_messages)
    return PathwayError(" ".join(messages), field_errors=problems)


def missing_evidence(step: StepInstance, step_def: StepDefinition, given: tuple[str, ...] = ()) -> list[str]:
    """The evidence codes ``step_def`` expects that are neither recorded on ``step`` nor ``given``."""
    received = set(step.evidence or []) | set(given)
    return [code for code in step_def.evidence if code not in received]


def complete_step(
    actor: User,
    case: Case,
    step_code: str,
    change: StepChange | None = None,
    *,
    expected_version: int | None = None,
    on: date | None = None,
) -> StepInstance:
    """Mark a step done in one move from any open state (pending, planned, referred or in
    progress): a step not yet started is started then completed the same day, both moves on the
    timeline and as events. Every requirement is checked before anything changes, so a refusal
    lists all that is missing and leaves the step as it was."""
    change = change or StepChange()
    step = _writable_step(actor, case, step_code, expected_version)
    if step.state in (StepState.PENDING, StepState.PLANNED, StepState.REFERRED):
        definition = definition_of(case)
        step_def = definition.step(step_code)
        if case.status == CaseStatus.IN_PROGRESS:
            _check_role(actor, step, step_def, "complete", step_def.label(current_language()))
            problems = step_change_problems(case, step, step_def, "complete", change, definition)
            if problems:
                raise _refusal(problems)
        transition_step(actor, case, step_code, "start", on=on)
    return transition_step(actor, case, step_code, "complete", change, on=on)


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
    step = _writable_step(actor, case, step_code, expected_version)
    if step.state not in (StepState.IN_PROGRESS, StepState.REFERRED, StepState.PLANNED):
        raise PathwayError(_("Hours can be recorded only on a step planned, referred or in progress."))
    step_def = definition_of(case).step(step_code)
    unknown = [code for code in evidence if code not in step_def.evidence]
    if unknown:
        raise PathwayError(_("Unexpected evidence: %(evidence)s.", evidence=", ".join(unknown)))
    step.hours = parse_hours(hours)
    step.evidence = sorted(set(step.evidence or []) | set(evidence))
    touch_case(case)
    timeline_entry(actor, case, "step.attendance", step=step)
    flush_or_conflict()
    return step


def set_referred_hours(actor: User, case: Case, step_code: str, total) -> StepInstance:
    """Set a referred step's hours to ``total``: the sum of its referrals' hours, which the
    operators' side computes in one place (``operators.reports.sync_step_hours``) each time a
    referral's hours change. The caller has checked the actor's reach on the referral.

    Refused once the step is completed or exempted: its hours were confirmed then.
    """
    step = case.step(step_code)
    ensure_writable(step.person_id)
    if step.state in (StepState.COMPLETED, StepState.EXEMPTED):
        raise PathwayError(
            _(
                "“%(step)s” is already %(state)s: its hours can no longer change. Contact the reception office.",
                step=definition_of(case).step(step_code).label(current_language()),
                state=STATE_LABELS[StepState(step.state)],
            )
        )
    total = parse_hours(total)
    if Decimal(step.hours or 0) == total:
        return step
    step.hours = total
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


def waiting_for(case: Case, step_def: StepDefinition, definition: PathwayDefinition) -> list[StepDefinition]:
    """The steps that must come before ``step_def`` and are not done yet (a step not needed for
    this person and never started, cancelled or left out by the needs analysis does not wait)."""
    waiting = []
    for code in step_def.depends_on:
        dependency = case.step(code)
        if dependency.state in DONE_STEP_STATES:
            continue
        dependency_def = definition.step(code)
        if not_to_do(case, dependency_def, definition):
            continue
        waiting.append(dependency_def)
    return waiting


def not_to_do(case: Case, step_def: StepDefinition, definition: PathwayDefinition) -> bool:
    """True when ``step_def`` is not needed for this person and nothing is under way on it: never
    started (pending), cancelled, or left out by the recorded needs analysis. The case page says
    "not needed" for it; it stops neither the steps that follow nor the certificate."""
    if step_required(case, step_def, definition) is not False:
        return False
    state = case.step(step_def.code).state
    return state in (StepState.PENDING, StepState.CANCELLED) or left_out_by_needs(case, step_def)


def steps_still_to_do(case: Case, definition: PathwayDefinition | None = None) -> list[StepDefinition]:
    """The steps that still stop the end of the pathway (the final step aside): a step required
    for this case (mandatory, or its condition met) not completed or exempted, another step
    still open — except a step not needed for this person on which nothing is under way
    (``not_to_do``: never started, or left out by the recorded needs analysis)."""
    definition = definition or definition_of(case)
    missing = []
    for step_def in definition.steps:
        if step_def.ends_pathway:
            continue
        if not_to_do(case, step_def, definition):
            continue
        required = step_required(case, step_def, definition)
        state = case.step(step_def.code).state
        if state not in FINAL_STEP_STATES or (required and state not in DONE_STEP_STATES):
            missing.append(step_def)
    return missing


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


def _format_hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def step_required(case: Case, step_def: StepDefinition, definition: PathwayDefinition) -> bool | None:
    """Whether a step is required for this case: True, False, or None while still unknown."""
    if step_def.mandatory:
        return True
    condition = step_def.condition or {}
    if condition.get("type") == "needs_analysis":
        if not condition.get("until_recorded") or needs_recorded(case):
            return condition["need"] in (case.needs or [])
        condition = condition["until_recorded"]
    if condition.get("type") == "result_below_level":
        source = case.step(condition["step"])
        if source.state != StepState.COMPLETED or cefr_rank(source.result) is None:
            return None
        return cefr_rank(source.result) < cefr_rank(definition.parameters[condition["parameter"]])
    return None


def _writable_step(actor: User, case: Case, step_code: str, expected_version: int | None) -> StepInstance:
    """The step ``step_code`` of ``case`` if ``actor`` may act on it and the file is writable and
    unchanged since ``expected_version``; else 404, the restriction or the conflict."""
    try:
        step = case.step(step_code)
    except KeyError:
        require(False)
    require(can_act_on_step(actor, step))
    ensure_writable(step.person_id)
    check_version(case, expected_version)
    return step
