"""The office's side of the personal link (issue 20): issue a link from the case page, the printable
sheet with its QR code and the person's instructions, then revoke it after the confirmation
(browser, screenshots, axe-core). Another person than the demo person's, whose link stays live."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def _case_of_another_person(app) -> str:
    """An open demo case of the agent's office, not the demo person's (their link stays live)."""
    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case
    from integration_centre.pathway.states import CaseStatus
    from integration_centre.space.models import SpaceLink

    with app.app_context():
        try:
            office = select(User.office_id).where(User.email == "agent@demo.example").scalar_subquery()
            case_id = db.session.scalars(
                select(Case.id)
                .where(Case.status == CaseStatus.IN_PROGRESS, Case.office_id == office)
                .where(Case.person_id.not_in(select(SpaceLink.person_id)))
                .order_by(Case.opened_on.desc())
            ).first()
            assert case_id is not None
            return str(case_id)
        finally:
            db.session.remove()


def test_agent_issues_prints_and_revokes_a_personal_link(pages: Pages) -> None:
    page = pages.page
    case_id = _case_of_another_person(pages.server.app)
    pages.login("agent")
    pages.goto(f"/cases/{case_id}")
    panel = page.locator("#space-link")
    assert panel.get_attribute("data-testid") == "space-link"
    assert panel.locator("[data-state=none]").count() == 1
    panel.locator("[data-testid=space-link-issue]").click()
    page.wait_for_load_state()
    sheet = page.locator("[data-testid=space-sheet]")
    url = page.locator("[data-testid=space-link-url]").inner_text()
    assert re.fullmatch(r"http://[^/]+/my/link/[A-Za-z0-9_-]{40,}", url), url
    assert sheet.locator("svg").count() == 1
    pages.screenshot("space-link-sheet")
    pages.check_accessibility("personal link sheet")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    pages.screenshot("space-link-sheet-print")
    page.emulate_media(media="screen")
    pages.goto(f"/cases/{case_id}")
    assert page.locator("#space-link [data-state=live]").count() == 1
    pages.screenshot("space-link-panel-live")
    pages.check_accessibility("case page with a live personal link")
    page.locator("[data-testid=space-link-revoke]").click()
    page.wait_for_load_state()
    pages.check_accessibility("revoke confirmation")
    page.locator("[data-testid=space-link-revoke-confirm]").click()
    page.wait_for_load_state()
    assert page.locator("#space-link [data-state=revoked]").count() == 1
    page.goto(url)
    assert "This link does not work" in page.content() or "Ce lien ne fonctionne pas" in page.content()


def _demo_link(app) -> tuple[str, str]:
    """The demo person's link path and date of birth (ISO)."""
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Newcomer
    from integration_centre.privacy.access import access
    from integration_centre.space import demo, links

    with app.app_context():
        try:
            token = demo.demo_token()
            link = links.live_link(token)
            assert link is not None, "the demo person has a live link"
            with access(demo.DEMO_ACTOR, "space.demo", [link.person_id]):
                born = db.session.get(Newcomer, link.person_id).date_of_birth
            return f"/my/link/{token}", born.isoformat()
        finally:
            db.session.remove()


def test_the_person_sets_up_an_account_on_a_phone(pages: Pages) -> None:
    page = pages.page
    page.set_viewport_size({"width": 390, "height": 844})
    pages.goto("/my/login")
    pages.screenshot("space-login-phone")
    pages.check_accessibility("space login, phone width")
    path, born = _demo_link(pages.server.app)
    pages.goto(path)
    page.locator("input[name=birth_date]").fill(born)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert pages.path == "/my/"
    pages.goto("/my/account")
    pages.check_accessibility("space account, phone width")
    page.locator("input[name=email]").fill("demo.person@example.org")
    page.locator("input[name=password]").fill("un jardin sous la pluie")
    page.locator("input[name=confirm]").fill("un jardin sous la pluie")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=account-state]").count() == 1
    pages.screenshot("space-account-phone")
    pages.goto("/my/account/code")
    assert page.locator(".space-qr svg").count() == 1
    pages.screenshot("space-account-code-phone")
    pages.check_accessibility("space second factor, phone width")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
