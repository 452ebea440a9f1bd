"""Dispensations: recording one (legal basis, encrypted evidence document) and reading the document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.assessment import apply_reassessment
from integration_centre.pathway.case_events import emit_transition_event
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Dispensation, EvidenceDocument, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.reading import applicable_definition, centre_jurisdiction, definition_of
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
ALLOWED_DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


@dataclass
class UploadedDocument:
    """An uploaded file, as bytes (the view reads it from the request)."""

    filename: str
    content_type: str
    content: bytes


def record_dispensation(
    actor: User,
    newcomer: Newcomer,
    reason: str,
    start_date: date,
    *,
    case: Case | None = None,
    document: UploadedDocument | None = None,
    end_date: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Dispensation:
    """Record a dispensation validated by ``actor`` (legal basis from the definition).

    The evidence document, when the reason requires one, is mandatory and stored encrypted.
    With a case: one timeline entry and one ``dispensation_recorded`` event; a mid-pathway
    reason (work…) ends the case's obligation from ``start_date``.
    """
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    if case is not None:
        require(can_see_case(actor, case) and case.person_id == newcomer.id)
        check_version(case, expected_version)
    with access(actor, "dispensation.record", [newcomer.id], action="update"):
        definition = (
            definition_of(case)
            if case is not None
            else applicable_definition(newcomer.permit_order_date, centre_jurisdiction(actor.office))
        )
    try:
        reason_def = definition.dispensation_reason(reason)
    except KeyError as exc:
        raise PathwayError(_("Choose a dispensation reason from the list.")) from exc
    if start_date is None:
        raise PathwayError(_("Enter the date the dispensation starts."))
    if end_date is not None and end_date < start_date:
        raise PathwayError(_("The end date is before the start date."))
    if reason_def.evidence_required and document is None:
        raise PathwayError(_("This reason requires an evidence document: upload it."))
    if document is not None:
        _check_document(document)
    dispensation = Dispensation(
        person_id=newcomer.id,
        case_id=case.id if case else None,
        definition_code=definition.code,
        definition_version=definition.version,
        start_date=start_date,
        end_date=end_date,
        validated_by_id=actor.id,
        validated_at=utcnow(),
    )
    with access(actor, "dispensation.record", [newcomer.id], action="update"):
        dispensation.reason = reason_def.code
        dispensation.legal_basis = reason_def.legal_basis
        if note:
            dispensation.note = note
        db.session.add(dispensation)
        if document is not None:
            evidence = EvidenceDocument(person_id=newcomer.id, kind="dispensation", uploaded_by_id=actor.id)
            evidence.dispensation = dispensation
            evidence.filename = document.filename
            evidence.content_type = document.content_type
            evidence.content = document.content
            evidence.size_bytes = len(document.content)
            db.session.add(evidence)
    if case is not None:
        if reason_def.can_start_mid_pathway:
            case.obligation_ended_on = (
                start_date if case.obligation_ended_on is None else min(case.obligation_ended_on, start_date)
            )
        touch_case(case)
        # The reason may be health data: the timeline keeps only that a dispensation was recorded.
        timeline_entry(actor, case, "dispensation.record")
        # A dispensation recorded on a case is an explicit change of its kept status (from its start).
        apply_reassessment(actor, case, "dispensation", max(start_date, case.opened_on))
    flush_or_conflict()
    if case is not None:
        emit_transition_event(
            actor, "dispensation_recorded", case, max(start_date, case.opened_on), reason=reason_def.code
        )
    return dispensation


def _check_document(document: UploadedDocument) -> None:
    if not document.content:
        raise PathwayError(_("The uploaded file is empty."))
    if len(document.content) > MAX_DOCUMENT_BYTES:
        raise PathwayError(_("The file is larger than 5 MB."))
    if document.content_type not in ALLOWED_DOCUMENT_TYPES:
        raise PathwayError(_("Upload a PDF, JPEG or PNG file."))


def read_document(actor: User, document: EvidenceDocument) -> UploadedDocument:
    """Decrypt an evidence document for an agent who may see the person (audited)."""
    newcomer = db.session.get(Newcomer, document.person_id)
    require(person_visible_to(actor, newcomer))
    with access(actor, "evidence.view", [document.person_id]):
        return UploadedDocument(document.filename, document.content_type, document.content)
