"""Issue 17, the committee's journey at 1366 px and 390 px: every release offered opens, every
centre with a release is offered, no page is wider than the window, the contents list leads to
its tables, chart labels can be told apart, and axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e

VIEWPORTS = ((1366, 900), (390, 844))
PAGES = ("/statistics/", "/statistics/funnel", "/statistics/trends", "/statistics/methodology")


def _page_width(pages: Pages) -> int:
    return pages.page.evaluate("document.scrollingElement.scrollWidth")


def _centres_in_database(pages: Pages) -> set[str]:
    from sqlalchemy import select

    from integration_centre.accounts.models import Centre
    from integration_centre.extensions import db

    with pages.server.app.app_context():
        return {f"centre:{code}" for code in db.session.scalars(select(Centre.code))}


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["1366", "390"])
def test_committee_pages_at_desktop_and_phone_width(pages: Pages, width: int, height: int) -> None:
    pages.page.set_viewport_size({"width": width, "height": height})
    pages.login("committee")
    pages.goto("/statistics/")
    options = pages.page.locator("#release-choice option")
    values = [options.nth(index).get_attribute("value") for index in range(options.count())]
    assert values, "the chooser offers the published releases"
    # Every centre of the demo has a release, and each is offered (the region first).
    offered_scopes = {value.split("|", 1)[1] for value in values}
    assert offered_scopes == {"region", *_centres_in_database(pages)}
    assert values[0].endswith("|region")
    for path in PAGES:
        response = pages.goto(path)
        assert response.status == 200, path
        assert _page_width(pages) <= width, f"{path} is {_page_width(pages)} px wide at {width} px"
        name = path.strip("/").replace("/", "-")
        pages.screenshot(f"committee-{name}-{width}")
        pages.check_accessibility(f"{path} at {width} px")
    pages.goto("/statistics/")
    # The contents list leads to each group and table of the page.
    contents = pages.page.locator("#contents a")
    assert contents.count() >= 25
    contents.nth(1).click()
    assert "#" in pages.page.url
    target = pages.page.url.rsplit("#", 1)[1]
    assert pages.page.locator(f"[id='{target}']").is_visible()
    # A wide table scrolls inside its region, never the page.
    regions = pages.page.locator(".table-scroll")
    assert regions.count() >= 10
    for index in range(regions.count()):
        inside = regions.nth(index).evaluate("el => el.getBoundingClientRect().right")
        assert inside <= width + 0.5
    # The centre chart names the centres by code, each label different.
    chart = pages.page.locator("#received_centre_status svg.chart")
    labels = chart.locator("text[text-anchor=end]").evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert len(labels) >= 3 and len(set(labels)) == len(labels) and all(len(label) <= 8 for label in labels)
    if width < 1000:
        return
    # Acceptance 5b: every release the chooser offers opens, on the dashboard and the funnel.
    for path in ("/statistics/", "/statistics/funnel"):
        for value in values:
            period, scope = value.split("|", 1)
            response = pages.goto(f"{path}?period={period}&scope={scope}")
            assert response.status == 200, (path, value)
    # Choosing a centre's release through the form shows that release.
    pages.goto("/statistics/")
    centre_value = next(value for value in values if "|centre:" in value)
    pages.page.select_option("#release-choice", centre_value)
    with pages.page.expect_navigation():
        pages.page.locator("form.chooser button[type=submit]").click()
    assert "release=" in pages.page.url
    selected = pages.page.locator("#release-choice option:checked").get_attribute("value")
    assert selected == centre_value
    pages.screenshot("committee-dashboard-centre-1366")
    pages.check_accessibility("dashboard of a centre")
