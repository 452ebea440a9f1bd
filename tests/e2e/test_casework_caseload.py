"""Casework in the browser (issue 16): transfer a case to another office and accept it there,
reassign cases, merge two files of the same person. Screenshots (desktop and phone width) and
axe-core on each page."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _check(pages: Pages, name: str) -> None:
    pages.screenshot(f"casework-{name}")
    pages.check_accessibility(name)
    pages.page.set_viewport_size(PHONE)
    pages.screenshot(f"casework-{name}-phone")
    pages.check_accessibility(f"{name} (phone)")
    pages.page.set_viewport_size(DESKTOP)


def _submit(pages: Pages, form_selector: str = "main form[method=post]") -> None:
    with pages.page.expect_navigation():
        pages.page.locator(f"{form_selector} button[type=submit]").first.click()


def _query(app, fn):
    from integration_centre.extensions import db

    with app.app_context():
        result = fn(db)
        db.session.rollback()
        return result


def _namur_case(db):
    from sqlalchemy import select

    from integration_centre.accounts.models import Office
    from integration_centre.pathway.models import Case, TransferRequest
    from integration_centre.pathway.states import CaseStatus

    namur = db.session.scalar(select(Office.id).where(Office.name == "Bureau d'accueil de Namur"))
    pending = select(TransferRequest.case_id)
    return db.session.scalar(
        select(Case.id)
        .where(Case.office_id == namur, Case.status == CaseStatus.IN_PROGRESS, Case.id.not_in(pending))
        .order_by(Case.opened_on)
        .limit(1)
    )


def test_transfer_a_case_and_accept_it_in_the_other_office(pages: Pages):
    app = pages.server.app
    case_id = _query(app, _namur_case)
    pages.login("agent")
    pages.goto("/transfers/incoming")
    assert "RAHIMI, Zahra" in pages.page.content()  # the demo's request from Liège
    _check(pages, "incoming-transfers")
    pages.goto(f"/cases/{case_id}")
    pages.page.locator("[data-testid=casework] a.button").click()
    pages.page.wait_for_url(re.compile(r"/transfer$"))
    pages.page.locator("select[name=office]").select_option(label="Bureau d'accueil de Liège")
    pages.page.locator("textarea[name=note]").fill("La personne a déménagé à Liège.")
    _check(pages, "transfer-form")
    _submit(pages)
    assert pages.path == f"/cases/{case_id}"
    assert pages.page.locator("[data-testid=pending-transfer]").count() == 1
    _check(pages, "transfer-pending")
    pages.logout()

    pages.login("agent_liege")
    pages.goto("/transfers/incoming")
    _check(pages, "incoming-liege")
    pages.page.locator("[data-testid=incoming-transfers] a.button").first.click()
    pages.page.wait_for_url(re.compile(r"/accept$"))
    _check(pages, "transfer-accept")
    _submit(pages)
    successor = pages.path
    assert re.fullmatch(r"/cases/[0-9a-f-]{36}", successor) and successor != f"/cases/{case_id}"
    _check(pages, "transfer-accepted")

    def states(db):
        from integration_centre.pathway.models import Case

        old = db.session.get(Case, uuid.UUID(str(case_id)))
        return old.status.value, str(old.successor_case_id)

    status, successor_id = _query(app, states)
    assert status == "transferred" and successor.endswith(successor_id)
    pages.logout()


def test_reassign_cases(pages: Pages):
    app = pages.server.app
    pages.login("agent")
    pages.goto("/caseload")
    _check(pages, "caseload")

    def counts(db):
        from sqlalchemy import func, select

        from integration_centre.accounts.models import User
        from integration_centre.pathway.models import Case
        from integration_centre.pathway.states import ACTIVE_CASE_STATUSES

        rows = db.session.execute(
            select(User.email, func.count())
            .join(Case, Case.responsible_agent_id == User.id)
            .where(Case.status.in_(list(ACTIVE_CASE_STATUSES)))
            .group_by(User.email)
        )
        return dict(rows.all())

    before = _query(app, counts)
    pages.page.get_by_role("link", name="Aline Dubois (démo)").click()
    pages.page.wait_for_url(re.compile(r"/caseload/\d+$"))
    pages.page.locator("input[name=cases]").nth(0).check()
    pages.page.locator("input[name=cases]").nth(1).check()
    pages.page.locator("select[name=agent]").select_option(label="Julien Lambert (démo)")
    _check(pages, "reassign-form")
    _submit(pages, "[data-testid=reassign-form]")
    assert pages.page.locator("[data-testid=reassign-confirm]").count() == 1
    _check(pages, "reassign-confirm")
    _submit(pages, "[data-testid=reassign-confirm] form")
    assert pages.path == "/caseload"
    after = _query(app, counts)
    assert after["agent2@demo.example"] == before["agent2@demo.example"] + 2
    assert after["agent@demo.example"] == before["agent@demo.example"] - 2
    pages.logout()


def test_merge_two_files(pages: Pages):
    app = pages.server.app

    def review_file(db):
        from sqlalchemy import select

        from integration_centre.pathway.models import DuplicateReview

        review = db.session.scalar(select(DuplicateReview).where(DuplicateReview.status == "open"))
        return review.person_ids[0]

    kept = _query(app, review_file)
    pages.login("agent")
    pages.goto(f"/newcomers/{kept}/merge")
    _check(pages, "merge-candidates")
    pages.page.locator("[data-testid=merge-candidates] a").first.click()
    pages.page.wait_for_url(re.compile(r"/merge/[0-9a-f-]{36}$"))
    removed = pages.path.rsplit("/", 1)[1]
    assert pages.page.locator("[data-testid=merge-compare]").inner_text().count("OKAFOR") == 2
    pages.page.locator(f"input[name=keep][value='{kept}']").check()
    pages.page.locator("input[name=confirm]").check()
    _check(pages, "merge-compare")
    _submit(pages)
    assert pages.path == f"/newcomers/{kept}"
    _check(pages, "merge-done")

    def gone(db):
        from integration_centre.pathway.models import Newcomer
        from integration_centre.privacy import keys

        return db.session.get(Newcomer, uuid.UUID(removed)) is None and keys.is_person_key_destroyed(removed)

    assert _query(app, gone)
    pages.logout()
