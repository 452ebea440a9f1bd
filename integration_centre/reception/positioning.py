"""The French positioning test: recording its CEFR level, which completes the language-test step."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import CEFR_LEVELS
from integration_centre.pathway.models import Case
from integration_centre.pathway.states import DONE_STEP_STATES
from integration_centre.privacy.access import access
from integration_centre.reception.common import (
    COMBINED_STEP,
    LANGUAGE_STEPS,
    MAX_DETAIL,
    ReceptionInvalid,
    advance,
    case_in_reach,
    check_case_active,
    check_date,
    ensure_started,
    find_step,
    has_assessment,
    today_or,
)
from integration_centre.reception.models import PositioningTest


def record_positioning_test(
    actor: User,
    case: Case,
    *,
    tested_on: date | None,
    level: str,
    note: str | None = None,
    today: date | None = None,
    expected_version: int | None = None,
) -> PositioningTest:
    """Record the French positioning test result (CEFR level); completes the language-test step
    with that level as its result (the Brussels combined step once the assessment exists too)."""
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    today = today_or(today)
    errors: dict[str, str] = {}
    check_date(errors, "tested_on", tested_on, case, today=today)
    if level not in CEFR_LEVELS:
        errors["level"] = _("Choose a CEFR level from the list.")
    note = (note or "").strip() or None
    if note and len(note) > MAX_DETAIL:
        errors["note"] = _("At most %(count)s characters.", count=MAX_DETAIL)
    step = find_step(case, LANGUAGE_STEPS)
    if not errors and step is not None and step.state in DONE_STEP_STATES:
        errors["level"] = _("The language test step is already completed (level %(level)s).", level=step.result or "—")
    if errors:
        raise ReceptionInvalid(errors)
    check_case_active(case)
    test = PositioningTest(
        person_id=case.person_id, case_id=case.id, tested_on=tested_on, level=level, recorded_by_id=actor.id
    )
    if note:
        with access(actor, "reception.test", [case.person_id], action="update"):
            test.note = note
    db.session.add(test)
    ensure_started(actor, case, tested_on)
    pathway.add_timeline_entry(actor, case, "positioning.record", reason=level)
    pathway.flush_or_conflict()
    complete = step is not None and (step.step_code != COMBINED_STEP or has_assessment(case))
    test.step_message = advance(
        actor, case, step, tested_on, complete=complete, change=pathway.StepChange(result=level)
    )
    return test


def tests_of(actor: User, case: Case) -> list[PositioningTest]:
    """The case's positioning tests, newest first (levels only; notes stay encrypted)."""
    case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(PositioningTest)
            .where(PositioningTest.case_id == case.id)
            .order_by(PositioningTest.tested_on.desc(), PositioningTest.created_at.desc())
        )
    )
