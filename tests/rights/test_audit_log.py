"""The audit log for humans: one line per page view and person, names, labels, file numbers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights import audit_labels
from integration_centre.rights.audit_log import file_number

PURPOSES = ("case.view", "deadline.compute", "referral.suggest")


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr data-seq=.*?</tr>", html.split("<tbody>", 1)[-1], flags=re.S)


def _view_in_one_request(app, agent, newcomer) -> None:
    """What a case page does: several reads of one person, one purpose each, in one request."""
    with app.test_request_context("/cases/x"):
        for purpose in PURPOSES:
            with access(agent, purpose, [newcomer.id]):
                _ = newcomer.family_name
        db.session.commit()


def test_one_line_per_page_view_and_person_with_every_purpose(app, admin, person):
    client, _ = admin
    agent, newcomer = person
    _view_in_one_request(app, agent, newcomer)
    records = db.session.scalar(
        select(func.count()).where(AuditRecord.object_id == str(newcomer.id), AuditRecord.action == "view")
    )
    assert records == len(PURPOSES), "each purpose keeps its own chained record"

    html = client.get(f"/admin/audit/?person={file_number(newcomer.id)}&action=view").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 1, rows
    row = rows[0]
    assert f'data-records="{len(PURPOSES)}"' in row
    assert "Alex Agent" in row and "Reception agent" in row  # the user's name and role, not "1"
    assert f"File No. {file_number(newcomer.id)}" in row
    assert str(newcomer.id) not in row, "the short file number, not the whole id"
    for code in PURPOSES:
        assert str(audit_labels.PURPOSE_LABELS[code]) in row
    visible = re.sub(r"<[^>]+>", " ", row)
    assert not any(code in visible for code in PURPOSES), "no purpose code on screen"
    assert "Zylberstein" not in html, "names only on request"
    assert audit.verify_chain().ok


def test_names_on_request_and_the_reading_is_audited(app, admin, person):
    client, admin_user = admin
    agent, newcomer = person
    _view_in_one_request(app, agent, newcomer)
    page = client.get(f"/admin/audit/?person={file_number(newcomer.id)}")
    assert 'data-names="show"' in page.get_data(as_text=True)
    html = client.get(f"/admin/audit/?person={file_number(newcomer.id)}&names=1").get_data(as_text=True)
    assert "ZYLBERSTEIN, Ottilie" in html
    assert 'data-names="hide"' in html
    reviews = db.session.scalar(
        select(func.count()).where(
            AuditRecord.object_id == str(newcomer.id),
            AuditRecord.purpose == "audit.review",
            AuditRecord.actor_id == str(admin_user.id),
        )
    )
    assert reviews == 1, "showing a name is an access, recorded once per page view"
    assert audit.verify_chain().ok


def test_filter_by_file_number_prefix_or_whole_number(app, admin, person):
    client, _ = admin
    agent, newcomer = person
    _view_in_one_request(app, agent, newcomer)
    audit.record("login", "user", str(agent.id), purpose="authentication", actor=agent)
    db.session.commit()
    for value in (file_number(newcomer.id), str(newcomer.id)[:6], str(newcomer.id), str(newcomer.id).upper()):
        html = client.get(f"/admin/audit/?person={value}").get_data(as_text=True)
        rows = _rows(html)
        assert rows and all(f"File No. {file_number(newcomer.id)}" in row for row in rows), value
        assert 'data-code="login"' not in html
    refused = client.get("/admin/audit/?person=abc").get_data(as_text=True)
    assert "error-summary" in refused and "at least its first 6 characters" in refused


def test_labels_for_actions_roles_and_system(app, admin):
    client, _ = admin
    from integration_centre.privacy.context import Actor

    audit.record("backup", "database", purpose="backup.create", actor=Actor.system("cli"))
    audit.record("api_token_create", "api_token", 3, purpose="api_administration", actor=Actor.system("demo"))
    audit.record("some_new_action", "thing", purpose="case.something_new", actor=Actor.system("cli"))
    db.session.commit()
    html = client.get("/admin/audit/").get_data(as_text=True)
    for text in (
        "Backup made",
        "System (command line)",
        "API token created",
        "Administration of the API tokens",
        "Other action",
        "Case file",  # an unknown purpose of a known family
        "Other object",
    ):
        assert text in html, text
    visible = re.sub(r"<[^>]+>", " ", html.split("<tbody>", 1)[-1])
    for code in ("backup.create", "api_administration", "api_token_create", "case.something_new", "system:cli"):
        assert code not in visible, code


def test_every_audited_purpose_and_action_of_the_code_has_a_label():
    """The codes written by the application (grep of the sources) read as words."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "integration_centre"
    purposes, actions = set(), set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        purposes |= set(re.findall(r'purpose="([a-z][a-z0-9_.:-]*)"', text))
        purposes |= set(re.findall(r'\baccess\(\s*\w+,\s*(?:purpose=)?"([a-z][a-z0-9_.:-]*)"', text))
        purposes |= set(re.findall(r'^PURPOSE\w* = "([a-z][a-z0-9_.:-]*)"', text, flags=re.M))
        actions |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', text))
        actions |= set(re.findall(r'record_change\(\s*"([a-z_]+)"', text))
    assert purposes and actions
    unlabelled = sorted(p for p in purposes if audit_labels.purpose_label(p) == "Other purpose")
    assert unlabelled == []
    missing = sorted(a for a in actions if a not in audit_labels.ACTION_LABELS)
    assert missing == []


def test_pagination_counts_lines_not_records(app, admin, person):
    client, _ = admin
    agent, newcomer = person
    for _ in range(3):
        _view_in_one_request(app, agent, newcomer)
    html = client.get(f"/admin/audit/?person={file_number(newcomer.id)}&action=view").get_data(as_text=True)
    assert len(_rows(html)) == 3
    assert "Page views and operations (3)" in html


def test_csv_keeps_the_chained_fields_and_adds_them_in_words(app, admin, person):
    import csv
    import io

    client, _ = admin
    agent, newcomer = person
    _view_in_one_request(app, agent, newcomer)
    response = client.get(f"/admin/audit/export.csv?person={file_number(newcomer.id)}&action=view")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = lines[0]
    assert header[: len(audit.CSV_COLUMNS)] == list(audit.CSV_COLUMNS)
    assert header[len(audit.CSV_COLUMNS) :] == [
        "user_name",
        "role_label",
        "action_label",
        "object_label",
        "purpose_label",
        "file_number",
    ]
    rows = [dict(zip(header, line, strict=True)) for line in lines[1:]]
    assert len(rows) == len(PURPOSES)
    assert {row["purpose_label"] for row in rows} == {str(audit_labels.PURPOSE_LABELS[p]) for p in PURPOSES}
    assert all(row["user_name"] == "Alex Agent" and row["file_number"] == file_number(newcomer.id) for row in rows)
    assert audit.verify_chain().ok
