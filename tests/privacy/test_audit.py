"""Audit: contexts write one row per request/person/purpose, the chain detects tampering, admin page."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.access import access, current_access
from integration_centre.privacy.errors import AccessError
from integration_centre.privacy.models import AuditRecord
from tests.privacy.conftest import AGENT, new_person
from tests.privacy.markers import audit_rows_bytes, find_markers


def _count(**where) -> int:
    query = select(func.count()).select_from(AuditRecord)
    for key, value in where.items():
        query = query.where(getattr(AuditRecord, key) == value)
    return db.session.scalar(query)


def test_one_row_per_request_person_and_purpose(app, tables):
    alice, bob = new_person(family_name="Alice"), new_person(family_name="Bob")
    db.session.commit()
    before = _count(action="view")
    with app.test_request_context():
        with access(AGENT, "case.view", [alice.id, bob.id]):
            _ = alice.family_name, bob.family_name, alice.family_name
        with access(AGENT, "case.view", [alice.id]):
            _ = alice.family_name
        with access(AGENT, "letter.print", [alice.id]):
            _ = alice.family_name
    assert _count(action="view") - before == 3
    with app.test_request_context(), access(AGENT, "case.view", [alice.id]):
        _ = alice.family_name
    assert _count(action="view", object_id=str(alice.id), purpose="case.view") == 2
    db.session.commit()


def test_writes_are_audited_as_create_then_update(app, tables):
    person = new_person(family_name="Alice", given_name="Anne")
    db.session.commit()
    assert _count(action="create", object_id=str(person.id)) == 1
    with access(AGENT, "case.edit", [person.id], action="update"):
        person.family_name = "Alicia"
        person.given_name = "Ann"
    db.session.commit()
    assert _count(action="update", object_id=str(person.id)) == 1


def test_record_refuses_free_text_and_personal_data(app):
    with pytest.raises(ValueError):
        audit.record("view", "person", "Jean Dupont")
    with pytest.raises(ValueError):
        audit.record("view", "person", uuid.uuid4(), purpose="looked at Jean's file")
    with pytest.raises(ValueError):
        audit.record("Viewed file", "person")


def test_current_access_needs_a_logged_in_user(app):
    with app.test_request_context(), pytest.raises(AccessError):
        current_access("case.view", [uuid.uuid4()]).__enter__()


def _chain(n: int = 5) -> None:
    for _ in range(n):
        audit.record("login", "user", "42", actor=AGENT)
    db.session.commit()


def test_intact_chain_verifies(app):
    _chain()
    result = audit.verify_chain()
    assert result.ok and result.checked == 5


def test_tampering_with_a_middle_record_is_detected(app):
    _chain()
    db.session.execute(text("UPDATE privacy_audit SET object_id = '43' WHERE seq = 3"))
    db.session.commit()
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 3


def test_deleting_a_middle_record_is_detected(app):
    _chain()
    db.session.execute(text("DELETE FROM privacy_audit WHERE seq = 3"))
    db.session.commit()
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 3


def test_cutting_the_tail_is_detected(app):
    _chain()
    db.session.execute(text("DELETE FROM privacy_audit WHERE seq = 5"))
    db.session.commit()
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 5


def test_recomputing_a_mac_without_the_key_is_detected(app):
    _chain()
    db.session.execute(text("UPDATE privacy_audit SET action = 'logout', mac = prev_mac WHERE seq = 2"))
    db.session.commit()
    assert audit.verify_chain().first_broken_seq == 2


# Columns of an audit record that its MAC does not bind, and why. Every other column of the model
# is tampered with below, so a column added to AuditRecord but left out of the MAC fails the test.
NOT_BOUND_BY_THE_MAC = {
    "id": "surrogate key (storage only; the chain's order is seq, which is bound)",
    "mac": "the MAC itself (tampering it is covered: it no longer verifies)",
}
BOUND_COLUMNS = [c.name for c in AuditRecord.__table__.columns if c.name not in NOT_BOUND_BY_THE_MAC]


def test_the_unbound_columns_exist_and_the_mac_needs_every_bound_one(app):
    columns = {c.name for c in AuditRecord.__table__.columns}
    assert set(NOT_BOUND_BY_THE_MAC) <= columns
    fields = dict.fromkeys(BOUND_COLUMNS) | {"seq": 1, "occurred_at": datetime.now(UTC)}
    audit.compute_mac(b"k" * 32, fields)
    for name in BOUND_COLUMNS:
        with pytest.raises(KeyError):
            audit.compute_mac(b"k" * 32, {k: v for k, v in fields.items() if k != name})


def _tampered(value):
    """A different value of the same type (and length, for codes and MACs)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, str):
        return value[:-1] + ("x" if value[-1] != "x" else "y")
    raise AssertionError(f"no tampered value for {value!r}")


TAMPERINGS = [(name, "changed") for name in [*BOUND_COLUMNS, "mac"]] + [
    (name, "nulled") for name in BOUND_COLUMNS if AuditRecord.__table__.c[name].nullable
]


@pytest.mark.parametrize(("column", "how"), TAMPERINGS)
def test_tampering_with_any_column_the_mac_binds_is_detected(app, column, how):
    """Issue 15, finding 10b: every column of the record is covered, not only some."""
    with app.test_request_context():
        for n in range(5):
            audit.record("view", "person", f"4{n}", purpose="case.view", actor=AGENT)
    db.session.commit()
    row = db.session.execute(select(AuditRecord.__table__).where(AuditRecord.seq == 3)).one()._mapping
    assert all(row[name] is not None for name in BOUND_COLUMNS), "the record must fill every column"
    new = None if how == "nulled" else _tampered(row[column])
    db.session.execute(update(AuditRecord.__table__).where(AuditRecord.seq == 3).values({column: new}))
    db.session.commit()
    db.session.expire_all()
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 3, (column, result)


def test_audit_verify_command_exit_codes(app):
    _chain()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 5 records" in ok.output
    db.session.execute(text("DELETE FROM privacy_audit WHERE seq = 2"))
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code != 0 and "record 2" in broken.output


def test_audit_rows_hold_no_personal_data(app, tables):
    person = new_person(family_name="Xylophonique", given_name="Quintessa", notes="Diabetes type Zeta")
    db.session.commit()
    with access(AGENT, "case.view", [person.id]):
        _ = person.notes
    db.session.commit()
    assert find_markers(audit_rows_bytes(db.session), ["Xylophonique", "Quintessa", "Diabetes"]) == []


def test_admin_audit_page_filters_and_paginates(app, login_as, tables):
    client, _admin = login_as(Role.ADMIN)
    person = new_person(family_name="Alice")
    for _ in range(60):
        audit.record("login", "user", "42", actor=AGENT)
    db.session.commit()
    page = client.get("/admin/audit/")
    assert page.status_code == 200 and 'rel="next"' in page.get_data(as_text=True)
    filtered = client.get(f"/admin/audit/?person={person.id}&action=create")
    body = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and str(person.id)[:8] in body and "login" not in body.split("<tbody>")[-1]
    by_user = client.get("/admin/audit/?user=7&date_from=2000-01-01&date_to=2999-12-31")
    assert by_user.status_code == 200
    bad = client.get("/admin/audit/?person=not-a-uuid")
    assert bad.status_code == 200 and "error-summary" in bad.get_data(as_text=True)
    assert client.get("/admin/audit/?page=2").status_code == 200


def test_admin_exports_csv_and_the_export_is_audited(app, login_as):
    client, _admin = login_as(Role.ADMIN)
    audit.record("login", "user", "42", actor=AGENT)
    db.session.commit()
    response = client.get("/admin/audit/export.csv?action=login")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert lines[0][:3] == ["seq", "occurred_at", "actor_id"] and len(lines) >= 2
    assert response.get_data(as_text=True).startswith('"seq","occurred_at"')  # every field quoted
    assert _count(action="export", object_type="audit_log") == 1


def test_audit_page_is_hidden_from_other_roles(app, login_as):
    client, _ = login_as(Role.AGENT)
    assert client.get("/admin/audit/").status_code == 404
    assert client.get("/admin/audit/export.csv").status_code == 404


def test_read_only_request_keeps_its_audit_rows_without_a_commit(app, tables):
    from flask import Response

    person = new_person(family_name="Alice")
    db.session.commit()
    with app.test_request_context("/newcomers/x"):
        with access(AGENT, "case.view", [person.id]):
            _ = person.family_name
        app.process_response(Response("ok"))
    db.session.rollback()
    assert _count(action="view", object_id=str(person.id)) == 1


def test_failed_or_writing_request_does_not_commit_by_itself(app, tables):
    from flask import Response

    person = new_person(family_name="Alice")
    db.session.commit()
    with app.test_request_context("/x"):
        with access(AGENT, "case.view", [person.id]):
            _ = person.family_name
        app.process_response(Response("no", status=404))
    db.session.rollback()
    with app.test_request_context("/y"):
        with access(AGENT, "case.edit", [person.id], action="update"):
            person.notes = "changed"
        db.session.flush()
        app.process_response(Response("ok"))
    db.session.rollback()
    assert _count(object_id=str(person.id), purpose="case.view") == 0
    assert _count(object_id=str(person.id), purpose="case.edit") == 0


def test_csv_export_asks_for_the_password_after_15_minutes(app, login_as):
    from datetime import UTC, datetime, timedelta

    import time_machine

    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False) as traveller:
        client, _ = login_as(Role.ADMIN)
        traveller.shift(timedelta(minutes=16))
        assert client.get("/admin/audit/").status_code == 200
        response = client.get("/admin/audit/export.csv")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/reauthenticate")
    assert _count(action="export") == 0
