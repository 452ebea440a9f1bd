"""The person search: exact matches through the blind indexes, among the persons the agent's office may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.niss import NissError
from integration_centre.pathway.niss import check as check_niss
from integration_centre.privacy import blind_index
from integration_centre.privacy.access import access
from integration_centre.workspace.dashboard import restricted_persons
from integration_centre.workspace.errors import WorkspaceError


@dataclass
class SearchResult:
    """One person found, with the cases the agent's office holds (shown with the ``person_name``
    filter: "NOM, Prénom")."""

    person_id: uuid.UUID
    family_name: str
    given_names: str
    date_of_birth: date | None
    niss: str | None
    cases: list[Case]


def validate_search(
    family_name: str | None, given_names: str | None, birth_date: date | None, niss: str | None
) -> dict[str, str]:
    """Field errors of a search: a NISS, or a family name with a date of birth."""
    errors: dict[str, str] = {}
    if niss:
        try:
            check_niss(niss)
        except NissError as exc:
            errors["niss"] = str(exc)
        return errors
    if not (family_name or "").strip() and birth_date is None:
        errors["family_name"] = _("Enter a family name and a date of birth, or a national register number.")
    elif not (family_name or "").strip():
        errors["family_name"] = _("Enter the family name too: the date of birth alone finds too many people.")
    elif birth_date is None:
        errors["date_of_birth"] = _("Enter the date of birth too: names are searched with it.")
    return errors


def search_persons(
    actor: User,
    *,
    family_name: str | None = None,
    given_names: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> list[SearchResult]:
    """Persons the agent may see matching exactly (accents, case and spaces ignored), found
    through the blind indexes; false candidates are decrypted and dropped in an audited search."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    errors = validate_search(family_name, given_names, birth_date, niss)
    if errors:
        field_name, message = next(iter(errors.items()))
        raise WorkspaceError(message, field_name)
    compact = check_niss(niss).number if niss else None
    if compact:
        rows = blind_index.candidate_rows(Newcomer, niss=compact)
    else:
        rows = blind_index.candidate_rows(
            Newcomer, family_name=family_name, given_name=given_names or None, birth_date=birth_date
        )
    if not rows:
        return []
    restricted = set(restricted_persons())
    rows = [r for r in rows if r.id not in restricted]
    office_cases: dict[uuid.UUID, list[Case]] = {}
    conditions = [Case.person_id.in_([r.id for r in rows]), Case.office_id == actor.office_id]
    for item in db.session.scalars(select(Case).where(*conditions).order_by(Case.opened_on.desc())):
        office_cases.setdefault(item.person_id, []).append(item)
    visible = [r for r in rows if r.registered_by_office_id == actor.office_id or r.id in office_cases]

    def matches(row: Newcomer) -> bool:
        if compact:
            return row.niss == compact
        return (
            row.date_of_birth == birth_date
            and blind_index.same_text(row.family_name, family_name)
            and (not given_names or blind_index.same_text(row.given_names, given_names))
        )

    found = blind_index.keep_true_matches(visible, matches, actor=actor, purpose="person.search")
    with access(actor, "person.search", [r.id for r in found]):
        results = [
            SearchResult(r.id, r.family_name, r.given_names, r.date_of_birth, r.niss, office_cases.get(r.id, []))
            for r in found
        ]
    results.sort(key=lambda r: (blind_index.normalise(r.family_name), blind_index.normalise(r.given_names)))
    return results
