"""Issue 17 in the browser: the agent registers "Öztürk, Çağla Nur" choosing her languages with the
filter box (frequent languages first), then "OZTURK, Cagla" born the same day: the duplicate
warning shows the existing file as "ÖZTÜRK, Çağla Nur" and says why it matched. Screenshots at
desktop and phone width, axe-core on each page, no page wider than the phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BORN = "1991-09-23"


def _both_widths(pages, name: str) -> None:
    pages.screenshot(f"registration-{name}")
    pages.check_accessibility(name)
    pages.page.set_viewport_size(PHONE)
    pages.screenshot(f"registration-{name}-phone")
    pages.check_accessibility(f"{name} (phone)")
    width = pages.page.evaluate("document.scrollingElement.scrollWidth")
    wide = pages.page.evaluate(
        """limit => Array.from(document.querySelectorAll('main *'))
            .filter(e => e.getBoundingClientRect().right > limit + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
        PHONE["width"],
    )
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 390 px: {wide}"
    pages.page.set_viewport_size(DESKTOP)


def _fill(pages, family_name: str, given_names: str) -> None:
    page = pages.page
    pages.goto("/newcomers/new")
    page.locator("[name=family_name]").fill(family_name)
    page.locator("[name=given_names]").fill(given_names)
    page.locator("[name=date_of_birth]").fill(BORN)
    page.locator("[name=permit_order_date]").fill((date.today() - timedelta(days=60)).isoformat())
    page.locator("select[name=sex]").select_option("F")
    page.locator("select[name=nationality]").select_option("TR")
    page.locator("select[name=residence_category]").select_option("family_reunification")


def test_agent_registers_ozturk_then_the_duplicate_warning_says_why(pages) -> None:
    page = pages.page
    pages.login("agent")
    pages.switch_language("en")
    _fill(pages, "Öztürk", "Çağla Nur")

    # Frequent languages first, ticked directly; the filter box finds the others.
    picker = page.locator("[data-language-picker]")
    picker.locator("input[value=tr]").check()
    search = picker.locator("input[type=search]")
    assert search.count() == 1, "the filter box is added by static/js/language-picker.js"
    search.fill("wol")  # Wolof, among the other languages, typed without its capital
    visible = picker.locator("li:not([hidden])")
    assert visible.all_inner_texts() == ["Wolof"]
    assert picker.locator("details").evaluate("details => details.open"), "the filter opens the other languages"
    visible.first.locator("input").check()
    pages.screenshot("registration-language-filter")
    search.fill("")
    assert picker.locator("li:not([hidden])").count() > 150
    _both_widths(pages, "form")
    pages.submit()
    assert pages.path.startswith("/newcomers/") and pages.path != "/newcomers/new", pages.path

    _fill(pages, "OZTURK", "Cagla")
    pages.submit()
    assert pages.path == "/newcomers/new"
    warning = page.locator("[data-testid=duplicate-warning]")
    assert warning.count() == 1
    row = warning.locator("[data-testid=duplicate-row]").first
    assert "ÖZTÜRK, Çağla Nur" in row.inner_text()
    assert "Same family name and date of birth (the given names differ)" in row.inner_text()
    _both_widths(pages, "duplicate-warning")
