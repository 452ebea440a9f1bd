"""Deadlines: when a case's deadline falls, and the one rule extending the completion deadline."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import documents
from integration_centre.pathway.assessment import is_obliged
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.documents import UploadedDocument
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.reading import definition_of
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case


def deadline_date(case: Case, newcomer_dates: dict[str, date | None], code: str = "completion") -> date | None:
    """When deadline ``code`` falls for this case (extensions included), None when it has none.

    The one home of the rule "only an obliged person has deadlines": a case whose kept status is
    not obliged (voluntary, dispensed participant) has none, so it is never overdue, never "due
    soon", and its page, agreement and referrals show no deadline.
    """
    if not is_obliged(case):
        return None
    deadline = definition_of(case).deadline(code)
    if deadline is None:
        return None
    start = {
        "permit_order": newcomer_dates.get("permit_order"),
        "registration": newcomer_dates.get("registration"),
        "agreement_signature": case.agreement_signed_on,
    }[deadline.clock_start]
    if start is None:
        return None
    return add_months(start, deadline.months + (case.deadline_extended_months if deadline.extendable else 0))


def presentation_due(
    definition: PathwayDefinition, *, permit_order: date | None, registration: date | None
) -> date | None:
    """The duty-to-present date of a person announced by a commune: the one rule, for a person
    with or without a case.

    It is the definition's ``report`` deadline (3 months in Wallonia) from its clock start (the
    registration date); when that date is unknown, from the other announcement date the commune
    gave (the permit order), so that an incomplete list still gets a date. None when the
    definition has no report deadline or no date is known.
    """
    deadline = definition.deadline("report")
    if deadline is None:
        return None
    starts = {"registration": registration, "permit_order": permit_order}
    start = starts.get(deadline.clock_start) or registration or permit_order
    return add_months(start, deadline.months) if start else None


# The kind of evidence a ground's document is by default (health grounds: a medical certificate).
EVIDENCE_KIND = {"illness": "medical_certificate", "pregnancy": "medical_certificate"}


def extend_deadline(
    actor: User,
    case: Case,
    ground: str,
    months: int,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    document: UploadedDocument | None = None,
    document_kind: str | None = None,
) -> Case:
    """Extend the completion deadline on one of the definition's extension grounds.

    A ground marked ``evidence_required`` in the definition (illness, pregnancy, force majeure)
    needs an evidence document: it is stored with the case (``documents.store_document``).
    """
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    definition = definition_of(case)
    grounds = {g["code"]: g for g in definition.extension_grounds}
    if ground not in grounds:
        raise PathwayError(_("Choose a ground for the extension."))
    if grounds[ground].get("evidence_required") and document is None:
        message = _("This ground requires an evidence document (e.g. a medical certificate): upload it.")
        raise PathwayError(message, field_errors={"document": message})
    if document is not None:
        documents.check_upload(document)
    if not 0 < months <= 24:
        raise PathwayError(_("An extension is 1 to 24 months."))
    deadline = definition.deadline("completion")
    if deadline is None or not deadline.extendable:
        raise PathwayError(_("This pathway has no extendable deadline."))
    if document is not None:
        newcomer = db.session.get(Newcomer, case.person_id)
        kind = document_kind or EVIDENCE_KIND.get(ground, "other")
        documents.store_document(actor, newcomer, document, kind, case=case)
    case.deadline_extended_months += months
    touch_case(case)
    timeline_entry(actor, case, "case.extend", reason=ground, note=note)
    flush_or_conflict()
    return case
