"""The rights-and-duties information sessions: recording them and the hours they add to the step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.states import DONE_STEP_STATES
from integration_centre.privacy.access import access
from integration_centre.reception.common import (
    RIGHTS_STEPS,
    ReceptionInvalid,
    advance,
    case_in_reach,
    check_case_active,
    check_date,
    ensure_started,
    find_step,
    read_hours,
    today_or,
)
from integration_centre.reception.labels import SESSION_FORMATS, SESSION_THEMES
from integration_centre.reception.models import InformationSession

MAX_SESSION_HOURS = Decimal(12)


def record_session(
    actor: User,
    case: Case,
    *,
    held_on: date | None,
    format: str,
    themes: list[str],
    language: str | None,
    interpreter: bool,
    hours,
    today: date | None = None,
    expected_version: int | None = None,
) -> InformationSession:
    """Record a rights-and-duties information session attended by the person.

    The step's hours are the total of the sessions; it is completed once the definition's
    minimum hours (if any) are reached, otherwise the hours are recorded on the step in progress.
    """
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    today = today_or(today)
    errors: dict[str, str] = {}
    check_date(errors, "held_on", held_on, case, today=today)
    if format not in SESSION_FORMATS:
        errors["format"] = _("Choose individual or group.")
    themes = list(dict.fromkeys(themes or []))
    if not themes:
        errors["themes"] = _("Choose at least one theme.")
    elif any(theme not in SESSION_THEMES for theme in themes):
        errors["themes"] = _("Choose themes from the list.")
    if not language or not reference.is_valid_language(language):
        errors["language"] = _("Choose the language of the session.")
    parsed = read_hours(hours, "hours", errors, maximum=MAX_SESSION_HOURS)
    if errors:
        raise ReceptionInvalid(errors)
    check_case_active(case)
    session = InformationSession(
        person_id=case.person_id,
        case_id=case.id,
        held_on=held_on,
        format=format,
        themes=themes,
        hours=parsed,
        recorded_by_id=actor.id,
    )
    with access(actor, "reception.session", [case.person_id], action="update"):
        session.language = language
        session.interpreter = bool(interpreter)
    db.session.add(session)
    ensure_started(actor, case, held_on)
    pathway.add_timeline_entry(actor, case, "session.record", reason=format)
    pathway.flush_or_conflict()
    step = find_step(case, RIGHTS_STEPS)
    message = None
    if step is not None and step.state not in DONE_STEP_STATES:
        total = _session_hours(case)
        minimum = pathway.definition_of(case).step(step.step_code).min_hours
        enough = minimum is None or total >= Decimal(str(minimum))
        if enough:
            message = advance(actor, case, step, held_on, complete=True, change=pathway.StepChange(hours=total))
        else:
            message = advance(actor, case, step, held_on, complete=False)
            if message is None:
                pathway.record_attendance(actor, case, step.step_code, total)
    session.step_message = message
    return session


def _session_hours(case: Case) -> Decimal:
    total = db.session.scalar(select(func.sum(InformationSession.hours)).where(InformationSession.case_id == case.id))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def sessions_of(actor: User, case: Case) -> list[dict]:
    """The case's information sessions (language decrypted, audited)."""
    case_in_reach(actor, case)
    rows = db.session.scalars(
        select(InformationSession).where(InformationSession.case_id == case.id).order_by(InformationSession.held_on)
    ).all()
    if not rows:
        return []
    with access(actor, "reception.session", [case.person_id]):
        return [
            {
                "held_on": r.held_on,
                "format": r.format,
                "themes": r.themes,
                "hours": r.hours,
                "language": r.language,
                "interpreter": r.interpreter,
            }
            for r in rows
        ]
