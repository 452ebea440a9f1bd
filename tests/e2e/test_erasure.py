"""Admin journey: record an erasure request, see a refusal explained, carry out an erasure after
the confirmation step with the password re-entered (browser, screenshots, axe-core)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.harness import DEMO_PASSWORD, Pages

pytestmark = pytest.mark.e2e
REAUTH_SECONDS = 3


def _demo_persons(app) -> dict:
    """A demo person without any case (erasable) and one with an open case (held)."""
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, Newcomer
    from integration_centre.pathway.states import CaseStatus
    from integration_centre.privacy.access import access
    from integration_centre.privacy.context import Actor

    with app.app_context():
        has_case = select(Case.id).where(Case.person_id == Newcomer.id).exists()
        free = db.session.scalars(select(Newcomer.id).where(~has_case).order_by(Newcomer.created_at)).first()
        held = db.session.scalars(select(Case.person_id).where(Case.status == CaseStatus.IN_PROGRESS)).first()
        assert free is not None and held is not None, "the demo has registrations without case and open cases"
        with access(Actor.system("e2e"), "test.setup", [free]):
            row = db.session.get(Newcomer, free)
            person = {"id": free, "family": row.family_name, "given": row.given_names, "born": row.date_of_birth}
        db.session.commit()
        db.session.remove()
    return {"free": person, "held": held}


def _remains(app, person_id) -> dict:
    from integration_centre.extensions import db
    from integration_centre.privacy import erasure

    with app.app_context():
        try:
            return {**erasure.remains(person_id), "erased": erasure.erased_on(person_id) is not None}
        finally:
            db.session.remove()


def _request_status(app, request_id: str) -> str:
    import uuid

    from integration_centre.extensions import db
    from integration_centre.rights.models import SubjectRequest

    with app.app_context():
        try:
            return db.session.get(SubjectRequest, uuid.UUID(request_id)).status
        finally:
            db.session.remove()


@contextmanager
def _password_always_asked(app, pages: Pages):
    """The next sensitive page asks for the password again: the re-authentication window
    (normally 15 minutes) shrinks to a few seconds, which have passed since the login."""
    previous = app.config["REAUTH_AFTER"]
    app.config["REAUTH_AFTER"] = timedelta(seconds=REAUTH_SECONDS)
    pages.page.wait_for_timeout(REAUTH_SECONDS * 1000 + 200)
    try:
        yield
    finally:
        app.config["REAUTH_AFTER"] = previous


def _reenter_password(pages: Pages, shot: str | None = None) -> None:
    assert pages.path.startswith("/account/reauthenticate"), pages.path
    if shot:
        pages.screenshot(shot)
        pages.check_accessibility("re-enter the password")
    pages.page.locator("input[name=password]").fill(DEMO_PASSWORD)
    pages.submit()


def test_admin_records_and_carries_out_an_erasure(pages: Pages) -> None:
    app = pages.server.app
    persons = _demo_persons(app)
    free = persons["free"]
    pages.login("admin")

    # A refused erasure: the legal hold is explained, there is no erase button.
    with _password_always_asked(app, pages):
        pages.goto(f"/admin/erasure/{persons['held']}")
        _reenter_password(pages)
    assert pages.path == f"/admin/erasure/{persons['held']}"
    assert pages.page.locator("[role=alert] li").count() >= 1
    assert pages.page.locator("input[name=confirm]").count() == 0
    pages.screenshot("erasure-refused-legal-hold")
    pages.check_accessibility("erasure refused")

    # The erasure request is recorded in the register (person found by POST).
    pages.goto("/admin/privacy/requests/new")
    pages.page.locator("input[name='find-family_name']").fill(free["family"])
    pages.page.locator("input[name='find-given_names']").fill(free["given"])
    pages.page.locator("input[name='find-date_of_birth']").fill(free["born"].isoformat())
    pages.submit()
    assert pages.page.locator("input[name='req-person_id']").count() == 1
    pages.page.locator("input[name='req-person_id']").check()
    pages.page.locator("select[name='req-kind']").select_option("erasure")
    pages.screenshot("erasure-request-record")
    with pages.page.expect_navigation():
        pages.page.locator("form:has(input[name=step][value=record]) button[type=submit]").click()
    assert pages.path.startswith("/admin/privacy/requests/")
    pages.screenshot("erasure-request-recorded")

    # From the request: password re-entered, then the confirmation step, then the erasure.
    with _password_always_asked(app, pages):
        with pages.page.expect_navigation():
            pages.page.locator("a.button-warning[href*='/admin/erasure/']").click()
        _reenter_password(pages, shot="erasure-password")
    assert pages.path.startswith(f"/admin/erasure/{free['id']}?request=")
    text = pages.page.locator("main").inner_text()
    assert (free["family"] in text and "cannot be undone" in text.replace("\u202f", " ")) or free["family"] in text
    pages.screenshot("erasure-confirm")
    pages.check_accessibility("erasure confirmation")
    # Without ticking the box nothing happens.
    pages.submit()
    assert pages.page.locator(".error-summary").count() == 1
    assert not _remains(app, free["id"])["erased"]
    pages.page.locator("input[name=confirm]").check()
    pages.submit()
    assert pages.path.startswith(f"/admin/erasure/{free['id']}/done")
    done = pages.page.locator("main").inner_text()
    assert free["family"] not in done
    pages.screenshot("erasure-done")
    pages.check_accessibility("erasure done")
    assert _remains(app, free["id"]) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0, "erased": True}

    # Back to the request; the register no longer finds the person.
    with pages.page.expect_navigation():
        pages.page.locator("main a.button[href*='/admin/privacy/requests/']").click()
    assert pages.path.startswith("/admin/privacy/requests/")
    request_path = pages.path
    pages.page.locator("input[name='close-status'][value=answered]").check()
    pages.page.locator("textarea[name='close-answer']").fill("Vos données ont été effacées.")
    with pages.page.expect_navigation():
        pages.page.locator(f"form[action='{request_path}/close'] button[type=submit]").click()
    assert pages.page.locator("[data-testid=status]").inner_text().strip() != ""
    pages.screenshot("erasure-request-closed")
    assert _request_status(app, request_path.rsplit("/", 1)[-1]) == "answered"
    pages.goto("/admin/privacy/requests/new")
    pages.page.locator("input[name='find-family_name']").fill(free["family"])
    pages.page.locator("input[name='find-given_names']").fill(free["given"])
    pages.page.locator("input[name='find-date_of_birth']").fill(free["born"].isoformat())
    pages.submit()
    assert pages.page.locator("input[name='req-person_id']").count() == 0

    # The retention page (upcoming purges) is reachable and accessible.
    pages.goto("/admin/retention/")
    pages.screenshot("retention-upcoming")
    pages.check_accessibility("retention page")
