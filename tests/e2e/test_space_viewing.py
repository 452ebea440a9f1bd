"""Issue 20, acceptance 1 (viewing part), on a phone (390 px): open the personal link, give the
date of birth, see the steps and the next appointment, download the agreement, read who accessed
the file — with no horizontal scroll on any page, and axe-core clean."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.harness import DEMO_EMAILS, Pages

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
BIRTH = date(1991, 4, 17)


def _seed(app) -> str:
    """A person of the demo agent's office with a full space; returns their personal link's token."""
    from sqlalchemy import select

    from integration_centre.accounts.models import OperatorOrganisation, User
    from integration_centre.extensions import db
    from integration_centre.space import links
    from tests.space.seed import seed_person

    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["agent"]))
        operator = db.session.scalar(select(OperatorOrganisation).order_by(OperatorOrganisation.id).limit(1))
        seeded = seed_person(agent, agent.office, operator, birth_date=BIRTH, given_names="Samira", hour=11)
        _link, token = links.issue(seeded.person.id, office_id=agent.office_id, issued_by_id=agent.id)
        db.session.commit()
        return token


def _no_horizontal_scroll(pages: Pages, name: str) -> None:
    width = pages.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
    pages.screenshot(f"space-viewing-{name}")
    pages.check_accessibility(f"space {name} (phone)")


def test_a_person_views_their_space_on_a_phone(pages: Pages):
    token = _seed(pages.server.app)
    page = pages.page
    page.set_viewport_size(PHONE)

    pages.goto(f"/my/link/{token}")
    _no_horizontal_scroll(pages, "open")
    page.locator("input[name=birth_date]").fill(BIRTH.isoformat())
    pages.submit()
    assert pages.path == "/my/"
    assert "Samira" in page.locator("main").inner_text()
    assert page.get_by_test_id("next-appointment").is_visible()
    _no_horizontal_scroll(pages, "home")

    with page.expect_navigation():
        page.locator("a[href='/my/steps']").click()
    assert page.get_by_test_id("steps-done").is_visible() and page.get_by_test_id("steps-to-come").is_visible()
    _no_horizontal_scroll(pages, "steps")

    pages.goto("/my/appointments")
    _no_horizontal_scroll(pages, "appointments")

    pages.goto("/my/documents")
    _no_horizontal_scroll(pages, "documents")
    with page.expect_download() as download_info:
        page.locator("a[data-kind=agreement]").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as body:
        assert body.read(4) == b"%PDF"

    pages.goto("/my/access-log")
    log = page.get_by_test_id("access-log").inner_text()
    assert log.strip()
    assert "demo" not in log.lower()  # no staff account or name
    _no_horizontal_scroll(pages, "access-log")

    for path, name in (("/my/contacts", "contacts"), ("/my/privacy", "privacy")):
        pages.goto(path)
        _no_horizontal_scroll(pages, name)
