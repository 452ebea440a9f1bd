"""Logins and logouts are written to the audit trail (codes only), and the chain verifies."""

from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.privacy.audit import verify_chain
from integration_centre.privacy.models import AuditRecord
from tests.conftest import csrf_token_from, login


def test_login_and_logout_are_audited(app, client, make_user):
    user = make_user(Role.AGENT)
    assert login(client, user).status_code == 302
    token = csrf_token_from(client.get("/agent").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
    assert [(r.action, r.object_type, r.object_id) for r in rows] == [
        ("login", "user", str(user.id)),
        ("logout", "user", str(user.id)),
    ]
    assert all(r.actor_id == str(user.id) and r.actor_role == "agent" for r in rows)
    assert verify_chain().ok


def test_failed_login_writes_no_audit_record(app, client, make_user):
    user = make_user(Role.AGENT)
    client.post("/login", data={"email": user.email, "password": "wrong password here"})
    assert db.session.scalars(select(AuditRecord)).all() == []
