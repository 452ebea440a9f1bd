"""What operators report on a referral: attendance so far and the completion with its result.

A step's hours are the SUM of its referrals' hours (250 h at one school + 150 h at another =
400 h), recomputed in one place (``sync_step_hours``) whenever a referral's hours change: an
attendance total, a correction that lowers it, the hours given with the completion. The hours
attended under a referral that was later withdrawn or abandoned still count: the person attended
them. A referral that never started (sent, declined) has no hours.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.operators.errors import InvalidTransition, NotFound, ReferralInvalid, conflict
from integration_centre.operators.labels import FORMAT_LABELS
from integration_centre.operators.models import Referral
from integration_centre.operators.moves import begin_move, mark_started, move_step, pathway_call, record_move
from integration_centre.operators.reading import get_referral
from integration_centre.operators.referrals import ReferralState
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import CEFR_LEVELS
from integration_centre.pathway.hours import HoursInvalid, parse_hours
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.states import StepState

MAX_SESSIONS = 1000
# Ended referrals whose attendance total the operator may still correct (the step counts it).
CORRECTABLE_STATES = (ReferralState.WITHDRAWN, ReferralState.ABANDONED)


def _case_chain(case_id) -> list:
    """The case and the cases it continues (a transferred case's predecessors), newest first."""
    chain, frontier = [case_id], [case_id]
    while frontier and len(chain) < 50:
        frontier = list(db.session.scalars(select(Case.id).where(Case.successor_case_id.in_(frontier))))
        chain.extend(frontier)
    return chain


def step_hours(referral: Referral) -> Decimal:
    """The hours of the referral's step: the sum of the hours every referral of that step recorded
    (every state counts), those of the case it continues after a transfer included."""
    hours = db.session.scalars(
        select(Referral.hours).where(
            Referral.case_id.in_(_case_chain(referral.case_id)),
            Referral.step_code == referral.step_code,
            Referral.hours.is_not(None),
        )
    )
    return sum((Decimal(value) for value in hours), Decimal(0))


def can_correct_hours(referral: Referral) -> bool:
    """An ended referral (withdrawn, abandoned) with hours, whose step is not confirmed yet."""
    if referral.state not in CORRECTABLE_STATES or referral.hours is None:
        return False
    step = db.session.get(StepInstance, referral.step_id)
    return step.state not in (StepState.COMPLETED, StepState.EXEMPTED)


def sync_step_hours(actor: User, referral: Referral, case: Case) -> Decimal:
    """Set the referral's step hours to the sum of its referrals' hours (the one place it happens)."""
    total = step_hours(referral)
    pathway_call(pathway.set_referred_hours, actor, case, referral.step_code, total)
    return total


def record_attendance(
    actor: User,
    referral,
    *,
    sessions: int,
    hours,
    attended_from: date | None = None,
    attended_until: date | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Referral:
    """The operator records attendance so far (totals); an accepted referral starts with it."""
    errors: dict[str, list[str]] = {}
    try:
        total = parse_hours(hours)
    except HoursInvalid as exc:
        errors.update(exc.field_errors)
        total = None
    if not isinstance(sessions, int) or isinstance(sessions, bool) or not 0 <= sessions <= MAX_SESSIONS:
        errors["sessions"] = [_("Enter a number of sessions between 0 and 1,000.")]
    on = on or clock.today()
    if attended_from and attended_until and attended_until < attended_from:
        errors["attended_until"] = [_("The last date is before the first date.")]
    for name, value in (("attended_from", attended_from), ("attended_until", attended_until)):
        if value is not None and value > on:
            errors.setdefault(name, []).append(_("This date is in the future."))
    if errors:
        raise ReferralInvalid(_("Correct the highlighted fields."), errors)
    referral = get_referral(actor, referral, for_update=True)
    if expected_version is not None and int(expected_version) != referral.version:
        raise conflict()
    if actor.role != Role.OPERATOR:
        raise NotFound()
    case = db.session.get(Case, referral.case_id)
    if referral.state == ReferralState.ACCEPTED:
        mark_started(actor, referral, case, referral.state, attended_from or on)
    elif referral.state not in (ReferralState.IN_PROGRESS, *CORRECTABLE_STATES):
        raise InvalidTransition(
            _("Attendance can be recorded only on a referral accepted, in progress, withdrawn or abandoned.")
        )
    referral.sessions = sessions
    referral.hours = total
    referral.attended_from = attended_from or referral.attended_from
    referral.attended_until = attended_until or referral.attended_until
    sync_step_hours(actor, referral, case)
    record_move(actor, referral, case, "attendance", from_state=referral.state, on=on)
    return referral


def result_options(referral: Referral) -> tuple[str, tuple[str, ...]]:
    """What result the step expects: (kind, options); kind is "" when it expects none."""
    case = db.session.get(Case, referral.case_id)
    expected = pathway.definition_of(case).step(referral.step_code).result
    if not expected:
        return "", ()
    kind = expected["type"]
    options = {"cefr": CEFR_LEVELS, "choice": tuple(expected.get("options", ())), "pass_fail": pathway.PASS_FAIL}[kind]
    return kind, tuple(options)


def complete(
    actor: User,
    referral,
    *,
    result: str | None = None,
    course_format: str | None = None,
    hours=None,
    sessions: int | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Referral:
    """The operator confirms completion (with the result the step expects); the step completes.

    Exactly one completion is recorded even when confirmations race: the row lock and the
    version make the others raise ``Conflict``/``InvalidTransition``.
    """
    referral, case, source = begin_move(actor, referral, "complete", expected_version)
    on = on or clock.today()
    kind, options = result_options(referral)
    errors = {}
    if kind and result not in options:
        errors["result"] = [_("Choose the result (%(options)s).", options=", ".join(options))]
    if not kind and result:
        errors["result"] = [_("This step records no result.")]
    if course_format and course_format not in FORMAT_LABELS:
        errors["course_format"] = [_("Choose a format from the list.")]
    total = None
    if hours is not None and hours != "":
        try:
            total = parse_hours(hours)
        except HoursInvalid as exc:
            errors.update(exc.field_errors)
    if sessions is not None and (not isinstance(sessions, int) or not 0 <= sessions <= MAX_SESSIONS):
        errors["sessions"] = [_("Enter a number of sessions between 0 and 1,000.")]
    if errors:
        raise ReferralInvalid(_("Correct the highlighted fields."), errors)
    if total is not None:
        referral.hours = total
    if sessions is not None:
        referral.sessions = sessions
    step_def = pathway.definition_of(case).step(referral.step_code)
    evidence = tuple(code for code in step_def.evidence if code == "attendance_record")
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        move_step(actor, case, referral, "start", on)
    hours = step_hours(referral)  # this referral's hours and those of the earlier ones
    move_step(actor, case, referral, "complete", on, hours=hours, result=result or None, evidence=evidence)
    referral.state = ReferralState.COMPLETED.value
    referral.result = result or None
    referral.course_format = course_format or (result if kind == "choice" else None)
    referral.ended_on = on
    record_move(actor, referral, case, "complete", from_state=source, on=on)
    return referral
