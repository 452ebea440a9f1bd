"""The import pages in a real browser: upload a long list, the dry run and the import run by the
worker while the page follows their progress with its own script (no inline script, CSP kept)."""

from __future__ import annotations

import pytest

from integration_centre.clock import utcnow
from integration_centre.worker import RoundReport, Worker
from tests.e2e.harness import Pages
from tests.intake.conftest import ROWS, csv_bytes

pytestmark = pytest.mark.e2e


def _worker_round(app) -> None:
    """The worker's job step only (the demo's statistics releases are not the subject here)."""
    with app.app_context():
        Worker().run_jobs(RoundReport(), utcnow())


def test_a_long_list_is_checked_and_imported_by_the_worker_while_the_page_follows(pages: Pages, e2e_server) -> None:
    app = e2e_server.app
    app.config["IMPORT_INLINE_ROWS"] = 3
    try:
        pages.login("agent")
        pages.goto("/imports/")
        pages.page.set_input_files(
            "input[name=file]", {"name": "liste.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS)}
        )
        pages.submit()
        assert pages.path.endswith("/columns")
        with pages.page.expect_navigation():
            pages.page.locator("main form button[type=submit]", has_text="essai à blanc").or_(
                pages.page.locator("main form button[type=submit]", has_text="dry run")
            ).first.click()
        assert pages.page.locator("#import-progress progress").is_visible()
        _worker_round(app)  # the dry run
        pages.page.wait_for_selector("[data-testid=counts]", timeout=15_000)  # the script reloaded the page
        with pages.page.expect_navigation():
            pages.page.locator("form[action$='/confirm'] button").click()
        assert pages.page.locator("#import-progress").is_visible()
        _worker_round(app)  # the import
        pages.page.wait_for_selector("[data-status=completed]", timeout=15_000)
        assert pages.page.locator("[data-testid=created]").inner_text().strip() != ""
        assert pages.csp_violations == []
    finally:
        app.config["IMPORT_INLINE_ROWS"] = 200
