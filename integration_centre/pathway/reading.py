"""Reading the pathway: a case's definition, a person's eligibility facts, dispensations and summary."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import Office, User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway.definitions import NoApplicableDefinition, PathwayDefinition, registry
from integration_centre.pathway.eligibility import Eligibility, EligibilityFacts, RecordedDispensation, assess
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Dispensation, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.registration import PERSONAL_FIELDS
from integration_centre.privacy.access import access

# The jurisdiction of a centre without one configured (``Centre.jurisdiction`` defaults to it).
DEFAULT_JURISDICTION = "wallonia"


def centre_jurisdiction(office: Office | None) -> str:
    """The jurisdiction whose definitions the office's centre runs (``Centre.jurisdiction``)."""
    centre = office.centre if office is not None else None
    return (centre.jurisdiction if centre is not None else None) or DEFAULT_JURISDICTION


def jurisdictions() -> list[str]:
    """Every jurisdiction that has at least one installed definition, sorted."""
    return sorted({d.jurisdiction for d in registry().all()})


def definition_of(case: Case) -> PathwayDefinition:
    """The definition version the case started with (kept forever)."""
    return registry().get(case.definition_code, case.definition_version)


def applicable_definition(
    permit_order_date: date | None, jurisdiction: str = DEFAULT_JURISDICTION
) -> PathwayDefinition:
    """The definition version of ``jurisdiction`` chosen from the permit-order date."""
    try:
        return registry().applicable(jurisdiction, permit_order_date)
    except NoApplicableDefinition as exc:
        raise PathwayError(
            _("No pathway definition covers a permit ordered on %(date)s.", date=permit_order_date)
        ) from exc


def facts_of(newcomer: Newcomer) -> EligibilityFacts:
    """The eligibility facts of a newcomer (call inside an access context naming the person)."""
    return EligibilityFacts(
        date_of_birth=newcomer.date_of_birth,
        nationality=newcomer.nationality,
        residence_category=newcomer.residence_category,
        permit_order_date=newcomer.permit_order_date,
        registration_date=newcomer.registration_date,
        permit_validity_months=newcomer.permit_validity_months,
    )


def recorded_dispensations(newcomer_id, definition: PathwayDefinition | None = None) -> list[RecordedDispensation]:
    """The person's recorded dispensations that were not revoked (call inside an access context naming
    the person)."""
    rows = db.session.scalars(
        select(Dispensation).where(Dispensation.person_id == newcomer_id, Dispensation.revoked_at.is_(None))
    )
    return [
        RecordedDispensation(row.reason, row.start_date, row.end_date)
        for row in rows
        if definition is None or (row.definition_code == definition.code)
    ]


def eligibility_for(
    actor: User,
    newcomer: Newcomer,
    *,
    case: Case | None = None,
    on: date | None = None,
    purpose: str = "eligibility.view",
) -> Eligibility:
    """Eligibility of ``newcomer`` under the case's definition (else the one applicable at the
    actor's centre's jurisdiction), on ``on``.

    For a case the default day is the day its kept status was assessed (``assessed_on``, else the
    opening day): the case page explains the kept status, not a status recomputed for today
    (``pathway.assessment``). Without a case (a preview) the default day is today.
    """
    require(person_visible_to(actor, newcomer))
    if on is None and case is not None:
        on = case.assessed_on or case.opened_on
    with access(actor, purpose, [newcomer.id]):
        facts = facts_of(newcomer)
        definition = (
            definition_of(case)
            if case is not None
            else applicable_definition(facts.permit_order_date, centre_jurisdiction(getattr(actor, "office", None)))
        )
        return assess(
            facts,
            definition,
            on=on,
            dispensations=recorded_dispensations(newcomer.id, definition),
            participating=case is not None,
        )


def get_case(actor: User, case_id) -> Case:
    """The case ``case_id`` if ``actor`` may see it, else 404."""
    case = db.session.get(Case, case_id)
    require(can_see_case(actor, case))
    return case


def newcomer_summary(actor: User, newcomer: Newcomer, purpose: str = "newcomer.view") -> dict:
    """The person's file decrypted for display to an agent who may see it (one audited access)."""
    require(person_visible_to(actor, newcomer))
    with access(actor, purpose, [newcomer.id]):
        values = {name: getattr(newcomer, name) for name in PERSONAL_FIELDS}
    values["id"] = newcomer.id
    return values
