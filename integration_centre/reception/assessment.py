"""The social assessment: its validation, recording and audited reading.

The assessment is special-category data: its content is read only through ``assessment_for``
(agents of the case's office, audited); events and the timeline only say that it was recorded.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.privacy.access import access
from integration_centre.reception.common import (
    ASSESSMENT_STEPS,
    COMBINED_STEP,
    MAX_DETAIL,
    MAX_NOTES,
    ReceptionInvalid,
    advance,
    case_in_reach,
    check_case_active,
    check_date,
    emit,
    ensure_started,
    find_step,
    latest_test,
    today_or,
)
from integration_centre.reception.models import ASSESSMENT_DOMAINS, NEED_LEVELS, SocialAssessment


def _domain_value(value) -> dict | None:
    """Normalise one domain's input: a mapping ``{level, detail}`` or a plain text (to follow)."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        return {"level": "to_follow", "detail": value.strip()}
    if isinstance(value, dict):
        return {"level": value.get("level") or "none", "detail": (value.get("detail") or "").strip()}
    raise TypeError


def validate_assessment(data: dict, case: Case, *, today: date) -> tuple[dict, dict]:
    """Check an assessment's input; returns (clean values, errors by field)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    unknown = set(data) - set(ASSESSMENT_DOMAINS) - {"notes", "assessed_on"}
    if unknown:
        errors["__all__"] = _("Unknown assessment field: %(fields)s.", fields=", ".join(sorted(unknown)))
    for domain in ASSESSMENT_DOMAINS:
        try:
            value = _domain_value(data.get(domain))
        except TypeError:
            errors[domain] = _("Invalid value.")
            continue
        if value is None:
            clean[domain] = None
            continue
        if value["level"] not in NEED_LEVELS:
            errors[f"{domain}_level"] = _("Choose a level from the list.")
        if len(value["detail"]) > MAX_DETAIL:
            errors[f"{domain}_detail"] = _("At most %(count)s characters.", count=MAX_DETAIL)
        if value["level"] == "none" and not value["detail"]:
            value = None
        clean[domain] = value
    notes = (data.get("notes") or "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = _("At most %(count)s characters.", count=MAX_NOTES)
    clean["notes"] = notes or None
    assessed_on = data.get("assessed_on") or today
    check_date(errors, "assessed_on", assessed_on, case, today=today)
    clean["assessed_on"] = assessed_on
    if not errors and all(clean[d] is None for d in ASSESSMENT_DOMAINS) and not clean["notes"]:
        errors["__all__"] = _("Record at least one need or a note.")
    return clean, errors


def record_assessment(
    actor: User, case: Case, data: dict, *, on: date | None = None, expected_version: int | None = None
) -> SocialAssessment:
    """Record (or update) the social assessment of ``case``.

    ``data`` maps domains (``ASSESSMENT_DOMAINS``) to ``{"level": "none"|"to_follow"|"urgent",
    "detail": str}`` or to a plain text (level "to_follow"), plus ``notes`` (free text) and
    ``assessed_on`` (date, default today). The first recording starts an open case, completes the
    social-assessment step and emits ``assessment_recorded`` (no content in the event).
    ``ReceptionInvalid`` on bad input, ``PathwayError`` when the case is not active.
    """
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    today = today_or(on)
    clean, errors = validate_assessment(data, case, today=today)
    if errors:
        raise ReceptionInvalid(errors)
    check_case_active(case)
    assessment = db.session.scalar(select(SocialAssessment).where(SocialAssessment.case_id == case.id))
    first = assessment is None
    if first:
        assessment = SocialAssessment(person_id=case.person_id, case_id=case.id, office_id=case.office_id)
        db.session.add(assessment)
    assessment.assessed_on = clean["assessed_on"]
    assessment.recorded_by_id = actor.id
    with access(actor, "reception.assessment", [case.person_id], action="update"):
        for domain in ASSESSMENT_DOMAINS:
            setattr(assessment, domain, clean[domain])
        assessment.notes = clean["notes"]
    ensure_started(actor, case, clean["assessed_on"])
    pathway.add_timeline_entry(actor, case, "assessment.record" if first else "assessment.update")
    pathway.flush_or_conflict()
    step = find_step(case, ASSESSMENT_STEPS)
    test = latest_test(case)
    complete = step is not None and (step.step_code != COMBINED_STEP or test is not None)
    change = pathway.StepChange(result=test.level) if complete and step.step_code == COMBINED_STEP else None
    assessment.step_message = advance(actor, case, step, clean["assessed_on"], complete=complete, change=change)
    if first:
        emit(actor, case, "assessment_recorded", clean["assessed_on"])
    return assessment


def get_assessment(actor: User, case: Case) -> SocialAssessment | None:
    """The assessment row of ``case`` (content still encrypted), for agents of the case's office."""
    case_in_reach(actor, case)
    return db.session.scalar(select(SocialAssessment).where(SocialAssessment.case_id == case.id))


def assessment_for(actor: User, case: Case) -> dict | None:
    """The decrypted assessment (audited read), only for agents of the case's office."""
    assessment = get_assessment(actor, case)
    if assessment is None:
        return None
    with access(actor, "reception.assessment", [case.person_id]):
        values = {domain: getattr(assessment, domain) for domain in ASSESSMENT_DOMAINS}
        values["notes"] = assessment.notes
    values["assessed_on"] = assessment.assessed_on
    values["recorded_by"] = assessment.recorded_by
    values["updated_at"] = assessment.updated_at
    return values
