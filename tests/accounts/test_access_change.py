"""Issue 15, finding 4 (sessions): a login session is bound to the role and attachment the user
had when logging in. A change of role, attachment or enabled status ends every open session,
audited; a change made behind the services' back ends the session at its next request."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select, update

from integration_centre.accounts import services
from integration_centre.accounts.models import Role, User, UserSession
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.conftest import login


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def _sessions(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)))


def _session_audit(user_id: int) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "session_revoke",
                AuditRecord.object_type == "user",
                AuditRecord.object_id == str(user_id),
            )
        )
    )


def test_moving_an_operator_ends_their_sessions_audited(app, make_user, org):
    admin = make_user(Role.ADMIN)
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    browser = app.test_client()
    login(browser, operator)
    assert browser.get("/operator/referrals").status_code == 200

    services.assign_role(operator, Role.OPERATOR, None, org["other_operator"].id, acting=admin)
    db.session.commit()

    assert _sent_to_login(browser.get("/operator/referrals"))
    [row] = _sessions(operator.id)
    assert row.revoked_at is not None and row.revoked_reason == "attachment_changed"
    [record] = _session_audit(operator.id)
    assert record.actor_id == str(admin.id) and record.purpose == "access_change"


def test_disabling_ends_the_sessions_audited(app, make_user):
    admin = make_user(Role.ADMIN)
    agent = make_user(Role.AGENT)
    browser = app.test_client()
    login(browser, agent)
    services.set_enabled(agent, False, acting=admin)
    db.session.commit()
    assert _sent_to_login(browser.get("/agent"))
    [row] = _sessions(agent.id)
    assert row.revoked_reason == "disabled"
    assert len(_session_audit(agent.id)) == 1


def test_a_change_behind_the_services_back_ends_the_session_at_the_next_request(app, make_user, org):
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    browser = app.test_client()
    login(browser, operator)
    assert browser.get("/operator/referrals").status_code == 200
    db.session.execute(update(User).where(User.id == operator.id).values(operator_id=org["other_operator"].id))
    db.session.commit()
    assert _sent_to_login(browser.get("/operator/referrals"))
    [row] = _sessions(operator.id)
    assert row.revoked_at is not None and row.revoked_reason == "binding_mismatch"
    assert len(_session_audit(operator.id)) == 1
    # Moving the user back does not revive the session.
    db.session.execute(update(User).where(User.id == operator.id).values(operator_id=org["operator"].id))
    db.session.commit()
    assert _sent_to_login(browser.get("/operator/referrals"))


def test_session_records_the_role_and_attachment_of_the_login(app, make_user, org):
    agent = make_user(Role.AGENT)
    login(app.test_client(), agent)
    [row] = _sessions(agent.id)
    assert (row.bound_role, row.bound_office_id, row.bound_operator_id, row.bound_centre_id) == (
        "agent",
        org["office"].id,
        None,
        org["centre"].id,
    )
