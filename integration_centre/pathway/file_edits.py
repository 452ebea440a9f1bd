"""Editing a newcomer's file: corrections checked like a registration, eligibility confirmed.

The agent of an office that may see the person corrects identity, contact, address, permit
dates, languages and education. Every value goes through the registration's validation and
normalisation (``registration.validate``, ``normalised_values``) and the blind indexes are
rebuilt (``registration.reindex``). The timeline of each active case says WHICH fields changed,
never their values. A change to a field that drives eligibility is not saved until the agent has
seen the new assessment next to the current one and confirmed it; the active cases are then
re-assessed (``assessment.reassess_case``, reason ``file_edit``). The file's ``version`` (an
optimistic lock) refuses a save based on a file someone else changed meanwhile.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import assessment
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.eligibility import Eligibility, EligibilityFacts, assess
from integration_centre.pathway.errors import PathwayConflict, PathwayError, RegistrationInvalid
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.reading import applicable_definition, definition_of, recorded_dispensations
from integration_centre.pathway.registration import (
    PERSONAL_FIELDS,
    NewcomerData,
    ensure_writable,
    normalised_values,
    reindex,
    validate,
)
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, Participation
from integration_centre.pathway.timeline import timeline_entry, touch_case
from integration_centre.privacy import erasure
from integration_centre.privacy.access import access

# The fields whose change may change the obligation status (``eligibility.assess`` reads them).
ELIGIBILITY_FIELDS = (
    "date_of_birth",
    "nationality",
    "residence_category",
    "permit_order_date",
    "permit_validity_months",
    "registration_date",
)
EDIT_ACTION = "newcomer.edit"
REASSESS_REASON = "file_edit"
REASON_LENGTH = 64  # the timeline's clear reason column


def file_conflict_message():
    """The message shown when someone else saved the same file meanwhile (lazy: see ``timeline``)."""
    return _l("Someone else changed this file meanwhile. Reload it and make your changes again: nothing was saved.")


@dataclass
class EditOutcome:
    """What an edit did, or what it waits for.

    ``changed``: the fields whose value differs (names only). ``saved``: the file was written.
    ``needs_confirmation``: an eligibility field changed and ``confirm`` was not given: nothing
    was written; ``current`` and ``proposed`` are the assessments to show side by side.
    """

    changed: tuple[str, ...] = ()
    saved: bool = False
    needs_confirmation: bool = False
    current: Eligibility | None = None
    proposed: Eligibility | None = None
    warnings: list[str] = field(default_factory=list)
    reassessed: tuple[Case, ...] = ()

    @property
    def eligibility_changed(self) -> tuple[str, ...]:
        """The changed fields that drive eligibility."""
        return tuple(name for name in self.changed if name in ELIGIBILITY_FIELDS)


def check_file_version(newcomer: Newcomer, expected_version: int | None) -> None:
    """``PathwayConflict`` when the form was read from another version of the file."""
    if expected_version is None or int(expected_version) != newcomer.version:
        raise PathwayConflict(file_conflict_message())


def current_values(actor: User, newcomer: Newcomer, purpose: str = "newcomer.edit") -> dict:
    """The file's values decrypted for the edit form (one audited access)."""
    require(person_visible_to(actor, newcomer))
    with access(actor, purpose, [newcomer.id]):
        return {name: getattr(newcomer, name) for name in PERSONAL_FIELDS}


def active_cases(newcomer: Newcomer) -> list[Case]:
    """The person's cases still running (open, in progress, suspended)."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.person_id == newcomer.id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
            .order_by(Case.opened_on)
        )
    )


def edit_newcomer(
    actor: User,
    newcomer: Newcomer,
    changes: dict,
    *,
    expected_version: int,
    confirm: bool,
    reason: str | None = None,
    today: date | None = None,
) -> EditOutcome:
    """Apply ``changes`` (field name → new value) to the file; see the module docstring.

    Refuses (404) an agent who may not see the person, a restricted or erased file, an unknown
    field (``PathwayError``), invalid values (``RegistrationInvalid``, errors per field) and a stale
    ``expected_version`` (``PathwayConflict``). ``reason`` is an optional note kept encrypted on the
    timeline. Flushes, never commits.
    """
    require(person_visible_to(actor, newcomer))
    if erasure.erased_on(newcomer.id) is not None:
        raise PathwayError(_("This file was erased: it can no longer be changed."), code="erased")
    ensure_writable(newcomer.id)
    check_file_version(newcomer, expected_version)
    unknown = sorted(set(changes) - set(PERSONAL_FIELDS))
    if unknown:
        raise PathwayError(_("These fields cannot be edited: %(fields)s.", fields=", ".join(unknown)))
    today = today or clock.today()
    before = current_values(actor, newcomer)
    merged = {**before, **changes}
    merged["languages"] = list(merged.get("languages") or [])
    data = NewcomerData(**merged)
    outcome = validate(data, today=today)
    if outcome.errors:
        raise RegistrationInvalid(_("The file has errors: correct the fields marked."), outcome.errors)
    after = normalised_values(data, outcome)
    changed = tuple(name for name in PERSONAL_FIELDS if _comparable(after[name]) != _comparable(before[name]))
    result = EditOutcome(changed=changed, warnings=list(outcome.warnings))
    if not changed:
        return result
    cases = [c for c in active_cases(newcomer) if can_see_case(actor, c)]
    if result.eligibility_changed:
        result.current, result.proposed = compare_assessments(actor, newcomer, before, after, cases, today)
        if not confirm:
            result.needs_confirmation = True
            return result
    with access(actor, EDIT_ACTION, [newcomer.id], action="update"):
        for name in changed:
            setattr(newcomer, name, after[name])
        reindex(newcomer)
    note = (reason or "").strip() or None
    for case in cases:
        for position, chunk in enumerate(field_chunks(changed)):
            timeline_entry(actor, case, EDIT_ACTION, reason=chunk, note=note if position == 0 else None)
        touch_case(case)
    _flush_or_file_conflict()
    if result.eligibility_changed:
        result.reassessed = tuple(assessment.reassess_case(actor, case, REASSESS_REASON, on=today) for case in cases)
    result.saved = True
    return result


def compare_assessments(
    actor: User, newcomer: Newcomer, before: dict, after: dict, cases: list[Case], today: date
) -> tuple[Eligibility | None, Eligibility | None]:
    """The assessment today on the current facts and on the new ones, under the definition of the
    person's active case (else the one the permit date selects); nothing is saved."""
    case = cases[0] if cases else None
    with access(actor, "eligibility.preview", [newcomer.id]):
        current = _assess(_facts(before), case, newcomer.id, today)
        proposed = _assess(_facts(after), case, newcomer.id, today)
    return current, proposed


def _assess(facts: EligibilityFacts, case: Case | None, person_id, today: date) -> Eligibility | None:
    try:
        definition: PathwayDefinition = (
            definition_of(case) if case is not None else applicable_definition(facts.permit_order_date)
        )
    except PathwayError:
        return None
    return assess(
        facts,
        definition,
        on=today,
        dispensations=recorded_dispensations(person_id, definition),
        participating=case is not None and case.participation == Participation.VOLUNTARY,
    )


def _facts(values: dict) -> EligibilityFacts:
    return EligibilityFacts(**{name: values[name] for name in ELIGIBILITY_FIELDS})


def field_chunks(names: tuple[str, ...]) -> list[str]:
    """The changed field names as comma-separated codes, each at most ``REASON_LENGTH`` long."""
    chunks: list[str] = []
    current = ""
    for name in names:
        candidate = f"{current},{name}" if current else name
        if len(candidate) > REASON_LENGTH:
            chunks.append(current)
            candidate = name
        current = candidate
    if current:
        chunks.append(current)
    return chunks


def confirmation_token(newcomer: Newcomer, expected_version: int | None, values: dict) -> str:
    """A token binding a confirmation to the eligibility facts the agent saw (file, version and
    the values of the eligibility fields), keyed by the application's secret: a confirmation
    for other facts is asked again. It reveals nothing of the values."""
    facts = "|".join(f"{name}={values.get(name)}" for name in ELIGIBILITY_FIELDS)
    message = f"{newcomer.id}|{expected_version}|{facts}".encode()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _comparable(value):
    if isinstance(value, list):
        return sorted(value)
    if value == "":
        return None
    return value


def _flush_or_file_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise PathwayConflict(file_conflict_message()) from exc


__all__ = [
    "ELIGIBILITY_FIELDS",
    "EditOutcome",
    "active_cases",
    "check_file_version",
    "compare_assessments",
    "confirmation_token",
    "current_values",
    "edit_newcomer",
    "field_chunks",
]
