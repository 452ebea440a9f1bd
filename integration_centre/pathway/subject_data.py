"""The pathway's part of the data-subject rights: legal holds, erasure clean-up, retention, export.

``register()`` (called by ``pathway.register(app)``) hands these to the privacy core
(``privacy.subject_data``, ``privacy.retention``, ``privacy.erasure``); the privacy package never
imports the pathway.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from integration_centre.clock import utcnow
from integration_centre.core.names import person_name
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import reasons
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.models import Case, EvidenceDocument, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, CaseStatus
from integration_centre.privacy import blobs, erasure, retention, subject_data
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import DecryptionError

# Labels of the pathway's field codes in the access export (their msgids are those of the forms).
FIELD_LABELS = {
    "family_name": _l("Family name(s)"),
    "given_names": _l("Given names"),
    "date_of_birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "nationality": _l("Nationality"),
    "niss": _l("National register number (NISS)"),
    "address": _l("Address"),
    "municipality_code": _l("Municipality"),
    "phone": _l("Phone"),
    "email": _l("E-mail address"),
    "languages": _l("Languages spoken"),
    "preferred_language": _l("Preferred language"),
    "interpreter_language": _l("Interpreter's language"),
    "residence_category": _l("Residence status"),
    "permit_order_date": _l("Date the residence permit was ordered"),
    "registration_date": _l("Date of registration at the municipality"),
    "education_level": _l("Education level"),
    "cases": _l("Cases"),
}

CLOSED_SETTING = "RETENTION_CLOSED_CASE_YEARS"
CERTIFICATE_SETTING = "RETENTION_CERTIFICATE_YEARS"
UNFINISHED_SETTING = "RETENTION_UNFINISHED_MONTHS"


# --- Retention --------------------------------------------------------------------------------


def _end_date(case: Case) -> date:
    return case.ended_on or case.last_change_at.date()


def _keep_until(cases: list[Case]) -> tuple[date, Case] | None:
    """The date the person's file may be erased (all cases ended), with the case that sets it."""
    if not cases or any(c.status in ACTIVE_CASE_STATUSES for c in cases):
        return None
    best = None
    for case in cases:
        setting = CERTIFICATE_SETTING if case.status == CaseStatus.COMPLETED else CLOSED_SETTING
        until = add_months(_end_date(case), 12 * retention.period(setting))
        if best is None or until > best[0]:
            best = (until, case)
    return best


def _cases_by_person() -> dict[uuid.UUID, list[Case]]:
    grouped: dict[uuid.UUID, list[Case]] = {}
    for case in db.session.scalars(select(Case).order_by(Case.person_id)):
        grouped.setdefault(case.person_id, []).append(case)
    return grouped


def ended_cases_dates() -> Iterator[retention.RetentionItem]:
    """Every person with a case: kept while a case is open, else until the longest period ends."""
    for person_id, cases in _cases_by_person().items():
        kept = _keep_until(cases)
        if kept is None:
            yield retention.RetentionItem(person_id, "case_open", retention.KEPT, _("A case is still open."))
            continue
        until_date, case = kept
        if case.status == CaseStatus.COMPLETED:
            reason = _(
                "Pathway completed (certificate) on %(date)s; files are kept %(years)s years.",
                date=format_date(_end_date(case)),
                years=retention.period(CERTIFICATE_SETTING),
            )
            category = "certificate"
        else:
            reason = _(
                "Last case ended on %(date)s; files are kept %(years)s years.",
                date=format_date(_end_date(case)),
                years=retention.period(CLOSED_SETTING),
            )
            category = "case_closed"
        yield retention.RetentionItem(person_id, category, until_date, reason)


def unfinished_registrations_dates() -> Iterator[retention.RetentionItem]:
    """Persons registered without any case: kept a number of months after the registration."""
    months = retention.period(UNFINISHED_SETTING)
    has_case = select(Case.id).where(Case.person_id == Newcomer.id).exists()
    rows = db.session.execute(select(Newcomer.id, Newcomer.created_at).where(~has_case).order_by(Newcomer.id))
    for person_id, created_at in rows:
        registered: date = created_at.date() if isinstance(created_at, datetime) else created_at
        reason = _(
            "Registered on %(date)s and no case was ever opened; kept %(months)s months.",
            date=format_date(registered),
            months=months,
        )
        yield retention.RetentionItem(person_id, "unfinished_registration", add_months(registered, months), reason)


# --- Legal holds and erasure ------------------------------------------------------------------


def holds(person_id: uuid.UUID) -> list[str]:
    """Open cases and the retention duty after a case ended forbid erasure."""
    cases = list(db.session.scalars(select(Case).where(Case.person_id == person_id)))
    reasons = []
    active = [c for c in cases if c.status in ACTIVE_CASE_STATUSES]
    if active:
        reasons.append(
            _("The person has %(count)s case(s) still open: close them before erasing the file.", count=len(active))
        )
    kept = _keep_until(cases)
    if kept is not None and kept[0] > utcnow().date():
        reasons.append(_("The centre must keep this file until %(date)s (retention duty).", date=format_date(kept[0])))
    return reasons


def erase(person_id: uuid.UUID) -> None:
    """Delete the person's encrypted evidence documents and their files (the rest is NULLed by the privacy core)."""
    blobs.discard_column(EvidenceDocument.__table__, "content_ct", EvidenceDocument.person_id == person_id)
    db.session.execute(delete(EvidenceDocument).where(EvidenceDocument.person_id == person_id))


def describe(person_id: uuid.UUID, actor) -> str | None:
    """Name and birth date of the person, for the erasure confirmation page (audited read)."""
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None or erasure.erased_on(person_id) is not None:
        return None
    try:
        with access(actor, "erasure.confirm", [person_id]):
            name = " ".join(p for p in (newcomer.given_names, newcomer.family_name) if p)
            born = newcomer.date_of_birth
    except DecryptionError:
        return None
    return f"{name} ({format_date(born)})" if born else name


# --- Access export and rights hooks (RIGHTS-A) -------------------------------------------------
# Export of everything the pathway holds about a person (GDPR Art. 15/20), and the person-level
# hooks of the rights pages: find a person, check who may act on the file, rectify a field.

# The fields a rectification may change, labelled as in the access export (one list of labels;
# the permit's validity is a pathway field the export does not name).
_LABELS = {**FIELD_LABELS, "permit_validity_months": _l("Validity of the residence permit (months)")}
RECTIFIABLE = {
    code: _LABELS[code]
    for code in (
        "family_name", "given_names", "date_of_birth", "sex", "nationality", "niss", "address",
        "municipality_code", "phone", "email", "preferred_language", "interpreter_language",
        "residence_category", "permit_order_date", "permit_validity_months", "registration_date",
        "education_level",
    )
}  # fmt: skip
_DATE_FIELDS = {"date_of_birth", "permit_order_date", "registration_date"}
_CASE_COLUMNS = (
    "id", "office_id", "definition_code", "definition_version", "opened_on", "started_on", "ended_on",
    "agreement_signed_on", "obligation_ended_on", "deadline_extended_months", "status_reason", "needs",
)  # fmt: skip
_STEP_COLUMNS = ("step_code", "planned_on", "started_on", "ended_on", "result", "operator_id", "service_type", "note")
_TIMELINE_COLUMNS = ("at", "actor_role", "action", "step_code", "from_state", "to_state", "reason", "note")
_DISPENSATION_COLUMNS = (
    "definition_code", "definition_version", "start_date", "end_date", "validated_at", "reason", "legal_basis", "note",
)  # fmt: skip
_DOCUMENT_COLUMNS = ("id", "kind", "created_at", "filename", "content_type", "size_bytes")


def _row(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}


def export(person_id: uuid.UUID) -> dict:
    """The file, cases (steps, timeline), dispensations and documents, decrypted.

    Runs inside the caller's access context (it names the person).
    """
    from integration_centre.pathway.models import Dispensation
    from integration_centre.pathway.registration import PERSONAL_FIELDS

    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None:
        return {}
    result: dict = {"file": _row(newcomer, ("id", "created_at", "registered_by_office_id", *PERSONAL_FIELDS))}
    cases = []
    for case in db.session.scalars(select(Case).where(Case.person_id == person_id).order_by(Case.opened_on)):
        item = _row(case, _CASE_COLUMNS)
        item["status_reason"] = reasons.precise(case.status_reason, case.status_reason_detail)
        item["status"] = str(case.status.value)
        item["participation"] = str(case.participation.value)
        item["steps"] = [
            {**_row(step, _STEP_COLUMNS), "state": str(step.state.value), "hours": str(step.hours)}
            for step in case.steps
        ]
        item["timeline"] = [
            {**_row(entry, _TIMELINE_COLUMNS), "reason": reasons.precise(entry.reason, entry.reason_detail)}
            for entry in case.timeline
        ]
        cases.append(item)
    result["cases"] = cases
    result["dispensations"] = [
        _row(d, _DISPENSATION_COLUMNS)
        for d in db.session.scalars(select(Dispensation).where(Dispensation.person_id == person_id))
    ]
    from integration_centre.pathway.documents import kind_of

    result["documents"] = [
        _row(doc, _DOCUMENT_COLUMNS)
        | {"kind": kind_of(doc), "content_base64": base64.b64encode(doc.content).decode("ascii")}
        for doc in db.session.scalars(select(EvidenceDocument).where(EvidenceDocument.person_id == person_id))
    ]
    return result


def find(actor, *, niss=None, family_name=None, given_name=None, birth_date=None) -> list[tuple[uuid.UUID, str]]:
    """Files matching the NISS, or the names and date of birth, exactly (blind indexes; audited)."""
    from integration_centre.pathway import niss as niss_module
    from integration_centre.privacy import blind_index

    if niss:
        try:
            compact = niss_module.check(niss).number
        except niss_module.NissError:
            return []
        rows = blind_index.search(Newcomer, lambda r: r.niss == compact, actor=actor, purpose="rights.search",
                                  niss=compact)  # fmt: skip
    elif family_name and birth_date:

        def same(row: Newcomer) -> bool:
            return (
                row.date_of_birth == birth_date
                and blind_index.same_text(row.family_name, family_name)
                and (not given_name or blind_index.same_text(row.given_names, given_name))
            )

        rows = blind_index.search(Newcomer, same, actor=actor, purpose="rights.search", family_name=family_name,
                                  given_name=given_name or None, birth_date=birth_date)  # fmt: skip
    else:
        return []
    found = []
    if rows:
        with access(actor, "rights.search", [r.id for r in rows], action="search"):
            for row in rows:
                name = f"{row.family_name}, {row.given_names}"
                found.append((row.id, f"{name} ({format_date(row.date_of_birth)})"))
    return found


def visible(user, person_id: uuid.UUID) -> bool:
    """Agents who may see the file (their office), and the DPO (admin role)."""
    from integration_centre.accounts.models import Role
    from integration_centre.pathway.permissions import person_visible_to

    if getattr(user, "role", None) == Role.ADMIN:
        return db.session.get(Newcomer, person_id) is not None
    return person_visible_to(user, db.session.get(Newcomer, person_id))


def label(actor, person_id: uuid.UUID, purpose: str) -> str | None:
    """ "FAMILY, Given (date of birth)" of the person (audited read); None when unknown or erased."""
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None:
        return None
    try:
        with access(actor, purpose, [person_id]):
            if not (newcomer.family_name or newcomer.given_names):
                return None  # the identity was scrubbed
            born = f" ({format_date(newcomer.date_of_birth)})" if newcomer.date_of_birth else ""
            return f"{person_name(newcomer.family_name, newcomer.given_names, locale=current_language())}{born}"
    except DecryptionError:
        return None


def _parse(field: str, value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if field in _DATE_FIELDS and isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_("Enter a date such as 2026-03-31.")) from None
    if field == "permit_validity_months" and isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ValueError(_("Enter a whole number of months.")) from None
    return value.strip() if isinstance(value, str) else value


def rectify(actor, person_id: uuid.UUID, field: str, value):
    """Set one field of the file after the registration checks; returns the previous value.

    Runs inside the caller's access context. Raises ``ValueError`` (translated message).
    """
    from integration_centre.pathway.registration import (
        PERSONAL_FIELDS,
        NewcomerData,
        normalised_values,
        reindex,
        validate,
    )

    if field not in RECTIFIABLE:
        raise ValueError(_("This field cannot be rectified here."))
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None:
        raise ValueError(_("The file does not exist."))
    new_value = _parse(field, value)
    current = {name: getattr(newcomer, name) for name in PERSONAL_FIELDS}
    data = NewcomerData(**{**current, "languages": current["languages"] or [], field: new_value})
    outcome = validate(data)
    if field in outcome.errors:
        raise ValueError(outcome.errors[field])
    if field in ("family_name", "given_names", "date_of_birth") and not new_value:
        raise ValueError(_("This field is required."))
    values = normalised_values(data, outcome)
    previous = current[field]
    if previous == values[field]:
        raise ValueError(_("The new value is the same as the current one."))
    setattr(newcomer, field, values[field])
    reindex(newcomer)
    db.session.flush()
    return previous


def register() -> None:
    """Register the pathway with the privacy core: retention categories, legal holds, erasure,
    export and the person-level hooks of the rights pages (idempotent)."""
    retention.register_category(
        "ended_cases", _l("Files whose cases all ended (closure or certificate)"), CLOSED_SETTING, ended_cases_dates
    )
    retention.register_category(
        "unfinished_registrations", _l("Registrations that never became a case"), UNFINISHED_SETTING,
        unfinished_registrations_dates,
    )  # fmt: skip
    erasure.register_describer(describe)
    subject_data.register("pathway", export=export, holds=holds, erase=erase, labels=FIELD_LABELS)
    subject_data.register_person_hooks(
        find=find, visible=visible, label=label, rectifiable=lambda: dict(RECTIFIABLE), rectify=rectify
    )
