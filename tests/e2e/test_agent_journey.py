"""Acceptance 4 of issue 5: the agent's day in a real browser, screenshots and axe-core on each page.

The agent logs in (office dashboard), searches a person, registers a newcomer and sees the
duplicate warning for a near-duplicate, reads the eligibility explanation, opens and starts the
case, records the social assessment (and the other reception records), signs the agreement,
completes the remaining steps, issues the certificate of attendance and opens its public
verification page.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

TODAY = date.today()


def _check(pages, name: str) -> None:
    pages.screenshot(f"agent-journey-{name}")
    pages.check_accessibility(name)


def _submit(pages, form_selector: str = "main form[method=post]") -> None:
    with pages.page.expect_navigation():
        pages.page.locator(f"{form_selector} button[type=submit]").first.click()


def _case_id(pages) -> str:
    match = re.search(r"/cases/([0-9a-f-]{36})", pages.path)
    assert match, pages.path
    return match.group(1)


def _step(pages, case_id: str, code: str, action: str, **fields) -> None:
    pages.goto(f"/cases/{case_id}/steps/{code}")
    page = pages.page
    page.locator(f"input[name=action][value={action}]").check()
    for name, value in fields.items():
        if name == "evidence":
            page.locator(f"input[name=evidence][value={value}]").check()
        elif name in ("result", "reason"):
            page.locator(f"select[name={name}]").select_option(value)
        else:
            page.locator(f"[name={name}]").fill(value)
    _submit(pages)
    # every save returns to the step's row on the case page (issue 17)
    assert pages.path == f"/cases/{case_id}#step-{code}", f"{code} {action}: stayed on {pages.path}"


def _step_state(pages, case_id: str, code: str) -> str:
    from sqlalchemy import select

    from integration_centre.extensions import db
    from integration_centre.pathway.models import StepInstance

    with pages.server.app.app_context():
        return db.session.scalar(
            select(StepInstance.state).where(StepInstance.case_id == uuid.UUID(case_id), StepInstance.step_code == code)
        )


def test_agent_journey(pages):
    page = pages.page
    # 1. Log in: the office dashboard, with overdue deadlines and evaluations from the demo.
    pages.login("agent")
    assert int(page.locator('[data-count="overdue"]').inner_text()) >= 1
    assert int(page.locator('[data-count="evaluations"]').inner_text()) >= 1
    _check(pages, "01-dashboard")
    page.locator('main a[href*="view=overdue"]').first.click()
    page.wait_for_load_state()
    assert page.locator('[data-testid="dashboard-list"]').count() == 1
    _check(pages, "02-dashboard-overdue")

    # 2. Search (POST: nothing in the URL) and open the file in one click.
    page.locator('nav a[href="/search"]').click()
    page.locator("[name=family_name]").fill("haidari")
    page.locator("[name=date_of_birth]").fill("1990-05-04")
    _submit(pages)
    assert pages.path == "/search"
    assert "haidari" not in page.url.lower()
    _check(pages, "03-search-results")
    with page.expect_navigation():
        page.locator('[data-testid="search-results"] a').first.click()
    assert pages.path.startswith("/cases/")
    assert page.locator('[data-testid="deadlines"]').count() == 1
    _check(pages, "04-case-found")

    # 3. Register a newcomer, then a near-duplicate (accents, case, spaces): the warning shows.
    newcomer = {
        "family_name": "Ben Ali",
        "given_names": "Nadia",
        "date_of_birth": "1992-06-15",
        "permit_order_date": (TODAY - timedelta(days=90)).isoformat(),
        "registration_date": (TODAY - timedelta(days=80)).isoformat(),
    }

    def fill_registration(values: dict) -> None:
        pages.goto("/newcomers/new")
        for name, value in values.items():
            page.locator(f"[name={name}]").fill(value)
        page.locator("select[name=sex]").select_option("F")
        page.locator("select[name=nationality]").select_option("SY")
        page.locator("select[name=residence_category]").select_option("refugee")

    fill_registration(newcomer)
    _check(pages, "05-register")
    _submit(pages)
    assert pages.path.startswith("/newcomers/"), pages.path
    person_path = pages.path
    fill_registration({**newcomer, "family_name": "BENALI", "given_names": "nadia "})
    _submit(pages)
    assert pages.path == "/newcomers/new"
    assert page.locator(".error-summary").count() == 1
    assert "Nadia" in page.locator("main").inner_text()  # the existing file is shown
    _check(pages, "06-duplicate-warning")

    # 4. The eligibility explanation, then open and start the case.
    pages.goto(person_path)
    explanation = page.locator('[data-testid="eligibility"]').inner_text()
    assert len(explanation) > 40
    _check(pages, "07-eligibility")
    _submit(pages, 'main form[action$="/cases"]')
    case_id = _case_id(pages)
    _submit(pages, 'main form[action$="/status"]')  # start the case
    assert page.locator('[data-testid="eligibility"]').count() == 1
    _check(pages, "08-case-started")

    # 5. Reception: social assessment, rights-and-duties session, positioning test, procedures.
    pages.goto(f"/cases/{case_id}/reception/assessment")
    page.locator("[name=assessed_on]").fill(TODAY.isoformat())
    page.locator("select[name=housing_level]").select_option("to_follow")
    page.locator("[name=housing_detail]").fill("Logement temporaire")
    _check(pages, "09-social-assessment")
    _submit(pages)
    pages.goto(f"/cases/{case_id}/reception/session")
    page.locator("[name=held_on]").fill(TODAY.isoformat())
    page.locator("input[name=format][value=individual]").check()
    page.locator("input[name=themes]").first.check()
    page.locator("select[name=language]").select_option("fr")
    page.locator("[name=hours]").fill("3")
    _submit(pages)
    pages.goto(f"/cases/{case_id}/reception/test")
    page.locator("[name=tested_on]").fill(TODAY.isoformat())
    page.locator("select[name=level]").select_option("B1")
    _submit(pages)
    for code in ("social_assessment", "rights_and_duties", "language_test", "admin_help"):
        if _step_state(pages, case_id, code) != "completed":
            if _step_state(pages, case_id, code) in ("pending", "planned"):
                _step(pages, case_id, code, "start")
            _step(pages, case_id, code, "complete", **({"result": "B1"} if code == "language_test" else {}))
        assert _step_state(pages, case_id, code) == "completed", code

    # 6. Sign the reception agreement.
    pages.goto(f"/cases/{case_id}/agreement/sign")
    page.locator("[name=signed_on]").fill(TODAY.isoformat())
    _check(pages, "10-sign-agreement")
    _submit(pages)
    assert _step_state(pages, case_id, "agreement") == "completed"

    # 7. Complete the steps: French not needed at B1, no orientation need, citizenship 60 hours.
    _step(pages, case_id, "french_course", "exempt", reason="condition_not_met")
    _step(pages, case_id, "orientation", "exempt", reason="condition_not_met")
    _step(pages, case_id, "citizenship", "start")
    pages.goto(f"/cases/{case_id}/steps/citizenship")
    _check(pages, "11-step-form")
    _step(pages, case_id, "citizenship", "complete", hours="60", result="aoc", evidence="attendance_record")
    _check(pages, "12-case-steps-done")

    # 8. Issue the certificate and open its public verification page.
    pages.goto(f"/cases/{case_id}/certificate/issue")
    _check(pages, "13-issue-certificate")
    _submit(pages)
    pages.goto(f"/cases/{case_id}")
    verify = page.locator('a[href^="/verify/"]').first
    href = verify.get_attribute("href")
    pages.goto(href)
    text = page.locator("main").inner_text()
    assert "Ben Ali" not in text and "Nadia" not in text
    _check(pages, "14-verify")


@pytest.mark.parametrize("path", ["/deadlines/calculator"])
def test_deadline_calculator_page(pages, path):
    pages.login("agent")
    pages.goto(path)
    pages.page.locator("[name=permit_order_date]").fill("2022-08-31")
    pages.page.locator("[name=registration_date]").fill("2023-11-30")
    _submit(pages)
    cells = pages.page.locator('tr[data-version="wallonia:2018"] td[data-deadline="completion"]')
    assert cells.get_attribute("data-iso") == "2024-02-29"
    _check(pages, "15-calculator")
