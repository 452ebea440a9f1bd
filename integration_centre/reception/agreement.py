"""The reception agreement: its signature (the agreement step) and the content of its PDF."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from integration_centre.accounts.models import Centre, Office, User
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import StepState
from integration_centre.privacy.access import access
from integration_centre.reception.common import (
    ReceptionInvalid,
    case_in_reach,
    check_case_active,
    check_date,
    emit,
    ensure_started,
    today_or,
)


def sign_agreement(
    actor: User, case: Case, *, signed_on: date | None, today: date | None = None, expected_version: int | None = None
) -> Case:
    """Record the signature of the reception agreement: completes the agreement step (with the
    signed agreement as evidence), sets ``case.agreement_signed_on`` and emits ``agreement_signed``.
    Refused (``PathwayError``) while the steps it depends on are not done."""
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    today = today_or(today)
    errors: dict[str, str] = {}
    check_date(errors, "signed_on", signed_on, case, today=today)
    if errors:
        raise ReceptionInvalid(errors)
    code = pathway.agreement_step(pathway.definition_of(case))
    if code is None:
        raise PathwayError(_("This pathway has no reception agreement."))
    if case.agreement_signed_on is not None:
        raise PathwayError(_("The agreement was already signed on %(date)s.", date=case.agreement_signed_on))
    check_case_active(case)
    ensure_started(actor, case, signed_on)
    step = case.step(code)
    if step.state in (StepState.PENDING, StepState.PLANNED):
        pathway.transition_step(actor, case, code, "start", on=signed_on)
    pathway.transition_step(
        actor, case, code, "complete", pathway.StepChange(evidence=("signed_agreement",)), on=signed_on
    )
    case.agreement_signed_on = signed_on
    pathway.timeline_entry(actor, case, "agreement.sign", step=step)
    pathway.flush_or_conflict()
    emit(actor, case, "agreement_signed", signed_on)
    return case


def agreement_content(actor: User, case: Case, language: str) -> dict:
    """What the agreement PDF shows: person, office, steps that apply with hours and deadlines."""
    case_in_reach(actor, case)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.agreement", [case.person_id], action="export"):
        person = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "date_of_birth": newcomer.date_of_birth,
            "niss": newcomer.niss,
        }
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    return agreement_facts(case, language, person=person, dates=dates)


def agreement_facts(case: Case, language: str, *, person: dict, dates: dict) -> dict:
    """What the agreement PDF shows, from the person's fields already read by the caller (in its
    own audited access): ``person`` without ``niss`` prints no national number (the person's
    own copy in their space)."""
    definition = pathway.definition_of(case)
    steps = []
    for step_def in definition.steps:
        instance = case.step(step_def.code)
        required = pathway.step_required(case, step_def, definition)
        if required is False or instance.state in (StepState.EXEMPTED, StepState.CANCELLED):
            continue
        steps.append(
            {
                "label": step_def.label(language),
                "mandatory": step_def.mandatory,
                "conditional": required is None,
                "min_hours": step_def.min_hours,
                "max_months": step_def.max_duration_months,
                "state": instance.state,
            }
        )
    deadlines = []  # a voluntary (or dispensed) participant has no deadline: none is printed
    for deadline in definition.deadlines if pathway.is_obliged(case) else ():
        deadlines.append({"label": deadline.label(language), "date": pathway.deadline_date(case, dates, deadline.code)})
    office = db.session.get(Office, case.office_id)
    centre = db.session.get(Centre, case.centre_id)
    return {
        "person": person,
        "office": office.name if office else "",
        "centre": centre.name if centre else "",
        "definition": definition.label(language),
        "legal_basis": definition.legal_basis,
        "steps": steps,
        "deadlines": deadlines,
        "signed_on": case.agreement_signed_on,
        "opened_on": case.opened_on,
    }
