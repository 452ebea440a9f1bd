"""Issue 16 in the browser: the agent edits a file with a field that changes eligibility (the
confirmation page shows the assessment now and after the change), confirms, and the case page
shows the new status; then records the needs analysis. Screenshots at desktop and phone width,
axe-core on each page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _both_widths(pages, name: str) -> None:
    """Screenshot and axe-core at desktop width, then at phone width (back to desktop after)."""
    pages.screenshot(f"casework-{name}")
    pages.check_accessibility(name)
    pages.page.set_viewport_size(PHONE)
    pages.screenshot(f"casework-{name}-phone")
    pages.check_accessibility(f"{name} (phone)")
    pages.page.set_viewport_size(DESKTOP)


def _submit(pages) -> None:
    with pages.page.expect_navigation():
        pages.page.locator("main form[method=post] button[type=submit]").first.click()


def _obliged_case(app) -> str:
    """An in-progress case of the demo agent's office whose person is obliged today."""
    from sqlalchemy import select

    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.pathway.eligibility import assess
    from integration_centre.pathway.models import Case, Newcomer
    from integration_centre.pathway.reading import definition_of, facts_of
    from integration_centre.pathway.states import CaseStatus, Participation
    from integration_centre.privacy.access import Actor, access
    from tests.e2e.harness import DEMO_EMAILS

    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["agent"]))
        cases = db.session.scalars(
            select(Case).where(
                Case.office_id == agent.office_id,
                Case.status == CaseStatus.IN_PROGRESS,
                Case.participation == Participation.OBLIGED,
            )
        ).all()
        for case in cases:
            newcomer = db.session.get(Newcomer, case.person_id)
            with access(Actor.system("e2e-check"), "e2e.check", [newcomer.id]):
                facts = facts_of(newcomer)
            if assess(facts, definition_of(case)).status == "obliged":
                found = str(case.id)
                db.session.remove()
                return found
    raise AssertionError("the demo has no obliged case in progress at the agent's office")


def _fr(app, msgid: str) -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid)


def test_agent_edits_a_file_then_records_the_needs_analysis(pages) -> None:
    app = pages.server.app
    case_id = _obliged_case(app)
    pages.login("agent")
    pages.goto(f"/cases/{case_id}")
    eligibility = pages.page.locator("[data-testid=eligibility]")
    assert _fr(app, "Obliged") in eligibility.inner_text()

    with pages.page.expect_navigation():
        pages.page.locator("[data-testid=edit-file]").click()
    assert pages.path == f"/cases/{case_id}/file"
    _both_widths(pages, "edit-file")

    # A permit ordered in January 2021: more than three years of stay today, outside the scope.
    pages.page.fill("#permit_order_date", "2021-01-04")
    pages.page.fill("#registration_date", "2021-01-11")
    _submit(pages)
    preview = pages.page.locator("[data-testid=assessment-preview]")
    assert preview.count() == 1
    assert _fr(app, "Obliged") in pages.page.locator("[data-testid=assessment-current]").inner_text()
    assert _fr(app, "Outside the scope") in pages.page.locator("[data-testid=assessment-proposed]").inner_text()
    _both_widths(pages, "edit-file-confirm")

    _submit(pages)
    assert pages.path == f"/cases/{case_id}"
    assert pages.page.locator(".notice-success").count() == 1
    # Outside the scope (a stay of more than 3 years) and taking part: a voluntary participant (rule 2).
    eligibility = pages.page.locator("[data-testid=eligibility]").inner_text()
    assert "Volontaire" in eligibility and "Hors public" in eligibility
    timeline = pages.page.locator("[data-testid=timeline]").inner_text()
    assert _fr(app, "Person's file edited") in timeline  # with the field names, never the values
    assert _fr(app, "Date the residence permit was ordered") in timeline and "04/01/2021" not in timeline
    _both_widths(pages, "case-after-edit")

    with pages.page.expect_navigation():
        pages.page.locator("[data-testid=needs-panel] a").click()
    assert pages.path == f"/cases/{case_id}/needs"
    _both_widths(pages, "needs-analysis")
    _submit(pages)  # no reasons: refused, explained
    assert pages.page.locator(".error-summary").count() == 1
    pages.page.locator("input[name=needs][value=french]").check()
    pages.page.fill("#reasons", "Positionnement A1 : le français est nécessaire.")
    _submit(pages)
    assert pages.path == f"/cases/{case_id}"
    panel = pages.page.locator("[data-testid=needs-panel]").inner_text()
    assert _fr(app, "Not recorded yet") not in panel
    assert _fr(app, "Needs analysis recorded") in pages.page.locator("[data-testid=timeline]").inner_text()
    _both_widths(pages, "case-after-needs")
