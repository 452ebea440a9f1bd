"""Acceptance 1 of issue 17: "find a person and mark a step done", counted in a real browser.

From the agent's home, the agent searches a person (family name and date of birth), opens the
case from the results and marks a step done from its row of the case page. The clicks are counted
twice — by the test (each pointer action it makes) and by the page itself (trusted ``click`` events
counted by an init script) — and the page loads by Playwright's ``load`` event of the main frame.

- a STARTED step whose hours and evidence the operator already reported: at most 4 clicks and
  3 page loads (search, open the case, open the step's form, save);
- a PENDING step, completed directly (hours typed, the evidence ticked): at most 5 clicks and
  4 page loads.

Each save returns to the step's anchor (``#step-<code>``), with the step in view. The demo data:
El Amrani Salma (``workspace/demo.py``, reception done at A1, agreement signed, citizenship
training planned for today, then started with its hours reported by the operator), and for the
pending step a case of the agent's office whose citizenship training is pending.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

# Counts trusted clicks in the page (a session-long counter that survives the page loads).
CLICK_COUNTER = """
window.addEventListener('click', (event) => {
  if (!event.isTrusted) return;
  const n = Number(sessionStorage.getItem('e2e-clicks') || '0') + 1;
  sessionStorage.setItem('e2e-clicks', String(n));
}, true);
"""


class Journey:
    """Clicks and page loads of one journey, with a screenshot and axe-core on every page."""

    def __init__(self, pages, name: str) -> None:
        self.pages = pages
        self.page = pages.page
        self.name = name
        self.clicks = 0
        self.loads = 0
        self.shots = 0
        self.page.add_init_script(script=CLICK_COUNTER)
        self.page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def start(self) -> None:
        """Start counting from the page now shown (the agent's home)."""
        self.page.evaluate("sessionStorage.setItem('e2e-clicks', '0')")
        self.clicks = 0
        self.loads = 0

    def click(self, locator, *, navigates: bool = False) -> None:
        self.clicks += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
            self.page.wait_for_load_state("load")
        else:
            locator.click()

    def check(self, shot: str) -> None:
        self.shots += 1
        self.pages.screenshot(f"step-in-one-place-{self.name}-{self.shots:02d}-{shot}")
        self.pages.check_accessibility(f"{self.name} {shot}")

    @property
    def page_clicks(self) -> int:
        return int(self.page.evaluate("Number(sessionStorage.getItem('e2e-clicks') || '0')"))


def _demo_case(pages, family_name: str):
    """The demo case of the person ``family_name`` (its id and person)."""
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Newcomer
    from integration_centre.privacy.access import Actor, access

    with pages.server.app.app_context():
        for case in db.session.scalars(select(Case).where(Case.status == "in_progress")):
            newcomer = db.session.get(Newcomer, case.person_id)
            with access(Actor.system("e2e-check"), "e2e.check", [newcomer.id]):
                if newcomer.family_name == family_name:
                    return case.id
    raise AssertionError(f"no demo case for {family_name}")


def _pending_citizenship(pages) -> list[tuple[uuid.UUID, str, date]]:
    """Cases of the demo agent's office whose citizenship training is pending and can be done
    (agreement signed), with the person's family name and birth date (to search them)."""
    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Newcomer
    from integration_centre.privacy.access import Actor, access

    found = []
    with pages.server.app.app_context():
        agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
        cases = db.session.scalars(
            select(Case).where(Case.status == "in_progress", Case.office_id == agent.office_id).order_by(Case.opened_on)
        )
        for case in cases:
            if case.step("citizenship").state != "pending" or case.step("agreement").state != "completed":
                continue
            newcomer = db.session.get(Newcomer, case.person_id)
            with access(Actor.system("e2e-check"), "e2e.check", [newcomer.id]):
                found.append((case.id, newcomer.family_name, newcomer.date_of_birth))
    assert len(found) >= 2, "the demo has no case with the citizenship training pending"
    return found


def _step(pages, case_id: uuid.UUID, code: str):
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case

    with pages.server.app.app_context():
        step = db.session.get(Case, case_id).step(code)
        return step.state, step.hours, list(step.evidence or []), step.result


def _operator_reports(pages, case_id: uuid.UUID) -> None:
    """The operator has started the citizenship training and reported 60 h with the attendance
    record (what the operator portal records; the journey starts at the agent's side)."""
    from sqlalchemy import select as sql_select

    from integration_centre.accounts.models import User
    from integration_centre.extensions import db
    from integration_centre.pathway import services as pathway
    from integration_centre.pathway.models import Case

    with pages.server.app.app_context():
        agent = db.session.scalar(sql_select(User).where(User.email == "agent@demo.example"))
        case = db.session.get(Case, case_id)
        if case.step("citizenship").state != "in_progress":
            pathway.transition_step(agent, case, "citizenship", "start")
        pathway.record_attendance(agent, case, "citizenship", "60", evidence=("attendance_record",))
        db.session.commit()


def _search_and_open(journey: Journey, family_name: str, born: date) -> None:
    page = journey.page
    journey.check("home")
    form = page.locator('[data-testid="home-search"]')
    form.locator("[name=family_name]").fill(family_name.lower())
    form.locator("[name=date_of_birth]").fill(born.isoformat())
    journey.click(form.locator("button[type=submit]"), navigates=True)
    assert journey.pages.path == "/search"
    assert family_name.lower() not in page.url.lower()  # nothing personal in the URL
    journey.check("results")
    link = page.locator('[data-testid="search-results"] a', has_text=family_name.upper()).first
    journey.click(link, navigates=True)
    assert journey.pages.path.startswith("/cases/")
    journey.check("case")


def _assert_back_on_the_step(journey: Journey, case_id: uuid.UUID, code: str) -> None:
    page = journey.page
    assert journey.pages.path == f"/cases/{case_id}#step-{code}", journey.pages.path
    in_view = page.evaluate(
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight; }",
        f"step-{code}",
    )
    assert in_view, "the page did not return to the step's row"
    assert page.locator(f"#step-{code}").get_attribute("data-state") == "completed"
    journey.check("step-done")


def test_mark_a_started_step_done(pages):
    case_id = _demo_case(pages, "El Amrani")
    _operator_reports(pages, case_id)
    assert _step(pages, case_id, "citizenship")[0] == "in_progress"
    journey = Journey(pages, "started")  # counts from the first page on
    pages.login("agent")
    journey.start()
    _search_and_open(journey, "El Amrani", date(1999, 2, 11))
    row = pages.page.locator("#step-citizenship")
    assert "60" in row.locator('[data-needs="hours"]').inner_text()  # said before submitting
    journey.click(row.locator("details.task-action > summary"))  # opens the step's form in place
    assert row.locator("[name=hours]").input_value() == "60"  # the hours reported, already there
    assert row.locator("[name=result]").input_value() == "aoc"  # A1: civic orientation workshops
    journey.check("step-form")
    journey.click(row.locator("button[type=submit]"), navigates=True)
    _assert_back_on_the_step(journey, case_id, "citizenship")
    state, _hours, evidence, result = _step(pages, case_id, "citizenship")
    assert (state, result, evidence) == ("completed", "aoc", ["attendance_record"])
    assert journey.clicks <= 4 and journey.page_clicks <= 4, (journey.clicks, journey.page_clicks)
    assert journey.loads <= 3, journey.loads
    print(f"started step: {journey.clicks} clicks ({journey.page_clicks} in the page), {journey.loads} page loads")


def test_mark_a_pending_step_done(pages):
    case_id, family_name, born = _pending_citizenship(pages)[0]
    journey = Journey(pages, "pending")
    pages.login("agent")
    journey.start()
    _search_and_open(journey, family_name, born)
    row = pages.page.locator("#step-citizenship")
    needs = row.locator(".task-needs").inner_text()
    assert "60" in needs  # hours target, evidence and result stated before any submit
    journey.click(row.locator("details.task-action > summary"))  # opens the step's form in place
    row.locator("[name=hours]").fill("60")
    journey.click(row.locator("input[name=evidence][value=attendance_record]"))
    suggested = row.locator("[name=result]").input_value()
    assert suggested in ("aoc", "fic")  # suggested from the person's positioning level
    journey.check("step-form")
    journey.click(row.locator("button[type=submit]"), navigates=True)
    _assert_back_on_the_step(journey, case_id, "citizenship")
    state, _hours, evidence, result = _step(pages, case_id, "citizenship")
    assert (state, result, evidence) == ("completed", suggested, ["attendance_record"])
    assert journey.clicks <= 5 and journey.page_clicks <= 5, (journey.clicks, journey.page_clicks)
    assert journey.loads <= 4, journey.loads
    print(f"pending step: {journey.clicks} clicks ({journey.page_clicks} in the page), {journey.loads} page loads")


def test_a_refused_save_lists_everything_at_once(pages):
    """A pending step saved with nothing filled: one page lists every requirement, and the agent
    can then complete it there (the short page returns to the step's anchor)."""
    case_id = _pending_citizenship(pages)[-1][0]
    pages.login("agent")
    page = pages.page
    pages.goto(f"/cases/{case_id}")
    row = page.locator("#step-citizenship")
    row.locator("details.task-action > summary").click()
    row.locator("[name=hours]").fill("")
    row.locator("[name=result]").select_option("")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert page.locator(".error-summary li").count() >= 3  # hours, evidence and result at once
    pages.screenshot("step-in-one-place-refused")
    pages.check_accessibility("step page with every error")
    page.locator("[name=hours]").fill("60")
    page.locator("input[name=evidence][value=attendance_record]").check()
    page.locator("select[name=result]").select_option("aoc")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    assert pages.path == f"/cases/{case_id}#step-citizenship"
    assert _step(pages, case_id, "citizenship")[0] == "completed"
