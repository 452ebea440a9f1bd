"""Notifications to the municipality and the CPAS: minimal data, outbox, exports, sent, timeline."""

from __future__ import annotations

import csv
import io
from datetime import date

from integration_centre.extensions import db
from integration_centre.reception import documents, services
from integration_centre.reception.models import ThirdPartyNotification
from tests.conftest import login
from tests.reception.helpers import do_reception, pdf_text

NISS = "85073003328"


def test_queue_export_and_mark_sent(client, agent, other_agent, started_case):
    case = started_case(family_name="Zyxwabcq", given_names="Quorvinda", niss=NISS)
    do_reception(agent, case)
    login(client, agent)
    assert client.post(f"/cases/{case.id}/notifications", data={"recipient": "municipality"}).status_code == 302
    assert client.post(f"/cases/{case.id}/notifications", data={"recipient": "cpas"}).status_code == 302
    bad = client.post(f"/cases/{case.id}/notifications", data={"recipient": "police"})
    assert bad.status_code == 302
    assert db.session.query(ThirdPartyNotification).count() == 2
    db.session.refresh(case)
    assert [e.reason for e in case.timeline if e.action == "notification.queue"] == ["municipality", "cpas"]

    outbox = client.get("/reception/outbox").get_data(as_text=True)
    assert "Zyxwabcq" in outbox and NISS in outbox

    exported = client.get("/reception/outbox/municipality.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2
    assert len(rows[0]) == 5  # name, given names, NISS, agreement, certificate: nothing else
    assert rows[1][:3] == ["Zyxwabcq", "Quorvinda", NISS]
    assert "1985" not in exported.get_data(as_text=True)

    letter = client.get("/reception/outbox/cpas.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    text = pdf_text(letter.data)
    assert "Zyxwabcq Quorvinda" in text and NISS in text

    assert client.get("/reception/outbox/police.csv").status_code == 404
    confirm = client.get("/reception/outbox/municipality/sent")
    assert confirm.status_code == 200
    assert db.session.query(ThirdPartyNotification).filter(ThirdPartyNotification.sent_at.is_not(None)).count() == 0
    assert client.post("/reception/outbox/municipality/sent", data={}).status_code == 302
    db.session.expire_all()
    sent = db.session.query(ThirdPartyNotification).filter_by(recipient="municipality").one()
    assert sent.sent_at is not None and sent.sent_by_id == agent.id
    assert db.session.query(ThirdPartyNotification).filter_by(recipient="cpas").one().sent_at is None
    db.session.refresh(case)
    assert [e.reason for e in case.timeline if e.action == "notification.sent"] == ["municipality"]
    sent_page = client.get("/reception/outbox?sent=1").get_data(as_text=True)
    assert "Zyxwabcq" in sent_page

    other = client.application.test_client()
    login(other, other_agent)
    assert "Zyxwabcq" not in other.get("/reception/outbox").get_data(as_text=True)
    assert "Zyxwabcq" not in other.get("/reception/outbox/municipality.csv").get_data(as_text=True)


def test_payload_is_minimal_and_frozen(agent, started_case):
    case = started_case(niss=NISS)
    item = services.queue_notification(agent, case, "cpas")
    db.session.commit()
    rows = services.notification_rows(agent, [item])
    assert set(rows[0]) - {"id", "case_id", "recipient", "queued_at", "sent_at"} == {
        "family_name",
        "given_names",
        "niss",
        "agreement",
        "certificate",
    }
    assert rows[0]["agreement"] is False and rows[0]["certificate"] is False


def test_outbox_empty_state_and_pagination(client, agent, started_case):
    login(client, agent)
    empty = client.get("/reception/outbox").get_data(as_text=True)
    assert 'class="table"' not in empty
    case = started_case()
    for _ in range(27):
        services.queue_notification(agent, case, "municipality")
    db.session.commit()
    first = client.get("/reception/outbox").get_data(as_text=True)
    assert first.count("<tr>") == 26  # header + 25 rows
    assert 'rel="next"' in first
    second = client.get("/reception/outbox?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 3 and 'rel="prev"' in second
    assert client.get("/reception/outbox?page=99").status_code == 200
    only_cpas = client.get("/reception/outbox?recipient=cpas").get_data(as_text=True)
    assert 'class="table"' not in only_cpas


def test_csv_cells_cannot_run_as_formulas():
    rows = [
        {"family_name": "=HYPERLINK(1)", "given_names": "+x", "niss": "@y", "agreement": True, "certificate": False}
    ]
    body = documents.notifications_csv(rows)
    assert "'=HYPERLINK(1)" in body and "'+x" in body and "'@y" in body


def test_agreement_and_certificate_flags(agent, started_case):
    case = started_case()
    do_reception(agent, case, on=date(2025, 3, 5))
    item = services.queue_notification(agent, case, "municipality")
    db.session.commit()
    assert services.notification_rows(agent, [item])[0]["agreement"] is True
