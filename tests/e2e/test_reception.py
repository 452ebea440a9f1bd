"""Reception pages in the browser (issue 5): the agent records a positioning test and a procedure
on a demo case, reads the reception module, the assessment form and the outbox; the public verify
page shows a valid certificate without any personal data. Screenshots and axe-core on each page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def _demo_targets(app) -> dict:
    """A case waiting for its positioning test, and a valid certificate with its person's values."""
    from sqlalchemy import select

    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Newcomer, StepInstance
    from integration_centre.pathway.states import CaseStatus, StepState
    from integration_centre.privacy.access import Actor, access
    from integration_centre.reception.models import Certificate

    with app.app_context():
        waiting = db.session.scalar(
            select(Case)
            .join(StepInstance, StepInstance.case_id == Case.id)
            .where(
                Case.status == CaseStatus.IN_PROGRESS,
                StepInstance.step_code == "language_test",
                StepInstance.state == StepState.PENDING,
            )
            .limit(1)
        )
        certificate = db.session.scalar(select(Certificate).where(Certificate.revoked_at.is_(None)).limit(1))
        newcomer = db.session.get(Newcomer, certificate.person_id)
        with access(Actor.system("e2e-check"), "e2e.check", [newcomer.id]):
            personal = [newcomer.family_name, newcomer.given_names, newcomer.date_of_birth.isoformat()]
            personal.append(newcomer.date_of_birth.strftime("%d/%m/%Y"))
        targets = {
            "case": str(waiting.id),
            "certificate_case": str(certificate.case_id),
            "code": certificate.code,
            "personal": [v for v in personal if v],
        }
        db.session.remove()
        return targets


def test_agent_reception_pages_and_public_verify(pages: Pages) -> None:
    targets = _demo_targets(pages.server.app)
    pages.login("agent")

    pages.goto(f"/cases/{targets['case']}/reception")
    pages.screenshot("reception-module")
    pages.check_accessibility("reception module")

    pages.goto(f"/cases/{targets['case']}/reception/test")
    pages.page.select_option("#level", "A1")
    pages.screenshot("reception-test-form")
    pages.check_accessibility("positioning test form")
    with pages.page.expect_navigation():
        pages.page.locator("main form button[type=submit]").click()
    assert pages.page.locator(".notice-success").count() == 1
    assert "A1" in pages.page.locator("#panel-reception-title").locator("..").inner_text()

    pages.goto(f"/cases/{targets['case']}/reception/tasks")
    with pages.page.expect_navigation():
        pages.page.locator("main form button[type=submit]").click()
    assert pages.page.locator(".error-summary").count() == 1  # no procedure chosen: refused, explained
    pages.screenshot("reception-task-refused")
    pages.check_accessibility("procedure form with errors")
    pages.page.select_option("#kind", "bank_account")
    with pages.page.expect_navigation():
        pages.page.locator("main form button[type=submit]").click()
    assert pages.page.locator(".notice-success").count() == 1

    pages.goto(f"/cases/{targets['case']}/reception/assessment")
    pages.screenshot("reception-assessment-form")
    pages.check_accessibility("social assessment form")

    pages.goto(f"/cases/{targets['case']}/reception/session")
    pages.screenshot("reception-session-form")
    pages.check_accessibility("information session form")

    pages.goto(f"/cases/{targets['certificate_case']}")
    assert pages.page.locator("#panel-certificate-title").count() == 1
    pages.screenshot("case-with-reception-panels")
    pages.check_accessibility("case page with reception panels")

    pages.goto("/reception/outbox")
    pages.screenshot("reception-outbox")
    pages.check_accessibility("notifications outbox")

    pages.logout()
    response = pages.goto(f"/verify/{targets['code']}")
    assert response.status == 200
    text = pages.page.locator("main").inner_text()
    assert re.search("Attestation valable|Valid certificate|Geldig attest", text)
    for value in targets["personal"]:
        assert value not in pages.page.content(), "the verify page shows personal data"
    pages.screenshot("verify-certificate")
    pages.check_accessibility("public verify page")
