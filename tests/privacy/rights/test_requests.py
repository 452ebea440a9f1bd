"""The register of data-subject requests: one-month deadline, extension with a reason, overdue flag,
closing with an answer; every change audited (criterion 6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.errors import PrivacyError
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights import requests as rights
from integration_centre.rights.models import SubjectRequest
from tests.conftest import csrf_token_from


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2025, 12, 20), date(2026, 1, 20)),
    ],
)
def test_deadline_is_one_calendar_month(received, due):
    assert rights.add_months(received, 1) == due


def test_record_extend_close_and_audit(admin, agent, register):
    person = register()
    today = date(2026, 11, 23)
    item = rights.record_request(admin, person.id, "access", date(2026, 11, 2), details="Courrier", today=today)
    db.session.commit()
    assert item.reference == "DSR-2026-0001" and item.due_on == date(2026, 12, 2) and item.status == "received"
    assert item.details_ct is not None and b"Courrier" not in item.details_ct
    second = rights.record_request(admin, person.id, "erasure", date(2026, 11, 3), today=today)
    assert second.reference == "DSR-2026-0002"

    with pytest.raises(rights.RequestInvalid) as refused:
        rights.extend(admin, item, 1, "  ")
    assert "reason" in refused.value.errors
    rights.extend(admin, item, 2, "Many documents to gather")
    assert item.due_on == date(2027, 2, 2) and item.status == "extended"
    with pytest.raises(rights.RequestInvalid):
        rights.extend(admin, item, 1, "Again")  # three months in all: refused by Art. 12(3)

    with pytest.raises(rights.RequestInvalid) as refused:
        rights.close(admin, item, "answered", "")
    assert "answer" in refused.value.errors
    rights.close(admin, item, "answered", "Copy sent by post", today=today)
    db.session.commit()
    assert item.status == "answered" and item.closed_on == today and not item.is_open
    with pytest.raises(PrivacyError):
        rights.close(admin, item, "refused", "Too late")

    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "subject_request")).all()
    assert [(r.action, r.object_id) for r in rows if r.object_id == str(item.id)] == [
        ("create", str(item.id)), ("extend", str(item.id)), ("close", str(item.id))]  # fmt: skip
    assert audit.verify_chain().ok


def test_bad_input_is_refused_with_reasons(admin, register):
    person = register()
    today = date(2026, 11, 23)
    with pytest.raises(rights.RequestInvalid) as refused:
        rights.record_request(admin, person.id, "complaint", today + timedelta(days=1), today=today)
    assert set(refused.value.errors) == {"kind", "received_on"}
    assert db.session.scalar(select(SubjectRequest.id)) is None


def test_register_flags_overdue_requests_and_filters(login_as, register, record):
    person = register()
    late = record(person.id, "access", received_on=date.today() - timedelta(days=45))
    on_time = record(person.id, "rectification", received_on=date.today())
    client, _admin = login_as(Role.ADMIN)
    html = client.get("/admin/privacy/requests/").get_data(as_text=True)
    assert "Overdue requests: 1." in html
    assert html.index(late.reference) < html.index(on_time.reference)  # deadline order: the late one first
    assert html.count('data-testid="overdue"') == 1
    overdue_only = client.get("/admin/privacy/requests/?status=overdue").get_data(as_text=True)
    assert late.reference in overdue_only and on_time.reference not in overdue_only
    bad = client.get("/admin/privacy/requests/?status=nonsense")
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)


def test_new_request_page_finds_by_name_and_birth_date_with_post(login_as, register):
    person = register()
    client, _admin = login_as(Role.ADMIN)
    token = csrf_token_from(client.get("/admin/privacy/requests/new").get_data(as_text=True))
    form = {"csrf_token": token, "step": "find", "find-family_name": "AL HASSAN", "find-date_of_birth": "1995-03-14"}
    found = client.post("/admin/privacy/requests/new", data=form)
    html = found.get_data(as_text=True)
    assert "Al-Hassan, Amira" in html and str(person.id) in html
    nothing = client.post("/admin/privacy/requests/new", data={"csrf_token": token, "step": "find"})
    assert "Enter the NISS, or the family name and the date of birth." in nothing.get_data(as_text=True)
    form = {"csrf_token": token, "step": "record", "req-candidates": str(person.id), "req-kind": "access"}
    missing = client.post("/admin/privacy/requests/new", data=form | {"req-received_on": date.today().isoformat()})
    assert missing.status_code == 200 and "Choose the person." in missing.get_data(as_text=True)
    assert db.session.scalar(select(SubjectRequest.id)) is None


def test_request_page_extend_and_close(login_as, register, record):
    item = record(register().id, "objection")
    client, _admin = login_as(Role.ADMIN)
    url = f"/admin/privacy/requests/{item.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    refused = client.post(url + "/extend", data={"csrf_token": token, "ext-months": "1", "ext-reason": ""})
    assert refused.status_code == 400 and "Give the reason for the extension" in refused.get_data(as_text=True)
    extended = client.post(url + "/extend", data={"csrf_token": token, "ext-months": "1", "ext-reason": "Volume"})
    assert extended.status_code == 302
    form = {"csrf_token": token, "close-status": "refused", "close-answer": "Legal obligation prevails"}
    assert client.post(url + "/close", data=form).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Refused" in page and "Legal obligation prevails" in page and "Volume" in page


def test_deadline_order_puts_open_requests_first(admin, register):
    person = register()
    today = date(2026, 11, 23)
    closed = rights.record_request(admin, person.id, "access", date(2026, 9, 1), today=today)
    rights.close(admin, closed, "answered", "Sent", today=today)
    late = rights.record_request(admin, person.id, "access", date(2026, 10, 1), today=today)
    fresh = rights.record_request(admin, person.id, "objection", date(2026, 11, 20), today=today)
    db.session.commit()
    ordered = db.session.scalars(rights.filtered_query(rights.RequestFilter(), today=today)).all()
    assert [r.id for r in ordered] == [late.id, fresh.id, closed.id]
    assert rights.overdue_count(today) == 1
