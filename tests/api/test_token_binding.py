"""Issue 15, finding 4: a token is bound to the role and the attachment it was created for.

The attack: an operator token of organisation A, its user moved to organisation B, read B's
referrals and persons. Any change of role, attachment or enabled status of the user now revokes
the user's tokens (audited); a change made behind the services' back (a direct update) is caught
when the token is next used, and the token is revoked there too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from integration_centre.accounts import services as accounts
from integration_centre.accounts.models import Role, User
from integration_centre.api.models import ApiToken
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.api.conftest import bearer, problem_of


def _revocations(token_id: int) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            select(AuditRecord).where(
                AuditRecord.object_type == "api_token",
                AuditRecord.object_id == str(token_id),
                AuditRecord.action == "api_token_revoke",
            )
        )
    )


def _token(token_id: int) -> ApiToken:
    db.session.expire_all()
    return db.session.get(ApiToken, token_id)


def test_operator_moved_to_another_organisation_loses_its_token(client, make_token, make_referral, make_user, org):
    theirs = make_referral(operator="other_operator")
    secret, token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    assert client.get(f"/api/v1/referrals/{theirs.id}", headers=bearer(secret)).status_code == 404
    admin = make_user(Role.ADMIN)
    user = db.session.get(User, token.user_id)

    accounts.assign_role(user, Role.OPERATOR, None, org["other_operator"].id, acting=admin)
    db.session.commit()

    for url in ("/api/v1/referrals", f"/api/v1/referrals/{theirs.id}", "/api/v1/token"):
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 401, url
        assert "revoked" in problem_of(response)["detail"]
    revoked = _token(token.id)
    assert revoked.revoked_at is not None and revoked.revoked_reason == "attachment_changed"
    assert revoked.revoked_by_id == admin.id
    [record] = _revocations(token.id)
    assert record.actor_id == str(admin.id) and record.purpose == "access_change"


def _to_committee(user, org, admin):
    accounts.assign_role(user, Role.COMMITTEE, None, None, org["centre"].id, acting=admin)


def _to_agent(user, org, admin):
    accounts.assign_role(user, Role.AGENT, org["office"].id, None, acting=admin)


def _disable(user, org, admin):
    accounts.set_enabled(user, False, acting=admin)


@pytest.mark.parametrize(
    "change, reason",
    [(_to_committee, "role_changed"), (_to_agent, "role_changed"), (_disable, "disabled")],
    ids=["to-committee", "to-agent", "disabled"],
)
def test_role_change_or_disabling_revokes_every_token(client, make_token, make_user, org, change, reason):
    admin = make_user(Role.ADMIN)
    secret, token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    second, second_token = make_token(Role.OPERATOR, user=token.user, scopes=["referrals:read"])
    change(db.session.get(User, token.user_id), org, admin)
    db.session.commit()
    for clear, row in ((secret, token), (second, second_token)):
        assert client.get("/api/v1/referrals", headers=bearer(clear)).status_code == 401
        assert _token(row.id).revoked_reason == reason
        assert len(_revocations(row.id)) == 1


def test_re_enabling_the_user_does_not_bring_the_token_back(client, make_token, make_user, org):
    admin = make_user(Role.ADMIN)
    secret, token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    user = db.session.get(User, token.user_id)
    accounts.set_enabled(user, False, acting=admin)
    db.session.commit()
    accounts.set_enabled(user, True, acting=admin)
    db.session.commit()
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 401
    assert _token(token.id).revoked_reason == "disabled"


def test_agent_moved_to_another_office_loses_its_token(client, make_token, make_user, org):
    admin = make_user(Role.ADMIN)
    secret, token = make_token(Role.AGENT, office_id=org["office"].id)
    assert client.get("/api/v1/token", headers=bearer(secret)).status_code == 200
    accounts.assign_role(db.session.get(User, token.user_id), Role.AGENT, org["other_office"].id, None, acting=admin)
    db.session.commit()
    assert client.get("/api/v1/token", headers=bearer(secret)).status_code == 401
    assert _token(token.id).revoked_reason == "attachment_changed"


def test_saving_the_same_role_and_attachment_keeps_the_token(client, make_token, make_user, org):
    admin = make_user(Role.ADMIN)
    secret, token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    accounts.assign_role(db.session.get(User, token.user_id), Role.OPERATOR, None, org["operator"].id, acting=admin)
    db.session.commit()
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 200
    assert _token(token.id).revoked_at is None and _revocations(token.id) == []


def test_a_change_made_behind_the_services_back_is_caught_when_the_token_is_used(
    client, make_token, make_referral, org
):
    """Defence in depth: the binding is checked at authentication, and the token revoked there."""
    theirs = make_referral(operator="other_operator")
    secret, token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    db.session.execute(update(User).where(User.id == token.user_id).values(operator_id=org["other_operator"].id))
    db.session.commit()
    response = client.get(f"/api/v1/referrals/{theirs.id}", headers=bearer(secret))
    assert response.status_code == 401
    revoked = _token(token.id)
    assert revoked.revoked_at is not None and revoked.revoked_reason == "binding_mismatch"
    [record] = _revocations(token.id)
    assert record.purpose == "access_change"
    # Moving the user back does not revive it.
    db.session.execute(update(User).where(User.id == token.user_id).values(operator_id=org["operator"].id))
    db.session.commit()
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 401


def test_token_records_the_role_and_attachment_it_was_created_for(make_token, org):
    _secret, operator_token = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    assert (operator_token.bound_role, operator_token.bound_operator_id, operator_token.bound_office_id) == (
        "operator",
        org["operator"].id,
        None,
    )
    _secret, agent_token = make_token(Role.AGENT, office_id=org["office"].id)
    assert (agent_token.bound_role, agent_token.bound_operator_id, agent_token.bound_office_id) == (
        "agent",
        None,
        org["office"].id,
    )
