"""Issue 20, acceptance 1 (the requests): on a phone (390 px), the person asks to move their
appointment and the agent of the office sees the request; the person reports a new phone number
and the file keeps the old one until the agent confirms it, then shows the new one."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from tests.e2e.harness import AXE_SCRIPT, BLOCKING_IMPACTS, DEMO_EMAILS, REPORTS_DIR, format_violations

PHONE = (390, 844)
NEW_PHONE = "+32 470 55 66 77"


def _setup(server):
    """A person with a running case at the demo agent's office, an appointment next week and a
    personal link: (token, birth date, case id, appointment id, phone in the file)."""
    from sqlalchemy import select

    from integration_centre import clock
    from integration_centre.accounts.models import User
    from integration_centre.agenda import services as agenda
    from integration_centre.agenda.errors import AgendaError
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Newcomer
    from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
    from integration_centre.privacy.access import access
    from integration_centre.space import demo, links

    with server.app.app_context():
        agent = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["agent"]))
        running = (
            select(Case)
            .where(Case.office_id == agent.office_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
            .order_by(Case.opened_on)
        )
        demo_link = links.live_link(demo.demo_token())  # the quickstart's link: other tests open it
        if demo_link is not None:
            running = running.where(Case.person_id != demo_link.person_id)
        case = db.session.scalars(running).first()
        assert case is not None, "the demo has no running case at the agent's office"
        person = db.session.get(Newcomer, case.person_id)
        with access(agent, "test.e2e", [person.id]):
            birth_date, phone = person.date_of_birth, person.phone
        appointment = None
        for days in range(7, 30):
            day = clock.today() + timedelta(days=days)
            for hour in (10, 11, 14, 9, 15):
                try:
                    appointment = agenda.book(
                        agent,
                        kind="evaluation_interview",
                        person_id=person.id,
                        agent_id=agent.id,
                        starts_at=datetime.combine(day, time(hour), tzinfo=clock.zone()),
                    )
                    break
                except AgendaError:
                    db.session.rollback()
            if appointment is not None:
                break
        assert appointment is not None, "no free time for the appointment"
        _link, token = links.issue(person.id, office_id=agent.office_id, issued_by_id=agent.id)
        db.session.commit()
        return token, birth_date, case.id, appointment.id, phone


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"the page is {width}px wide on a {PHONE[0]}px screen"


def _accessible(page, name: str) -> None:
    """axe-core on the person's page (serious or critical violations fail), and a screenshot."""
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(REPORTS_DIR / f"space-requests-{name}.png"), full_page=True)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {name}:\n" + format_violations(blocking)


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()


@pytest.fixture
def phone_page(browser, e2e_server):
    """A fresh phone-sized browser profile for the person."""
    context = browser.new_context(
        base_url=e2e_server.url, locale="fr-BE", viewport={"width": PHONE[0], "height": PHONE[1]}
    )
    context.add_init_script(path=str(AXE_SCRIPT))
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_person_asks_and_the_agent_of_the_office_sees_it(pages, phone_page, e2e_server):
    token, birth_date, case_id, appointment_id, old_phone = _setup(e2e_server)
    person = phone_page

    # The person opens their space on a phone.
    person.goto(f"/my/link/{token}")
    person.locator("input[name=birth_date]").fill(birth_date.isoformat())
    _submit(person)
    assert person.url.endswith("/my/"), person.url

    # Ask to move the appointment.
    person.goto("/my/requests")
    _no_horizontal_scroll(person)
    item = person.locator("[data-testid=appointment]").filter(
        has=person.locator(f"a[href='/my/appointments/{appointment_id}/move']")
    )
    with person.expect_navigation():
        item.locator(f"a[href='/my/appointments/{appointment_id}/move']").click()
    _no_horizontal_scroll(person)
    _accessible(person, "move-form")
    person.locator("input[name=reason][value=work]").check()
    person.locator("textarea[name=preferred]").fill("Lundi ou mardi matin")
    _submit(person)
    assert re.search(r"/my/requests", person.url), person.url
    assert person.locator("[data-testid=request][data-kind=appointment_move][data-status=pending]").count() == 1
    _no_horizontal_scroll(person)
    _accessible(person, "move-asked")
    pages.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})

    # The agent of the office sees the request.
    pages.login("agent")
    pages.goto("/space-requests")
    row = pages.page.locator("[data-testid=space-request][data-kind=appointment_move]")
    assert row.count() >= 1
    pages.check_accessibility("space-office-pending")
    with pages.page.expect_navigation():
        row.last.locator("a.button").click()
    assert "Lundi ou mardi matin" in pages.page.locator("[data-testid=preferred]").inner_text()
    pages.screenshot("space-requests-agent-review")

    # The person reports a new phone number.
    person.goto("/my/contact")
    _no_horizontal_scroll(person)
    person.locator("input[name=phone]").fill(NEW_PHONE)
    _submit(person)
    assert person.locator("[data-testid=request][data-kind=contact_change][data-status=pending]").count() == 1
    _accessible(person, "contact-sent")

    # The file keeps the old number until the agent confirms.
    pages.goto(f"/cases/{case_id}")
    file_text = pages.page.locator("main").inner_text()
    assert NEW_PHONE not in file_text
    if old_phone:
        assert old_phone in file_text
    panel = pages.page.locator("#space-requests a[href^='/space-requests/']")
    assert panel.count() >= 1
    pages.goto("/space-requests")
    change = pages.page.locator("[data-testid=space-request][data-kind=contact_change]")
    with pages.page.expect_navigation():
        change.last.locator("a.button").click()
    assert NEW_PHONE in pages.page.locator("[data-testid=change-phone]").inner_text()
    with pages.page.expect_navigation():
        pages.page.locator("form[action$='/apply'] button[type=submit]").click()
    pages.goto(f"/cases/{case_id}")
    assert NEW_PHONE in pages.page.locator("main").inner_text()

    # The person sees both answers' states.
    person.goto("/my/requests")
    assert person.locator("[data-testid=request][data-kind=contact_change][data-status=done]").count() == 1
    _accessible(person, "done")
