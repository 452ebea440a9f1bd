"""Criterion 2: the agreement and the certificate are real PDFs whose text holds the expected
modules, hours and verification code; /verify/<code> shows valid, then revoked, never a name."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.states import StepState
from integration_centre.reception import documents, services
from integration_centre.reception.models import Certificate
from tests.conftest import login, make_app
from tests.reception.helpers import do_reception, finish_training, pdf_text, pdftotext

NISS = "85073003328"
PERSON = {"family_name": "Zyxwabcq", "given_names": "Quorvinda", "niss": NISS, "date_of_birth": date(1985, 7, 30)}


def tr(language: str, msgid: str, **variables) -> str:
    """``msgid`` as the ``language`` layout prints it."""
    with force_locale(language):
        return gettext(msgid, **variables)


@pytest.fixture
def finished_case(agent, started_case):
    """A Wallonia 2025 case with every mandatory step done (placement test B1)."""
    case = started_case(**PERSON)
    do_reception(agent, case, level="B1")
    finish_training(agent, case)
    return case


def _issue(client, case) -> Certificate:
    response = client.post(f"/cases/{case.id}/certificate/issue", data={})
    assert response.status_code == 302, response.get_data(as_text=True)
    certificate = services.active_certificate(case)
    assert certificate is not None
    return certificate


def test_agreement_pdf_lists_steps_hours_and_deadlines(client, agent, started_case):
    case = started_case(**PERSON)
    services.record_positioning_test(agent, case, tested_on=date(2025, 3, 4), level="A1", today=date(2025, 3, 4))
    db.session.commit()
    login(client, agent)
    response = client.get(f"/cases/{case.id}/agreement.pdf?lang=fr")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    for text in (pdf_text(response.data), pdftotext(response.data)):
        assert tr("fr", "Reception agreement") in text
        assert "Formation à la citoyenneté" in text  # French labels from the rule version
        assert "Formation à la langue française (FLE)" in text  # A1 < A2: the French course applies
        assert tr("fr", "at least %(hours)s h", hours="400") in text
        assert tr("fr", "at least %(hours)s h", hours="60") in text
        assert "Zyxwabcq" in text and "85073003328" in text
        assert "2028" in text  # completion deadline: permit ordered 3 Feb 2025 + 36 months
    with force_locale("fr"):
        assert documents._date(date(2028, 2, 3)) in pdftotext(response.data)


def test_agreement_in_english_and_dutch_layouts(client, agent, started_case):
    case = started_case(**PERSON)
    login(client, agent)
    english = pdf_text(client.get(f"/cases/{case.id}/agreement.pdf?lang=en").data)
    dutch = pdf_text(client.get(f"/cases/{case.id}/agreement.pdf?lang=nl").data)
    assert "Citizenship training" in english and tr("en", "Reception agreement") in english
    assert "Burgerschapsvorming" in dutch and tr("nl", "Reception agreement") in dutch
    unknown = client.get(f"/cases/{case.id}/agreement.pdf?lang=xx")
    assert "Formation à la citoyenneté" in pdf_text(unknown.data)  # French when no layout exists


def test_signature_records_the_date_completes_the_step_and_emits(agent, started_case):
    case = started_case(**PERSON)
    with pytest.raises(PathwayError):
        services.sign_agreement(agent, case, signed_on=date(2025, 3, 5), today=date(2025, 3, 5))
    db.session.rollback()
    assert case.agreement_signed_on is None
    with events.collect() as received:
        do_reception(agent, case)
    assert case.agreement_signed_on == date(2025, 3, 5)
    assert case.step("agreement").state == StepState.COMPLETED
    assert "signed_agreement" in case.step("agreement").evidence
    assert "agreement_signed" in [e.type for e in received]
    assert "agreement.sign" in [entry.action for entry in case.timeline]


def test_certificate_not_available_before_mandatory_steps(client, agent, started_case):
    case = started_case(**PERSON)
    do_reception(agent, case)
    login(client, agent)
    page = client.get(f"/cases/{case.id}/certificate/issue").get_data(as_text=True)
    assert "Formation à la citoyenneté" in html.unescape(page) or "Citizenship training" in page
    response = client.post(f"/cases/{case.id}/certificate/issue", data={})
    assert response.status_code == 200
    assert db.session.query(Certificate).count() == 0


def test_certificate_pdf_holds_modules_hours_and_code_in_three_layouts(client, agent, finished_case):
    case = finished_case
    login(client, agent)
    with events.collect() as received:
        certificate = _issue(client, case)
    assert "certificate_issued" in [e.type for e in received]
    assert case.step("certificate").state == StepState.COMPLETED
    assert "certificate.issue" in [entry.action for entry in case.timeline]
    assert re.fullmatch(r"[A-Z2-9]{16}", certificate.code)
    formatted = services.format_code(certificate.code)
    labels = {
        "fr": ("Bilan social", "Formation à la citoyenneté", "Information sur les droits et devoirs"),
        "en": ("Social assessment", "Citizenship training", "Information on rights and duties"),
        "nl": ("Sociale balans", "Burgerschapsvorming", "Informatie over rechten en plichten"),
    }
    for language, expected in labels.items():
        response = client.get(f"/certificates/{certificate.id}.pdf?lang={language}")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        for text in (pdf_text(response.data), pdftotext(response.data)):
            assert tr(language, "Certificate of attendance") in text
            for label in expected:
                assert label in text, (language, label)
            assert "Quorvinda Zyxwabcq" in text
            assert formatted in text
            assert f"/verify/{certificate.code}" in text
            assert tr(language, "Total hours: %(hours)s", hours="63") in text  # 3 h session + 60 h citizenship
        assert "Formation à la langue française" not in pdf_text(response.data)  # not applicable (B1)


def test_certificate_qr_code_points_at_the_verify_page(client, agent, finished_case):
    from PIL import Image

    login(client, agent)
    certificate = _issue(client, finished_case)
    body = client.get(f"/certificates/{certificate.id}.pdf").data
    images = [image.image for page in PdfReader(io.BytesIO(body)).pages for image in page.images]
    assert len(images) == 1, "the QR code image is embedded"
    embedded = images[0].convert("L")
    expected = Image.open(io.BytesIO(documents.qr_png(f"http://localhost/verify/{certificate.code}"))).convert("L")
    other = Image.open(io.BytesIO(documents.qr_png("http://localhost/verify/" + "A" * 16))).convert("L")
    assert embedded.size == expected.size
    assert embedded.tobytes() == expected.tobytes()
    assert embedded.tobytes() != other.tobytes()


def _assert_no_personal_data(text: str) -> None:
    lowered = text.lower()
    for value in ("Zyxwabcq", "Quorvinda", NISS, "85.07.30-033.28", "1985-07-30", "30/07/1985", "30.07.1985"):
        assert value.lower() not in lowered, value
    assert "1985" not in text


def test_verify_page_valid_then_revoked_never_personal_data(client, app, agent, finished_case):
    login(client, agent)
    certificate = _issue(client, finished_case)
    code = certificate.code
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{code}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Valid certificate" in text or tr("fr", "Valid certificate") in text
    assert "Centre de Namur" in text
    _assert_no_personal_data(text)
    # Codes are accepted as printed (grouped, lower case).
    assert anonymous.get(f"/verify/{services.format_code(code).lower()}").status_code == 200

    form = client.get(f"/certificates/{certificate.id}/revoke")
    assert form.status_code == 200
    refused = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "fraud"})
    assert refused.status_code == 200  # the confirmation box was not ticked
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    still = html.unescape(anonymous.get(f"/verify/{code}").get_data(as_text=True))
    assert "Valid certificate" in still or tr("fr", "Valid certificate") in still
    with events.collect() as received:
        done = client.post(
            f"/certificates/{certificate.id}/revoke", data={"reason": "issued_in_error", "note": "", "confirm": "y"}
        )
    assert done.status_code == 302
    assert [e.type for e in received] == ["certificate_revoked"]
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.revoked_at is not None and revoked.revocation_reason == "issued_in_error"
    page = anonymous.get(f"/verify/{code}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Revoked certificate" in text or tr("fr", "Revoked certificate") in text
    assert "Valid certificate" not in text and tr("fr", "Valid certificate") not in text
    _assert_no_personal_data(text)
    revoked_pdf = pdf_text(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert tr("fr", "REVOKED — this certificate is no longer valid.") in revoked_pdf
    case = finished_case
    db.session.refresh(case)
    assert "certificate.revoke" in [entry.action for entry in case.timeline]
    # A new certificate may be issued after a revocation, with a new code.
    again = _issue(client, case)
    assert again.code != code


def test_unknown_code_is_404_without_echoing_much(app):
    client = app.test_client()
    response = client.get("/verify/NOPE-NOPE")
    assert response.status_code == 404
    assert client.get("/verify/" + "A" * 16).status_code == 404


def test_verify_is_rate_limited(db_url, _schema, tmp_path, org):
    limited = make_app(db_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with limited.app_context():
        client = limited.test_client()
        codes = [client.get("/verify/" + "B" * 16).status_code for _ in range(31)]
        db.session.remove()
        db.engine.dispose()
    assert codes[:30] == [404] * 30
    assert codes[30] == 429


def test_verify_codes_are_unique_and_unguessable(agent, finished_case):
    codes = {services._new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == services.CODE_LENGTH and set(c) <= set(services.CODE_ALPHABET) for c in codes)


def test_a_step_not_needed_is_not_still_to_do_unless_under_way(agent, started_case):
    """B1 and no orientation need: French and orientation are "not needed" on the case page, so
    they are not "still to do" for the certificate either — unless one was started meanwhile."""
    case = started_case(**PERSON)
    do_reception(agent, case, level="B1")
    from integration_centre.pathway import services as pathway
    from integration_centre.pathway.services import StepChange

    on = date(2025, 9, 1)
    definition = pathway.definition_of(case)
    assert pathway.step_required(case, definition.step("french_course"), definition) is False
    pathway.transition_step(agent, case, "french_course", "start", on=on)  # the person wants it all the same
    pathway.transition_step(agent, case, "citizenship", "start", on=on)
    change = StepChange(hours="60", evidence=("attendance_record",), result="aoc")
    pathway.transition_step(agent, case, "citizenship", "complete", change, on=on)
    db.session.commit()
    missing = services.certificate_missing_steps(case)
    assert missing == ["Formation à la langue française (FLE)"] or missing == ["French language training"]
    with pytest.raises(PathwayError):
        services.issue_certificate(agent, case, on=on)
    db.session.rollback()
    pathway.transition_step(agent, case, "french_course", "cancel", StepChange(reason="other"), on=on)
    db.session.commit()
    assert services.certificate_missing_steps(case) == []
    assert case.step("orientation").state == "pending"  # never started, not needed: no need to close it
    assert services.issue_certificate(agent, case, on=on).code
