"""The certificate: issue, snapshot, revocation and the public verification.

A certificate of attendance in Wallonia and Brussels; in Flanders a certificate of civic
integration resting on results, or on a declaration of effort (``pathway.certification``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Office, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import DONE_STEP_STATES, CaseStatus, StepState
from integration_centre.privacy.access import access
from integration_centre.reception.common import MAX_DETAIL, ReceptionInvalid, case_in_reach, emit, today_or
from integration_centre.reception.labels import REVOCATION_REASONS
from integration_centre.reception.models import Certificate

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


def certificate_missing_steps(case: Case) -> list[str]:
    """Labels of the steps that still stop the certificate (``pathway.steps_still_to_do``: the
    steps that apply to this person, the needs analysis included, not yet done)."""
    language = current_language()
    return [step_def.label(language) for step_def in pathway.steps_still_to_do(case)]


def active_certificate(case: Case) -> Certificate | None:
    """The case's certificate that is not revoked, if any."""
    return db.session.scalar(
        select(Certificate).where(Certificate.case_id == case.id, Certificate.revoked_at.is_(None))
    )


def certificates_of(actor: User, case: Case) -> list[Certificate]:
    """Every certificate of the case, newest first."""
    case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.case_id == case.id).order_by(Certificate.created_at.desc())
        )
    )


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def format_code(code: str) -> str:
    """The verification code in groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(value: str) -> str:
    """A typed or scanned code back to its stored form (dashes, spaces, case ignored)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def issue_certificate(
    actor: User, case: Case, *, on: date | None = None, expected_version: int | None = None
) -> Certificate:
    """Issue the certificate of attendance once every mandatory step is completed or exempted.

    Completes the certificate step (the pathway refuses while optional steps that apply are still
    open), stores the encrypted snapshot printed on the PDF, emits ``certificate_issued``.
    """
    case_in_reach(actor, case)
    pathway.check_version(case, expected_version)
    on = today_or(on)
    ensure_writable(case.person_id)
    missing = certificate_missing_steps(case)
    if missing:
        raise PathwayError(_("The certificate needs first: %(steps)s.", steps=", ".join(missing)))
    pathway.check_certifiable(case)  # Flanders: results reached, or a declaration of effort
    if active_certificate(case) is not None:
        raise PathwayError(_("A valid certificate already exists for this case: revoke it first to issue another."))
    if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.COMPLETED):
        raise PathwayError(
            _(
                "The case is %(status)s: no certificate can be issued.",
                status=pathway.STATUS_LABELS[CaseStatus(case.status)],
            )
        )
    definition = pathway.definition_of(case)
    final = next((s for s in definition.steps if s.ends_pathway), None)
    if final is not None and case.step(final.code).state not in DONE_STEP_STATES:
        step = case.step(final.code)
        if step.state in (StepState.PENDING, StepState.PLANNED):
            pathway.transition_step(actor, case, final.code, "start", on=on)
        pathway.transition_step(actor, case, final.code, "complete", on=on)
    certificate = Certificate(
        person_id=case.person_id,
        code=_new_code(),
        case_id=case.id,
        office_id=case.office_id,
        centre_id=case.centre_id,
        issued_on=on,
        issued_by_id=actor.id,
    )
    snapshot = _certificate_snapshot(actor, case, definition)
    with access(actor, "reception.certificate", [case.person_id], action="update"):
        certificate.snapshot = snapshot
    db.session.add(certificate)
    pathway.add_timeline_entry(actor, case, "certificate.issue")
    pathway.flush_or_conflict()
    emit(actor, case, "certificate_issued", on)
    return certificate


def _certificate_snapshot(actor: User, case: Case, definition: PathwayDefinition) -> dict:
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.certificate", [case.person_id]):
        person = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "date_of_birth": newcomer.date_of_birth.isoformat() if newcomer.date_of_birth else None,
            "nationality": newcomer.nationality,
        }
    modules = []
    for step_def in definition.steps:
        if step_def.ends_pathway:
            continue
        step = case.step(step_def.code)
        if step.state not in DONE_STEP_STATES or step.state_reason == "condition_not_met":
            continue
        modules.append(
            {
                "code": step_def.code,
                "labels": dict(step_def.labels),
                "state": step.state.value if hasattr(step.state, "value") else str(step.state),
                "hours": f"{Decimal(step.hours or 0).normalize():f}",
                "started_on": step.started_on.isoformat() if step.started_on else None,
                "ended_on": step.ended_on.isoformat() if step.ended_on else None,
                "result": step.result,
            }
        )
    office = db.session.get(Office, case.office_id)
    return {
        "person": person,
        "office": office.name if office else "",
        "definition": dict(definition.labels),
        "modules": modules,
        # attendance (Wallonia, Brussels), results or declaration_of_effort (Flanders)
        "basis": pathway.certificate_basis(case),
    }


def certificate_content(actor: User, certificate: Certificate) -> dict:
    """The decrypted snapshot with the clear metadata, for the PDF (audited export)."""
    case = db.session.get(Case, certificate.case_id)
    case_in_reach(actor, case)
    with access(actor, "reception.certificate", [certificate.person_id], action="export"):
        snapshot = dict(certificate.snapshot)
    snapshot["code"] = certificate.code
    snapshot["issued_on"] = certificate.issued_on
    snapshot["centre"] = certificate.centre.name if certificate.centre else ""
    snapshot["revoked"] = certificate.is_revoked
    return snapshot


def get_certificate(actor: User, certificate_id) -> Certificate:
    """The certificate ``certificate_id`` if its case is in reach, else 404."""
    certificate = db.session.get(Certificate, certificate_id)
    require(certificate is not None)
    case_in_reach(actor, db.session.get(Case, certificate.case_id))
    return certificate


def revoke_certificate(actor: User, certificate: Certificate, *, reason: str, note: str | None = None) -> Certificate:
    """Revoke a certificate with a reason; /verify then shows it as revoked."""
    case = db.session.get(Case, certificate.case_id)
    case_in_reach(actor, case)
    errors: dict[str, str] = {}
    if reason not in REVOCATION_REASONS:
        errors["reason"] = _("Choose why the certificate is revoked.")
    note = (note or "").strip() or None
    if reason == "other" and not note:
        errors["note"] = _("Explain the reason.")
    if note and len(note) > MAX_DETAIL:
        errors["note"] = _("At most %(count)s characters.", count=MAX_DETAIL)
    if errors:
        raise ReceptionInvalid(errors)
    if certificate.is_revoked:
        raise PathwayError(_("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    if note:
        with access(actor, "reception.certificate", [certificate.person_id], action="update"):
            certificate.revocation_note = note
    pathway.add_timeline_entry(actor, case, "certificate.revoke", reason=reason)
    pathway.flush_or_conflict()
    emit(actor, case, "certificate_revoked", clock.today(), reason=reason)
    return certificate


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: nothing personal."""

    code: str
    valid: bool
    issued_on: date
    centre: str
    revoked_on: date | None


def verify(code: str) -> Verification | None:
    """Look a certificate up by its verification code (public: no personal data returned)."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return None
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == normalised))
    if certificate is None:
        return None
    return Verification(
        code=certificate.code,
        valid=not certificate.is_revoked,
        issued_on=certificate.issued_on,
        centre=certificate.centre.name if certificate.centre else "",
        revoked_on=certificate.revoked_at.date() if certificate.revoked_at else None,
    )
