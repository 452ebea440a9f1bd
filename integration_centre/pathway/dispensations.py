"""Dispensations: recording one (legal basis, evidence document), revoking it, listing a person's."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import documents
from integration_centre.pathway.assessment import apply_reassessment
from integration_centre.pathway.case_events import emit_transition_event
from integration_centre.pathway.documents import UploadedDocument
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Dispensation, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.reading import applicable_definition, centre_jurisdiction, definition_of
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access

# The kind of evidence each legal reason's document is (anything else: "other").
EVIDENCE_KIND = {
    "medical": documents.MEDICAL_CERTIFICATE,
    "diploma": "diploma",
    "belgian_diploma": "diploma",
    "certificate_held": "diploma",
    "work": "work_contract",
}


def record_dispensation(
    actor: User,
    newcomer: Newcomer,
    reason: str,
    start_date: date,
    *,
    case: Case | None = None,
    document: UploadedDocument | None = None,
    document_kind: str | None = None,
    end_date: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Dispensation:
    """Record a dispensation validated by ``actor`` (legal basis from the definition).

    The evidence document, when the reason requires one, is mandatory; it is checked and stored
    sealed under the person's key (``documents.store_document``), as ``document_kind`` (by default
    the kind the reason implies: a medical certificate for the medical reason). With a case: one
    timeline entry and one ``dispensation_recorded`` event; a mid-pathway reason (work…) ends the
    case's obligation from ``start_date``.
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
        raise PathwayError(
            _("Choose a dispensation reason from the list."), field_errors={"reason": _("Choose a reason.")}
        ) from exc
    if start_date is None:
        raise PathwayError(
            _("Enter the date the dispensation starts."), field_errors={"start_date": _("Enter a date.")}
        )
    if end_date is not None and end_date < start_date:
        raise PathwayError(
            _("The end date is before the start date."), field_errors={"end_date": _("Enter a later date.")}
        )
    if reason_def.evidence_required and document is None:
        message = _("This reason requires an evidence document: upload it.")
        raise PathwayError(message, field_errors={"document": message})
    kind = document_kind or EVIDENCE_KIND.get(reason_def.code, "other")
    if document is not None:
        documents.check_upload(document)  # refuse before anything is written
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
        documents.store_document(actor, newcomer, document, kind, case=case, dispensation=dispensation)
    if case is not None:
        if reason_def.can_start_mid_pathway:
            case.obligation_ended_on = (
                start_date if case.obligation_ended_on is None else min(case.obligation_ended_on, start_date)
            )
        touch_case(case)
        # The reason may be health data: the timeline keeps only that a dispensation was recorded.
        timeline_entry(actor, case, "dispensation.record")
    flush_or_conflict()
    if case is not None:
        # A dispensation recorded on a case is an explicit change of its kept status (from its start).
        apply_reassessment(actor, case, "dispensation", max(start_date, case.opened_on))
        flush_or_conflict()
    if case is not None:
        emit_transition_event(
            actor, "dispensation_recorded", case, max(start_date, case.opened_on), reason=reason_def.code
        )
    return dispensation


def revoke_dispensation(
    actor: User,
    dispensation: Dispensation,
    *,
    case: Case | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Dispensation:
    """Revoke a dispensation (it no longer counts for eligibility); the note says why.

    With a case: one timeline entry (the note encrypted) and, when the dispensation had ended the
    case's obligation mid-pathway, the obligation's end is recomputed from the remaining ones.
    """
    newcomer = db.session.get(Newcomer, dispensation.person_id)
    require(person_visible_to(actor, newcomer))
    ensure_writable(newcomer.id)
    if case is not None:
        require(can_see_case(actor, case) and case.person_id == newcomer.id)
        check_version(case, expected_version)
    if dispensation.revoked_at is not None:
        raise PathwayError(_("This dispensation was already revoked."))
    if not (note or "").strip():
        message = _("Say why the dispensation is revoked.")
        raise PathwayError(message, field_errors={"note": message})
    dispensation.revoked_at = utcnow()
    dispensation.revoked_by_id = actor.id
    if case is not None:
        if dispensation.case_id == case.id:
            _recompute_obligation_end(actor, case)
        touch_case(case)
        timeline_entry(actor, case, "dispensation.revoke", note=note.strip())
    flush_or_conflict()
    if case is not None:
        apply_reassessment(actor, case, "dispensation_revoked", case.opened_on)
        flush_or_conflict()
    return dispensation


def _recompute_obligation_end(actor: User, case: Case) -> None:
    """The earliest start of the case's remaining mid-pathway dispensations (None without any)."""
    definition = definition_of(case)
    mid_pathway = {r.code for r in definition.dispensation_reasons if r.can_start_mid_pathway}
    rows = [
        row
        for row in db.session.scalars(select(Dispensation).where(Dispensation.case_id == case.id))
        if row.revoked_at is None
    ]
    with access(actor, "dispensation.revoke", [case.person_id], action="update"):
        starts = [row.start_date for row in rows if row.reason in mid_pathway]
    case.obligation_ended_on = min(starts) if starts else None


def dispensations_of(actor: User, newcomer: Newcomer) -> list[dict]:
    """The person's dispensations, latest first, decrypted (one audited access): row, reason,
    legal basis, note, revoked or not, and the documents ``actor`` may read."""
    require(person_visible_to(actor, newcomer))
    rows = db.session.scalars(
        select(Dispensation)
        .where(Dispensation.person_id == newcomer.id)
        .order_by(Dispensation.start_date.desc(), Dispensation.validated_at.desc())
    ).all()
    if not rows:
        return []
    readable = {d["row"].id: d for d in documents.documents_of(actor, newcomer, purpose="dispensation.view")}
    with access(actor, "dispensation.view", [newcomer.id]):
        return [
            {
                "row": row,
                "reason": row.reason,
                "legal_basis": row.legal_basis,
                "note": row.note,
                "revoked": row.revoked_at is not None,
                "documents": [readable[d.id] for d in row.documents if d.id in readable],
            }
            for row in rows
        ]
