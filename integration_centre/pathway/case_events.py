"""Domain events about a case: the person's statistical attributes and one queued event per transition."""

from __future__ import annotations

from datetime import date

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import events, reasons, reference
from integration_centre.pathway.assessment import assess_case
from integration_centre.pathway.case_profile import file_kind
from integration_centre.pathway.dates import age_band
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.eligibility import assess, statistical_status
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.reading import definition_of, facts_of, recorded_dispensations
from integration_centre.privacy.access import access

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


def statistical_attributes(newcomer: Newcomer, case: Case | None, definition: PathwayDefinition, on: date) -> dict:
    """The person's derived attributes for the stats feed at ``on`` (inside an access context).

    No name, no number, no exact date: age band, sex, nationality, municipality and arrondissement,
    status, residence category, CEFR level, education level. The status of a case is its kept
    status (``pathway.assessment``), never one recomputed for ``on``: a certificate earned after
    the three-year stay is still counted as obliged, a dispensed participant as dispensed.
    """
    municipality = reference.municipality(newcomer.municipality_code)
    if case is not None:
        if case.assessed_status is not None:
            status = statistical_status(case.assessed_status, case.assessed_reason)
        else:  # an older case: the assessment of its opening day
            status = assess_case(case, newcomer, case.opened_on).statistical_status
    else:
        status = assess(
            facts_of(newcomer), definition, on=on, dispensations=recorded_dispensations(newcomer.id, definition)
        ).statistical_status
    return {
        "age_band": age_band(newcomer.date_of_birth, on),
        "sex": newcomer.sex,
        "nationality": newcomer.nationality,
        "nationality_group": reference.nationality_group(newcomer.nationality),
        "municipality_code": municipality.nis_code if municipality else None,
        "arrondissement_code": municipality.arrondissement_code if municipality else None,
        "status": status,
        "residence_category": newcomer.residence_category,
        "cefr_level": _cefr_level(case, definition) if case is not None else None,
        "education_level": newcomer.education_level,
        # The case's entry service, purpose and kind of file (``pathway.case_profile``).
        "entry_channel": case.entry_channel if case is not None else None,
        "purpose": case.purpose if case is not None else None,
        "file_kind": file_kind(case) if case is not None else None,
    }


def _cefr_level(case: Case, definition: PathwayDefinition) -> str | None:
    """The placement-test result: the step other steps' language conditions refer to."""
    for step_def in definition.steps:
        condition = step_def.condition or {}
        condition = condition.get("until_recorded") or condition  # a need the positioning suggests
        if condition.get("type") == "result_below_level":
            try:
                return case.step(condition["step"]).result
            except KeyError:
                return None
    return None


def emit_transition_event(
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
    """Queue the event of one transition of ``case`` (or of ``step``) on ``on``."""
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
