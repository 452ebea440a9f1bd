"""Office-side API operations that pathway does not offer as one call: search a file, summarise a case.

They apply pathway's rules (visibility, audited decryption) and return ids, codes and states only.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import niss as niss_module
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.registration import RegistrationInvalid
from integration_centre.privacy import blind_index

SEARCH_PURPOSE = "api.search"
# Steps whose result may describe the person (special-category data): never in the API.
PRIVATE_RESULT_STEPS = frozenset({"social_assessment"})


def search_newcomers(
    actor: User,
    *,
    niss: str | None = None,
    family_name: str | None = None,
    given_names: str | None = None,
    date_of_birth: date | None = None,
) -> list[Newcomer]:
    """Files matching the national number, or the names and date of birth, that ``actor`` may see.

    Candidates come from the blind indexes; only those visible to the agent are decrypted (one
    audited "search" access) to drop the index's false positives.
    """
    require(actor.role == Role.AGENT)
    if niss is not None:
        try:
            compact = niss_module.check(niss).number
        except niss_module.NissError as exc:
            raise RegistrationInvalid(_("The national register number is not valid."), {"niss": str(exc)}) from None
        rows = blind_index.candidate_rows(Newcomer, niss=compact)

        def matches(row: Newcomer) -> bool:
            return row.niss == compact

    else:
        rows = blind_index.candidate_rows(
            Newcomer, family_name=family_name, given_name=given_names, birth_date=date_of_birth
        )

        def matches(row: Newcomer) -> bool:
            return (
                row.date_of_birth == date_of_birth
                and blind_index.same_text(row.family_name, family_name)
                and blind_index.same_text(row.given_names, given_names)
            )

    visible = [row for row in rows if person_visible_to(actor, row)]
    return blind_index.keep_true_matches(visible, matches, actor=actor, purpose=SEARCH_PURPOSE)


def visible_cases(actor: User, newcomer: Newcomer) -> list[Case]:
    """The person's cases at the agent's office."""
    return [case for case in newcomer.cases if can_see_case(actor, case)]


def get_newcomer(actor: User, newcomer_id: uuid.UUID) -> Newcomer:
    """The file ``newcomer_id`` if ``actor`` may see it, else 404."""
    newcomer = db.session.get(Newcomer, newcomer_id)
    require(person_visible_to(actor, newcomer))
    return newcomer


def case_summary(case: Case) -> dict:
    """A case's bookkeeping: definition, status, dates and steps (no note, no personal field)."""
    return {
        "id": case.id,
        "newcomer_id": case.person_id,
        "office_id": case.office_id,
        "definition_code": case.definition_code,
        "definition_version": case.definition_version,
        "status": case.status.value,
        "status_reason": case.status_reason,
        "participation": case.participation.value,
        "opened_on": case.opened_on,
        "started_on": case.started_on,
        "ended_on": case.ended_on,
        "agreement_signed_on": case.agreement_signed_on,
        "deadline_extended_months": case.deadline_extended_months or 0,
        "version": case.version,
        "steps": [
            {
                "code": step.step_code,
                "state": step.state.value,
                "planned_on": step.planned_on,
                "started_on": step.started_on,
                "ended_on": step.ended_on,
                "hours": str(step.hours if step.hours is not None else 0),
                "result": None if step.step_code in PRIVATE_RESULT_STEPS else step.result,
                "operator_id": step.operator_id,
            }
            for step in case.steps
        ],
    }
