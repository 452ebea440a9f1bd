"""What the reception records share: the input error, limits, checks and the pathway step moves.

Every public function of the reception services checks permission (404 when the case is out of
reach: agents of the case's office only), validates its input (``ReceptionInvalid`` with one
translated message per field, raised before anything is written), writes one timeline entry
(codes only) and moves the matching pathway step through ``pathway.services`` so the case stays
consistent. Functions flush, never commit; when one raises, the caller rolls back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.hours import HoursInvalid, parse_hours
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import DONE_STEP_STATES, CaseStatus, StepState
from integration_centre.reception.models import PositioningTest, SocialAssessment

MAX_DETAIL = 2000
MAX_NOTES = 10000
MAX_TITLE = 200

# Which step of the definitions each record moves (the Brussels pathway combines the social
# assessment and the language test in one step, completed when both are recorded).
ASSESSMENT_STEPS = ("social_assessment", "social_language_assessment")
LANGUAGE_STEPS = ("language_test", "social_language_assessment")
COMBINED_STEP = "social_language_assessment"
RIGHTS_STEPS = ("rights_and_duties",)
ADMIN_HELP_STEPS = ("admin_help",)


class ReceptionInvalid(PathwayError):
    """Input refused; ``errors`` (also ``field_errors``) maps field names to translated messages.
    Nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Correct the errors below: nothing was saved."), code="invalid", field_errors=errors)
        self.errors = errors


def case_in_reach(actor: User, case: Case | None) -> Case:
    """``case`` when ``actor`` may see it, else 404."""
    require(can_see_case(actor, case))
    return case


def check_case_active(case: Case) -> None:
    """Reception records need a case open or in progress (an open case is started) and a file
    that is not restricted (GDPR Art. 18)."""
    ensure_writable(case.person_id)
    if case.status not in (CaseStatus.OPEN, CaseStatus.IN_PROGRESS):
        raise PathwayError(
            _(
                "The case is %(status)s: nothing can be recorded on it.",
                status=pathway.STATUS_LABELS[CaseStatus(case.status)],
            )
        )


def ensure_started(actor: User, case: Case, on: date) -> None:
    """Start an open case (on ``on``, not before it was opened)."""
    if case.status == CaseStatus.OPEN:
        pathway.transition_case(actor, case, "start", on=max(on, case.opened_on))


def check_date(errors: dict, field: str, value, case: Case, *, today: date, allow_future: bool = False) -> None:
    """Put in ``errors[field]`` why ``value`` is not a date of the case (if it is not)."""
    if not isinstance(value, date):
        errors[field] = _("Enter a valid date.")
    elif not allow_future and value > today:
        errors[field] = _("The date cannot be in the future.")
    elif value < case.opened_on:
        errors[field] = _("The date cannot be before the case was opened.")


def read_hours(value, field: str, errors: dict, *, maximum: Decimal) -> Decimal | None:
    """``value`` as hours (more than 0, at most ``maximum``), else None with ``errors[field]`` set."""
    try:
        return parse_hours(value, field=field, maximum=maximum, positive=True)
    except HoursInvalid as exc:
        errors[field] = exc.message
        return None


def find_step(case: Case, codes: tuple[str, ...]) -> StepInstance | None:
    """The first of the steps ``codes`` the case's pathway has."""
    for code in codes:
        try:
            return case.step(code)
        except KeyError:
            continue
    return None


def advance(actor: User, case: Case, step: StepInstance | None, on: date, *, complete: bool, change=None) -> str | None:
    """Start (and complete) ``step``; returns the translated reason when a guard refused a move.

    Guards are checked before the step changes, so a refusal leaves it as it was; a conflict
    (someone else saved the case) is raised.
    """
    if step is None or step.state in DONE_STEP_STATES:
        return None
    try:
        if step.state in (StepState.PENDING, StepState.PLANNED, StepState.REFERRED):
            pathway.transition_step(actor, case, step.step_code, "start", on=on)
        if complete:
            pathway.transition_step(actor, case, step.step_code, "complete", change, on=on)
    except PathwayConflict:
        raise
    except PathwayError as exc:
        return exc.message
    return None


def emit(actor: User, case: Case, event_type: str, on: date, *, reason: str | None = None) -> None:
    """Emit the case event ``event_type`` (codes only)."""
    pathway.emit_case_event(actor, case, event_type, on=on, reason=reason)


def today_or(on: date | None) -> date:
    """``on``, else today (Brussels)."""
    return on or clock.today()


def latest_test(case: Case) -> PositioningTest | None:
    """The case's latest positioning test (one half of the combined step)."""
    return db.session.scalar(
        select(PositioningTest)
        .where(PositioningTest.case_id == case.id)
        .order_by(PositioningTest.tested_on.desc(), PositioningTest.created_at.desc())
        .limit(1)
    )


def has_assessment(case: Case) -> bool:
    """Whether the case's social assessment is recorded (the other half of the combined step)."""
    return db.session.scalar(select(SocialAssessment.id).where(SocialAssessment.case_id == case.id)) is not None
