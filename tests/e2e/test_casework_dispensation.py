"""Agent journey (issue 16): record a medical dispensation with its certificate (a real PDF file),
see it on the case page with the eligibility explained, download it; at desktop and phone width
(browser, screenshots, axe-core)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _case_without_dispensation(app) -> str:
    """An in-progress demo case of the agent's office whose person has no dispensation."""
    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Dispensation
    from integration_centre.pathway.states import CaseStatus

    with app.app_context():
        try:
            dispensed = select(Dispensation.person_id)
            office = select(User.office_id).where(User.email == "agent@demo.example").scalar_subquery()
            case_id = db.session.scalars(
                select(Case.id)
                .where(Case.status == CaseStatus.IN_PROGRESS, Case.person_id.not_in(dispensed))
                .where(Case.office_id == office)
                .order_by(Case.opened_on)
            ).first()
            assert case_id is not None, "the demo has in-progress cases without dispensation"
            return str(case_id)
        finally:
            db.session.remove()


def _certificate(path) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 8, "Certificat medical - incapacite de suivre le parcours", new_x="LMARGIN", new_y="NEXT")
    content = bytes(pdf.output())
    path.write_bytes(content)
    return content


def test_agent_records_a_medical_dispensation_and_downloads_the_certificate(pages: Pages, tmp_path) -> None:
    page = pages.page
    case_id = _case_without_dispensation(pages.server.app)
    certificate = tmp_path / "certificat-medical.pdf"
    content = _certificate(certificate)

    pages.login("agent")
    pages.goto(f"/cases/{case_id}")
    panel = page.get_by_test_id("dispensations")
    assert "Aucune dispense" in panel.inner_text() or panel.locator("table").count() == 0
    with page.expect_navigation():
        panel.get_by_role("link", name="Record a dispensation").or_(panel.locator("a.button")).first.click()
    assert pages.path == f"/cases/{case_id}/dispensations/new"
    pages.screenshot("dispensation-form")
    pages.check_accessibility("dispensation form")

    # Submitted without the evidence the medical reason requires: refused on the field.
    page.select_option("#reason", "medical")
    page.fill("#start_date", "2026-11-02")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#document-error").is_visible()
    pages.screenshot("dispensation-form-refused")
    pages.check_accessibility("dispensation form refused")

    page.select_option("#reason", "medical")
    page.fill("#start_date", "2026-11-02")
    page.set_input_files("#document", str(certificate))
    page.fill("#note", "Suivi hospitalier")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert pages.path.split("#")[0] == f"/cases/{case_id}"
    panel = page.get_by_test_id("dispensations")
    assert "certificat-medical.pdf" in panel.inner_text()
    assert "CWASS" in panel.inner_text()
    assert "Dispens" in page.get_by_test_id("eligibility").inner_text()
    pages.screenshot("dispensation-case-page")
    pages.check_accessibility("case page with a dispensation")

    with page.expect_download() as download:
        panel.get_by_role("link", name="certificat-medical.pdf").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == content

    page.set_viewport_size(PHONE)
    pages.goto(f"/cases/{case_id}")
    page.get_by_test_id("dispensations").scroll_into_view_if_needed()
    pages.screenshot("dispensation-case-page-phone")
    pages.check_accessibility("case page with a dispensation, phone width")
    pages.goto(f"/cases/{case_id}/dispensations/new")
    pages.screenshot("dispensation-form-phone")
    pages.check_accessibility("dispensation form, phone width")
