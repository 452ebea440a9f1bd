"""Committee journey through the statistics (browser)."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def test_committee_statistics_journey(pages: Pages) -> None:
    pages.login("committee")
    pages.goto("/statistics/")
    assert pages.page.locator("svg.chart").count() >= 5
    assert pages.page.locator("table.table caption").count() >= 5
    pages.screenshot("stats-dashboard")
    pages.check_accessibility("stats dashboard")
    pages.page.select_option("#scope", index=1)
    pages.page.locator("form.chooser button[type=submit]").click()
    assert "scope=centre" in pages.page.url
    pages.screenshot("stats-dashboard-centre")
    pages.check_accessibility("stats dashboard centre")
    with pages.page.expect_download() as download:
        pages.page.locator("a[href$='.csv']").click()
    assert download.value.suggested_filename.endswith(".csv")
    for path in ("/statistics/funnel", "/statistics/trends", "/statistics/methodology"):
        pages.goto(path)
        pages.screenshot("stats-" + path.rsplit("/", 1)[-1])
        pages.check_accessibility(path)
    for path in ("/agent", "/operator", "/admin/users", "/admin/audit"):
        assert pages.goto(path).status == 404, f"{path} must answer 404 to the committee"
