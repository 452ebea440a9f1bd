"""Issue 19, acceptance 6: the user guides' screenshots come from this test run, and the guides build.

One test, in two phases, so that the second always checks what the first produced (the suite runs
under pytest-xdist, which may send two tests of a module to two workers):

1. **Screenshots.** One browser, the live demo server: the login page, then each demo role (agent,
   operator, committee, administrator) logs in once and walks its main pages in French and in
   English at 1280 × 800. Each page is saved as ``docs/guide/images/<lang>/<name>.png`` (the
   visible window only, reduced to 256 colours, so the files committed for GitHub stay small).
2. **The build.** Every guide page (``docs/guide/**/*.md``) is rendered to HTML; every relative
   link must reach an existing file (and its heading, for ``#anchor`` links), every image must
   exist *and have been written by this run* (modified after the test started), and every
   screenshot taken here must be shown by at least one guide page of its language.

``tests/test_guides.py`` runs the same build checks without a browser (images need only exist).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.harness import Pages
from tests.test_guides import GUIDE_DIR, IMAGES_DIR, build_guides

pytestmark = pytest.mark.e2e

LANGUAGES = ("fr", "en")
WIDTH, HEIGHT = 1280, 800
COLOURS = 256

# (role, screenshot name, how to reach the page): a path, or a callable doing the clicks.
SEARCH_NAME, SEARCH_BIRTH = "haidari", "1990-05-04"  # Farid Haidari, a demo newcomer of Namur


def _search(pages: Pages) -> None:
    pages.goto("/search")
    pages.page.locator("[name=family_name]").fill(SEARCH_NAME)
    pages.page.locator("[name=date_of_birth]").fill(SEARCH_BIRTH)
    pages.submit()
    assert pages.page.locator('main a[href^="/cases/"]').count() >= 1, "the search finds the demo case"


def _open_case(pages: Pages) -> None:
    _search(pages)
    with pages.page.expect_navigation():
        pages.page.locator('main a[href^="/cases/"]').first.click()
    assert pages.path.startswith("/cases/"), pages.path


def _case_steps(pages: Pages) -> None:
    """The case page scrolled to its task list (the steps), where the agent acts."""
    pages.page.locator("#steps").evaluate("element => element.scrollIntoView()")


def _open_referral(pages: Pages) -> None:
    pages.goto("/operator/referrals")
    link = pages.page.locator('main a[href^="/operator/referrals/"]').first
    with pages.page.expect_navigation():
        link.click()
    assert pages.path.startswith("/operator/referrals/"), pages.path


WALKS: dict[str, list[tuple[str, object]]] = {
    "agent": [
        ("agent-home", "/agent"),
        ("agent-search", _search),
        ("agent-register", "/newcomers/new"),
        ("agent-case", _open_case),
        ("agent-case-steps", _case_steps),
    ],
    "operator": [
        ("operator-referrals", "/operator/referrals"),
        ("operator-referral", _open_referral),
    ],
    "committee": [
        ("committee-statistics", "/statistics/"),
    ],
    "admin": [
        ("admin-home", "/admin/"),
        ("admin-requests", "/admin/privacy/requests/"),
        ("admin-retention", "/admin/retention/"),
        ("admin-audit", "/admin/audit/"),
    ],
}


def _shoot(pages: Pages, language: str, name: str) -> Path:
    """Save the visible window as ``docs/guide/images/<language>/<name>.png`` in 256 colours."""
    from PIL import Image

    assert pages.html_lang().startswith(language), f"{name}: the page is in {pages.html_lang()!r}"
    folder = IMAGES_DIR / language
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    pages.page.wait_for_load_state("load")
    pages.page.screenshot(path=str(path), full_page=False)
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=COLOURS)
    small.save(path, optimize=True)
    return path


def _switch(pages: Pages, language: str) -> None:
    if not pages.html_lang().startswith(language):
        pages.switch_language(language)
    assert pages.html_lang().startswith(language), pages.html_lang()


def _walk(pages: Pages, role: str, language: str) -> list[Path]:
    taken = []
    for name, target in WALKS[role]:
        if callable(target):
            target(pages)
        else:
            response = pages.goto(target)
            assert response is not None and response.status == 200, f"{target}: {response and response.status}"
        taken.append(_shoot(pages, language, name))
    return taken


def test_guide_screenshots_are_taken_and_the_guides_build(pages: Pages) -> None:
    started = time.time() - 1  # file systems round modification times
    pages.page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    pages.page.set_default_timeout(30_000)  # a loaded machine: the pages, not the clock, are tested
    taken: list[Path] = []

    # 1. Screenshots: the login page, then each role once, in both languages.
    for language in LANGUAGES:
        pages.goto("/login")
        _switch(pages, language)
        taken.append(_shoot(pages, language, "login"))
    for role in WALKS:
        pages.login(role)
        for language in LANGUAGES:
            _switch(pages, language)
            taken.extend(_walk(pages, role, language))
        # Leave without a round trip: the session is a signed cookie (the log-out button is
        # tested by the harness's own journeys).
        pages.page.context.clear_cookies()

    expected = len(LANGUAGES) * (1 + sum(len(walk) for walk in WALKS.values()))
    assert len(taken) == expected
    for path in taken:
        assert path.stat().st_mtime >= started, f"{path} was not written by this run"
        assert path.stat().st_size < 250_000, f"{path} is {path.stat().st_size} bytes: keep screenshots small"

    # 2. The build: every page renders, links and anchors resolve, images exist and are this run's.
    report = build_guides(GUIDE_DIR, written_after=started)
    assert not report.problems, "the guides do not build:\n" + "\n".join(report.problems)
    assert report.pages >= 2 * 5, f"only {report.pages} guide pages"
    unused = sorted(str(path.relative_to(GUIDE_DIR)) for path in taken if path.resolve() not in report.images)
    assert not unused, f"screenshots no guide page shows: {unused}"
