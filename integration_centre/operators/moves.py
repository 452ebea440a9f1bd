"""Moving referrals: refer, accept, decline, start, abandon, withdraw — with the step, history, timeline and event.

Writes check the move (``referrals.MOVES``), apply it with the matching pathway step transition,
write the referral's own history, ONE case timeline entry and ONE ``referral_*`` domain event,
then flush; they never commit (the caller commits once). A concurrent change raises ``Conflict``,
a move not possible from the current state ``InvalidTransition``; nothing is written then.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from integration_centre import clock
from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.accounts.permissions import can_see_office
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators.directory import get_profile, step_service_types
from integration_centre.operators.errors import InvalidTransition, NotFound, ReferralError, ReferralInvalid, conflict
from integration_centre.operators.labels import STATE_LABELS
from integration_centre.operators.models import Referral, ReferralEvent, ReferralSequence
from integration_centre.operators.notifications import queue_email
from integration_centre.operators.reading import get_referral
from integration_centre.operators.referrals import EVENT_OF, OPEN_STATES, REASONS, ReferralState, role_of, target_of
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.states import CaseStatus, StepState
from integration_centre.privacy.access import access


def next_reference(year: int) -> str:
    """The next referral reference of ``year`` (``R-2026-000123``), from the locked yearly sequence."""
    row = db.session.execute(
        select(ReferralSequence).where(ReferralSequence.year == year).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = ReferralSequence(year=year, last=0)
        db.session.add(row)
    row.last += 1
    return f"R-{year}-{row.last:06d}"


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise conflict() from exc


def pathway_call(call, *args, **kwargs):
    """Run a pathway transition, turning its refusals into referral errors."""
    try:
        return call(*args, **kwargs)
    except PathwayConflict as exc:
        raise conflict() from exc
    except PathwayError as exc:
        raise ReferralError(exc.message) from exc


def record_move(
    actor: User,
    referral: Referral,
    case: Case,
    action: str,
    *,
    from_state: str | None,
    on: date,
    reason: str | None = None,
) -> None:
    """History row, one case timeline entry, one domain event (contract 2 and 3)."""
    referral.updated_at = utcnow()
    _flush()  # the version check, before loading the history would autoflush it (a 500)
    referral.history.append(
        ReferralEvent(
            office_id=referral.office_id,
            at=referral.updated_at,
            actor_id=actor.id,
            actor_role=actor.role.value,
            action=action,
            from_state=from_state,
            to_state=referral.state,
            reason=reason,
            hours=referral.hours if action in ("attendance", "complete") else None,
            sessions=referral.sessions if action in ("attendance", "complete") else None,
            result=referral.result if action == "complete" else None,
        )
    )
    if action in EVENT_OF:
        pathway.add_timeline_entry(
            actor,
            case,
            "referral." + EVENT_OF[action].removeprefix("referral_"),
            step_code=referral.step_code,
            from_state=from_state,
            to_state=referral.state,
            reason=reason,
        )
    _flush()
    if action in EVENT_OF:
        pathway.emit_case_event(
            actor,
            case,
            EVENT_OF[action],
            on=on,
            step_code=referral.step_code,
            reason=reason,
            operator_id=referral.operator_id,
            duration_days=max((on - referral.sent_on).days, 0),
            hours=float(referral.hours) if action == "complete" else None,
            result=referral.result if action == "complete" else None,
        )
    queue_email(referral, action)


def refer(
    actor: User,
    case: Case,
    step_code: str,
    operator_id: int,
    *,
    service_type: str | None = None,
    deadline: date | None = None,
    on: date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Refer step ``step_code`` of ``case`` to an operator organisation (agents of the case's office).

    The step moves to "referred"; the deadline is the one given, else the case's completion
    deadline. One open referral per step.
    """
    if actor.role != Role.AGENT or not can_see_office(actor, case.office_id):
        raise NotFound()
    on = on or clock.today()
    try:
        step = case.step(step_code)
    except KeyError as exc:
        raise NotFound() from exc
    operator = db.session.get(OperatorOrganisation, operator_id) if operator_id else None
    if operator is None or not operator.is_active:
        raise ReferralInvalid(_("Choose the operator."), {"operator_id": [_("Choose the operator.")]})
    offered = step_service_types(case, step_code)
    if not offered:
        raise ReferralError(_("This step is not done by operators."))
    profile = get_profile(operator.id)
    if service_type is None and profile is not None:
        service_type = next((s for s in offered if s in profile.service_types), None)
    service_type = service_type or offered[0]
    if service_type not in offered:
        raise ReferralInvalid(_("This service cannot deliver the step."), {"service_type": [_("Choose a service.")]})
    if profile is not None and not profile.accepts_referrals:
        raise ReferralInvalid(
            _("This operator does not accept referrals at the moment."),
            {"operator_id": [_("This operator does not accept referrals at the moment.")]},
        )
    open_one = db.session.scalar(
        select(Referral.id).where(Referral.step_id == step.id, Referral.state.in_([s.value for s in OPEN_STATES]))
    )
    if open_one is not None:
        raise InvalidTransition(_("This step already has an open referral: withdraw it first."))
    if deadline is None:
        deadline = case_deadline(actor, case)
    elif deadline < on:
        raise ReferralInvalid(
            _("The deadline cannot be in the past."), {"deadline": [_("The deadline cannot be in the past.")]}
        )
    pathway_call(
        pathway.transition_step,
        actor,
        case,
        step_code,
        "refer",
        pathway.StepChange(operator_id=operator.id, service_type=service_type),
        expected_version=expected_version,
        on=on,
    )
    referral = Referral(
        reference=next_reference(on.year),
        case_id=case.id,
        step_id=step.id,
        person_id=case.person_id,
        office_id=case.office_id,
        operator_id=operator.id,
        step_code=step_code,
        service_type=service_type,
        state=ReferralState.SENT.value,
        deadline=deadline,
        sent_on=on,
        sent_at=utcnow(),
        created_by_id=actor.id,
    )
    db.session.add(referral)
    record_move(actor, referral, case, "send", from_state=None, on=on)
    return referral


def case_deadline(actor: User, case: Case) -> date | None:
    """The case's completion deadline (the default deadline of a referral); reading the dates is audited."""
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "referral.deadline", [case.person_id]):
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    return pathway.deadline_date(case, dates)


def begin_move(actor: User, referral, action: str, expected_version: int | None) -> tuple[Referral, Case, str]:
    """Load and lock the referral, check the actor's role and the move; nothing written yet."""
    referral = get_referral(actor, referral, for_update=True)
    if expected_version is not None and int(expected_version) != referral.version:
        raise conflict()
    role = role_of(action)
    if actor.role.value != role:
        raise NotFound()
    source = referral.state
    if target_of(action, source) is None:
        raise InvalidTransition(
            _("This referral is %(state)s: this is no longer possible.", state=STATE_LABELS[ReferralState(source)])
        )
    case = db.session.get(Case, referral.case_id)
    return referral, case, source


def _check_reason(action: str, reason: str | None) -> str:
    if reason not in REASONS[action]:
        message = _("Choose a reason from the list.")
        raise ReferralInvalid(message, {"reason": [message]})
    return reason


def accept(actor: User, referral, *, expected_version: int | None = None, on: date | None = None) -> Referral:
    """The operator accepts a sent referral."""
    referral, case, source = begin_move(actor, referral, "accept", expected_version)
    on = on or clock.today()
    referral.state = ReferralState.ACCEPTED.value
    referral.accepted_at = utcnow()
    record_move(actor, referral, case, "accept", from_state=source, on=on)
    return referral


def decline(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The operator declines a sent referral (with a reason); the step goes back to the office."""
    reason = _check_reason("decline", reason)
    referral, case, source = begin_move(actor, referral, "decline", expected_version)
    on = on or clock.today()
    move_step(actor, case, referral, "decline", on, reason="referral_declined")
    referral.state = ReferralState.DECLINED.value
    referral.reason = reason
    referral.ended_on = on
    record_move(actor, referral, case, "decline", from_state=source, on=on, reason=reason)
    return referral


def start(actor: User, referral, *, on: date | None = None, expected_version: int | None = None) -> Referral:
    """The operator reports that the person started (the step moves to in progress)."""
    referral, case, source = begin_move(actor, referral, "start", expected_version)
    return mark_started(actor, referral, case, source, on or clock.today())


def mark_started(actor: User, referral: Referral, case: Case, source: str, on: date) -> Referral:
    """Put the loaded referral in progress on ``on`` (the step too while it is only referred)."""
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        move_step(actor, case, referral, "start", on)
    referral.state = ReferralState.IN_PROGRESS.value
    referral.started_on = on
    record_move(actor, referral, case, "start", from_state=source, on=on)
    return referral


def move_step(actor: User, case: Case, referral: Referral, action: str, on: date, **change) -> StepInstance:
    """Move the referred step of an in-progress case with the pathway transition ``action``."""
    if case.status != CaseStatus.IN_PROGRESS:
        raise ReferralError(
            _("The case is not in progress at the reception office: contact the office before going on.")
        )
    change_values = pathway.StepChange(**change)
    return pathway_call(pathway.transition_step, actor, case, referral.step_code, action, change_values, on=on)


def abandon(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The operator reports that the person abandoned; the step is recorded as failed (or returned)."""
    return _end_open_referral(
        actor, referral, "abandon", ReferralState.ABANDONED, reason, expected_version, on, retry_step=False
    )


def withdraw(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The agent withdraws an open referral; the step returns to "pending" so it can be referred again."""
    return _end_open_referral(
        actor, referral, "withdraw", ReferralState.WITHDRAWN, reason, expected_version, on, retry_step=True
    )


def _end_open_referral(
    actor: User,
    referral,
    move: str,
    state: ReferralState,
    reason: str | None,
    expected_version: int | None,
    on: date | None,
    *,
    retry_step: bool,
) -> Referral:
    """End an open referral (abandoned or withdrawn): the step is declined if it had not started,
    failed (and, when ``retry_step``, made pending again) if it had; the reason is kept."""
    reason = _check_reason(move, reason)
    referral, case, source = begin_move(actor, referral, move, expected_version)
    on = on or clock.today()
    step_reason = f"referral_{state.value}"
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        move_step(actor, case, referral, "decline", on, reason=step_reason)
    elif step.state == StepState.IN_PROGRESS:
        move_step(actor, case, referral, "fail", on, reason=step_reason)
        if retry_step:
            move_step(actor, case, referral, "retry", on)
    referral.state = state.value
    referral.reason = reason
    referral.ended_on = on
    record_move(actor, referral, case, move, from_state=source, on=on, reason=reason)
    return referral
