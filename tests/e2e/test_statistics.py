"""Committee journey through the statistics (browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def _check_charts_beside_tables(pages: Pages) -> int:
    """Every published section shows its chart and its data table; returns how many."""
    sections = pages.page.locator("section.stats-section:has(svg.chart)")
    count = sections.count()
    for index in range(count):
        section = sections.nth(index)
        assert section.locator("svg.chart").count() == 1
        assert section.locator("table.table caption").count() == 1
    return count


def test_committee_statistics_journey(pages: Pages) -> None:
    pages.login("committee")
    pages.goto("/statistics/")
    latest = pages.page.locator("#release-choice option[selected]").get_attribute("data-period")
    assert _check_charts_beside_tables(pages) >= 10
    pages.screenshot("stats-dashboard")
    pages.check_accessibility("stats dashboard")
    # Another period of the region (the chooser offers only published releases).
    pages.page.select_option("#release-choice", index=1)
    pages.page.locator("form.chooser button[type=submit]").click()
    assert "release=" in pages.page.url and latest not in pages.page.url
    assert _check_charts_beside_tables(pages) >= 10
    pages.screenshot("stats-dashboard-other-period")
    # The latest period for a centre.
    pages.page.select_option("#release-choice", f"{latest}|centre:CAI")
    pages.page.locator("form.chooser button[type=submit]").click()
    assert "centre%3ACAI" in pages.page.url or "centre:CAI" in pages.page.url
    assert _check_charts_beside_tables(pages) >= 5
    pages.screenshot("stats-dashboard-centre")
    pages.check_accessibility("stats dashboard centre")
    with pages.page.expect_download() as download:
        pages.page.locator("a[data-download=machine]").click()
    assert download.value.suggested_filename.endswith(".csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith('"period","scope","table","title","row","row_label","column","column_label","value"')
    with pages.page.expect_download() as sheet:
        pages.page.locator("a[data-download=spreadsheet]").click()
    assert sheet.value.suggested_filename.endswith("-fr.csv")
    assert Path(sheet.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")
    with pages.page.expect_download() as report:
        pages.page.locator("a[href$='.pdf']").click()
    assert report.value.suggested_filename.endswith(".pdf")
    for path in ("/statistics/funnel", "/statistics/trends", "/statistics/methodology"):
        pages.goto(path)
        pages.screenshot("stats-" + path.rsplit("/", 1)[-1])
        pages.check_accessibility(path)
    for path in ("/agent", "/operator", "/admin/users", "/admin/audit", "/newcomers/new", "/admin"):
        assert pages.goto(path).status == 404, f"{path} must answer 404 to the committee"
