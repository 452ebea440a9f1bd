"""Issue 17, the operator's and the agent's working day in the browser: the operator's home page
counts, the hours against the target and the positioning level on the inbox and the referral,
the finished referrals by outcome; then the agent's operator updates, one entry per referral
with the person's name, the badge equal to the "see all" list, marked as seen there.

Every page is screenshotted at 1366 and 390 px and checked with axe-core at both widths."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RAW_CODES = re.compile(r"\b(pre_A1|aoc|fic|attendance_record|french_course|in_progress|\d+\.\d+ h)\b")


def _check(pages: Pages, name: str, fits: str = "main") -> None:
    """Screenshots and axe-core at both widths; no raw code in the text; ``fits`` fits the phone
    (the agent dashboard's own tables are the workspace's: only the updates panel is checked there)."""
    text = pages.page.locator("main").inner_text()
    found = RAW_CODES.search(text)
    assert found is None, f"{name}: raw code {found.group(0)!r} on the page"
    pages.page.set_viewport_size(DESKTOP)
    pages.screenshot(f"operator-portal-{name}")
    pages.check_accessibility(name)
    pages.page.set_viewport_size(PHONE)
    pages.screenshot(f"operator-portal-{name}-phone")
    pages.check_accessibility(f"{name} (phone)")
    width = pages.page.evaluate("selector => document.querySelector(selector).scrollWidth", fits)
    assert width <= PHONE["width"], f"{name}: the main content is {width} px wide at 390 px"
    pages.page.set_viewport_size(DESKTOP)


def _referral_to_work_on(app) -> str | None:
    """The id of an open French-course or citizenship referral of the demo operator, or None."""
    from sqlalchemy import select

    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.operators.models import Referral
    from tests.e2e.harness import DEMO_EMAILS

    with app.app_context():
        operator = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["operator"]))
        found = db.session.scalar(
            select(Referral.id)
            .where(
                Referral.operator_id == operator.operator_id,
                Referral.state.in_(["sent", "accepted", "in_progress"]),
                Referral.service_type.in_(["french_course", "citizenship"]),
            )
            .order_by(Referral.updated_at.desc())
        )
        db.session.remove()
        return str(found) if found else None


def test_operator_sees_counts_hours_levels_and_outcomes_then_the_agent_reads_grouped_updates(pages: Pages) -> None:
    pages.page.set_viewport_size(DESKTOP)
    pages.login("operator")
    counts = pages.page.locator("#operator-counts [data-count]")
    assert counts.count() == 5  # new, accepted, in progress, to confirm, overdue
    assert pages.page.locator("#operator-done-counts [data-count]").count() == 4
    for code in ("sent", "in_progress", "overdue"):
        number = pages.page.locator(f"#operator-counts [data-count={code}] .count").inner_text()
        assert re.fullmatch(r"[\d\u202f\u00a0 ]+", number), (code, number)
    _check(pages, "home")

    # The inbox: every row states its hours (against the step's target) and, where it applies, the level.
    pages.goto("/operator/referrals?tab=new")
    rows = pages.page.locator("#inbox-table tbody tr")
    if rows.count():
        assert pages.page.locator("#inbox-table tbody td.hours-cell").count() == rows.count()
        assert pages.page.locator("#inbox-table progress[aria-labelledby]").count() >= 1
    _check(pages, "inbox-new")

    referral_id = _referral_to_work_on(pages.server.app)
    assert referral_id, "the demo has no open French-course or citizenship referral for the operator"
    pages.goto(f"/operator/referrals/{referral_id}")
    if pages.page.locator("form[action$='/accept']").count():
        with pages.page.expect_navigation():
            pages.page.locator("form[action$='/accept'] button[type=submit]").click()
    if pages.page.locator("form[action$='/attendance']").count():
        pages.page.locator("#sessions").fill("10")
        pages.page.locator("#hours").fill("12,5")
        with pages.page.expect_navigation():
            pages.page.locator("form[action$='/attendance'] button[type=submit]").click()
    hours = pages.page.locator("#step-hours").inner_text()
    assert re.search(r"\d+(,\d+)? / \d+ h", hours), hours  # e.g. "12,5 / 400 h" in French
    assert pages.page.locator("#step-hours progress[aria-labelledby]").count() == 1
    assert pages.page.locator("#level").count() == 1  # French course or citizenship: the level
    _check(pages, "referral")

    # The finished referrals, split by outcome.
    pages.goto("/operator/referrals?tab=done")
    filters = pages.page.locator("#outcome-filters [data-outcome]")
    assert filters.count() == 4
    with pages.page.expect_navigation():
        filters.first.click()
    assert "outcome=completed" in pages.page.url
    assert pages.page.locator("#outcome-filters [aria-current=page][data-outcome=completed]").count() == 1
    _check(pages, "inbox-done-completed")
    pages.logout()

    # The agent: one entry per referral, with the person's name; the badge is what "see all" lists.
    pages.login("agent")
    panel = pages.page.locator("#operator-updates")
    entries = panel.locator(".update-entry")
    references = [entries.nth(i).get_attribute("data-referral") for i in range(entries.count())]
    assert len(references) == len(set(references)), "a referral appears twice in the panel"
    for i in range(entries.count()):
        name = entries.nth(i).locator(".update-name").inner_text()
        assert re.fullmatch(r"[^,a-z]+, .+|—", name), name  # "NOM, Prénom"
    _check(pages, "agent-dashboard", fits="#operator-updates")
    badge = panel.locator("#operator-updates-badge")
    if badge.count():
        expected = int(badge.get_attribute("data-count"))
        with pages.page.expect_navigation():
            badge.click()
        assert pages.path.startswith("/operator-updates")
        listed = pages.page.locator("#updates-list .update-entry").count()
        pages_count = pages.page.locator(".pagination").count()
        assert listed == expected or (pages_count and listed == 20), (listed, expected)
        _check(pages, "agent-updates-new")
        with pages.page.expect_navigation():
            pages.page.locator("form[action$='/operator-updates/seen'] button[type=submit]").click()
        assert pages.path.startswith("/operator-updates")
        assert pages.page.locator("#operator-updates-badge").count() == 0
    else:
        pages.goto("/operator-updates?show=all")
    assert pages.page.locator("[data-view=all][aria-current=page]").count() == 1
    _check(pages, "agent-updates-all")
