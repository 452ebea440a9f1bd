"""The admin erasure pages (confirmation step, password re-entered, refusal explained), the
retention page, and the agent's view of an erased file (a shell, no crash)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway.models import Case
from integration_centre.privacy import audit, erasure, keys
from tests.accounts.helpers import field_error
from tests.conftest import login
from tests.privacy.erasure.conftest import ADMIN_ACTOR


def test_admin_erases_after_the_confirmation_step(app, login_as, person):
    target = person("Van den Bossche", "Leila")
    client, _admin = login_as(Role.ADMIN)
    start = client.get("/admin/erasure/")
    assert start.status_code == 200
    bad = client.post("/admin/erasure/", data={"person": "Leila"})
    assert bad.status_code == 200 and field_error(bad, "person")
    found = client.post("/admin/erasure/", data={"person": str(target.id)})
    assert found.status_code == 302 and found.headers["Location"] == f"/admin/erasure/{target.id}"
    page = client.get(f"/admin/erasure/{target.id}").get_data(as_text=True)
    assert "Leila Van den Bossche" in page and "cannot be undone" in page
    unconfirmed = client.post(f"/admin/erasure/{target.id}", data={})
    assert unconfirmed.status_code == 200 and field_error(unconfirmed, "confirm")
    assert keys.has_person_key(target.id)
    done = client.post(f"/admin/erasure/{target.id}", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"] == f"/admin/erasure/{target.id}/done"
    assert erasure.erased_on(target.id) is not None
    shell = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "was erased on" in shell and "Leila" not in shell
    # Coming back to the confirmation page goes to the result, never erases twice.
    assert client.get(f"/admin/erasure/{target.id}").headers["Location"].endswith("/done")
    assert audit.verify_chain().ok


def test_a_legal_hold_is_explained_and_nothing_happens(app, login_as, person):
    held = person("Diallo", "Mamadou", stage="open")
    client, _admin = login_as(Role.ADMIN)
    page = client.get(f"/admin/erasure/{held.id}").get_data(as_text=True)
    assert "a legal hold applies" in page and "still open" in page
    assert 'name="confirm"' not in page
    client.post(f"/admin/erasure/{held.id}", data={"confirm": "y"})
    assert keys.has_person_key(held.id) and erasure.erased_on(held.id) is None


def test_unknown_file_number_and_other_roles(app, login_as, make_user):
    client, _admin = login_as(Role.ADMIN)
    unknown = client.get("/admin/erasure/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and "No file has this number" in unknown.get_data(as_text=True)
    agent_client, _agent = login_as(Role.AGENT)
    for path in ("/admin/erasure/", "/admin/retention/"):
        assert agent_client.get(path).status_code == 404


def test_erasure_asks_for_the_password_again_after_15_minutes(app, login_as, person):
    target = person("Nguyen", "Linh")
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False) as traveller:
        client, _admin = login_as(Role.ADMIN)
        traveller.shift(timedelta(minutes=16))
        response = client.post(f"/admin/erasure/{target.id}", data={"confirm": "y"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/account/reauthenticate")
    assert keys.has_person_key(target.id)


def test_retention_page_lists_upcoming_purges(app, login_as, person):
    app.config["RETENTION_CLOSED_CASE_YEARS"] = 1
    due = person("Ahmadi", "Farid", stage="closed", ended=date(2025, 3, 1))
    person("Dubois", "Marie", stage="open")
    client, _admin = login_as(Role.ADMIN)
    page = client.get("/admin/retention/").get_data(as_text=True)
    assert str(due.id) in page and "files are kept 1 years" in page
    assert page.count("<tr>") == 2  # header + one file
    assert "Ahmadi" not in page  # file numbers only, never names


def test_agent_sees_the_shell_of_an_erased_file(app, login_as, person, agent):
    app.config["RETENTION_CLOSED_CASE_YEARS"] = 1
    target = person("Ahmadi", "Farid", stage="closed", ended=date(2025, 3, 1))
    erasure.erase_person(target.id, actor=ADMIN_ACTOR)
    db.session.commit()
    client = app.test_client()
    login(client, agent)
    response = client.get(f"/newcomers/{target.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "was erased on" in text and "Ahmadi" not in text
    assert client.post(f"/newcomers/{target.id}/cases", data={}).status_code == 400
    case = db.session.scalars(select(Case).where(Case.person_id == target.id)).one()
    case_page = client.get(f"/cases/{case.id}")
    assert case_page.status_code == 200
    assert "was erased on" in case_page.get_data(as_text=True)
    dashboard = client.get("/agent?status=all")
    assert dashboard.status_code == 200 and "Ahmadi" not in dashboard.get_data(as_text=True)


def test_erasure_from_a_request_of_the_register_then_the_request_is_closed(app, login_as, person):
    from integration_centre.rights import requests as register

    target = person("Van den Bossche", "Leila")
    client, admin = login_as(Role.ADMIN)
    item = register.record_request(admin, target.id, "erasure", date.today(), details="Asked at the desk")
    db.session.commit()
    detail = client.get(f"/admin/privacy/requests/{item.id}").get_data(as_text=True)
    link = f"/admin/erasure/{target.id}?request={item.id}"
    assert link in detail.replace("&amp;", "&")
    confirm = client.get(link).get_data(as_text=True)
    assert f"/admin/privacy/requests/{item.id}" in confirm
    done = client.post(link, data={"confirm": "y"})
    assert done.headers["Location"] == f"/admin/erasure/{target.id}/done?request={item.id}"
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f'href="/admin/privacy/requests/{item.id}"' in result
    # Back in the register: the request page still opens and the request can be closed.
    assert client.get(f"/admin/privacy/requests/{item.id}").status_code == 200
    closed = client.post(
        f"/admin/privacy/requests/{item.id}/close",
        data={"close-status": "answered", "close-answer": "Your data was erased."},
    )
    assert closed.status_code == 302
    db.session.expire_all()
    from integration_centre.rights.models import SubjectRequest

    assert db.session.get(SubjectRequest, item.id).status == "answered"
    assert client.get(f"/admin/privacy/requests/{item.id}").status_code == 200
