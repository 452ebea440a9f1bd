"""The person's documents to download: the reception agreement, the certificate, and the
convocation letters of their coming appointments.

The PDFs are the ones the office prints (``reception.documents``, ``agenda.letters``); the
person's copy of the agreement leaves the national register number out. A document is named by
its kind and the opaque id of what it belongs to (the case, the certificate, the appointment);
it is found only when it belongs to the session's person — otherwise None, and the page
answers 404. Every download is audited (action ``export``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre import clock
from integration_centre.agenda import letters
from integration_centre.agenda.convocation import letter_facts
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.reception import documents as pdfs
from integration_centre.reception.agreement import agreement_facts
from integration_centre.reception.certificates import format_code
from integration_centre.reception.models import Certificate
from integration_centre.space.appointments import own_appointment, upcoming
from integration_centre.space.pathway_view import cases_of

AGREEMENT, CERTIFICATE, CONVOCATION = "agreement", "certificate", "convocation"
KINDS = (AGREEMENT, CERTIFICATE, CONVOCATION)
TITLES = {
    AGREEMENT: _l("Your reception agreement"),
    CERTIFICATE: _l("Your certificate of attendance"),
    CONVOCATION: _l("Letter for your appointment"),
}


@dataclass(frozen=True)
class DocumentLink:
    """A document the person can download."""

    kind: str
    id: uuid.UUID
    title: str
    on: date | None  # the date it is about (signature, issue, appointment)


def documents_of(person_id: uuid.UUID) -> list[DocumentLink]:
    """The person's documents: signed agreements, valid certificates, coming appointments' letters.

    Reads ids, codes and dates only (no personal field): the page that lists them audits its view.
    """
    items: list[DocumentLink] = []
    cases = cases_of(person_id)
    for case in cases:
        if case.agreement_signed_on is not None:
            items.append(DocumentLink(AGREEMENT, case.id, str(TITLES[AGREEMENT]), case.agreement_signed_on))
    if cases:
        certificates = db.session.scalars(
            select(Certificate)
            .where(Certificate.case_id.in_([c.id for c in cases]), Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_on.desc())
        )
        for certificate in certificates:
            items.append(DocumentLink(CERTIFICATE, certificate.id, str(TITLES[CERTIFICATE]), certificate.issued_on))
    for appointment in upcoming(person_id):
        local = appointment.starts_at.astimezone(clock.zone()).date()
        items.append(DocumentLink(CONVOCATION, appointment.id, str(TITLES[CONVOCATION]), local))
    return items


def _language(choices: tuple[str, ...]) -> str:
    language = current_language()
    return language if language in choices else "fr"


def _agreement(actor: Actor, person_id: uuid.UUID, case_id: uuid.UUID, purpose: str) -> tuple[bytes, str] | None:
    case = db.session.get(Case, case_id)
    if case is None or case.person_id != person_id or case.agreement_signed_on is None:
        return None
    language = _language(pdfs.DOCUMENT_LANGUAGES)
    newcomer = db.session.get(Newcomer, person_id)
    with access(actor, purpose, [person_id], action="export"):
        person = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "date_of_birth": newcomer.date_of_birth,
        }
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    content = agreement_facts(case, language, person=person, dates=dates)
    return pdfs.agreement_pdf(content, language), f"agreement-{language}.pdf"


def _certificate(
    actor: Actor, person_id: uuid.UUID, certificate_id: uuid.UUID, purpose: str
) -> tuple[bytes, str] | None:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.person_id != person_id or certificate.is_revoked:
        return None
    language = _language(pdfs.DOCUMENT_LANGUAGES)
    with access(actor, purpose, [person_id], action="export"):
        content = dict(certificate.snapshot)
    content.update(
        code=certificate.code,
        issued_on=certificate.issued_on,
        centre=certificate.centre.name if certificate.centre else "",
        revoked=False,
    )
    verify_url = url_for("reception.verify_certificate", code=certificate.code, _external=True)
    body = pdfs.certificate_pdf(content, language, verify_url, format_code(certificate.code))
    return body, f"certificate-{language}.pdf"


def _convocation(
    actor: Actor, person_id: uuid.UUID, appointment_id: uuid.UUID, purpose: str
) -> tuple[bytes, str] | None:
    appointment = own_appointment(person_id, appointment_id)
    if appointment is None or not appointment.is_active:
        return None
    language = _language(letters.languages())
    with access(actor, purpose, [person_id], action="export"):
        body = letters.render(letter_facts(appointment, language), language)
    return body, f"convocation-{language}.pdf"


def download(
    actor: Actor, person_id: uuid.UUID, kind: str, document_id: uuid.UUID, purpose: str
) -> tuple[bytes, str] | None:
    """(PDF, file name) of the person's document ``kind``/``document_id``, or None when there is
    no such document of this person (the page answers 404). The download is audited."""
    builders = {AGREEMENT: _agreement, CERTIFICATE: _certificate, CONVOCATION: _convocation}
    builder = builders.get(kind)
    return builder(actor, person_id, document_id, purpose) if builder is not None else None
