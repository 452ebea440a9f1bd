"""Fixtures of the browser tests: prerequisites, the live server, chromium, and ``pages``.

Every test under ``tests/e2e/`` gets the ``e2e`` marker (``pytest -m "not e2e"`` leaves them out).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    SERVER_NOTES,
    LiveServer,
    Pages,
    live_server,
    require_prerequisites,
)

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test of this folder ``e2e``."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter) -> None:
    """Say when the browser tests ran on a schema built without the migrations."""
    for note in SERVER_NOTES:
        terminalreporter.write_line(f"[e2e] {note}", yellow=True)


@pytest.fixture(scope="session")
def e2e_server() -> Iterator[LiveServer]:
    """The demo application served on 127.0.0.1 (fresh SQLite database, demo data loaded)."""
    require_prerequisites()
    with live_server() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    require_prerequisites()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser, e2e_server) -> Iterator[object]:
    """A fresh browser profile (no cookies) per test, with axe-core available in every page.

    axe-core is installed as an init script: Playwright adds it through the DevTools protocol
    before the page's own scripts, so the page's Content-Security-Policy (no inline scripts) stays
    enforced for everything else. ``page.add_script_tag`` would inject an inline <script> that
    this CSP refuses, unless the context were opened with ``bypass_csp=True``, which would also
    hide CSP mistakes in the pages under test.
    """
    context = browser.new_context(base_url=e2e_server.url, locale="fr-BE", viewport={"width": 1280, "height": 800})
    context.add_init_script(path=str(AXE_SCRIPT))
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def pages(browser_context, e2e_server, request) -> Pages:
    """A browser page on the live server with login(role), screenshot(name), check_accessibility()."""
    return Pages(browser_context.new_page(), e2e_server, request.node.name)
