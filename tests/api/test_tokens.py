"""API tokens (acceptance 2, API part): created by an admin (fresh login) or the CLI, shown once,
stored as a SHA-256 with a lookup prefix, scoped, expiring, revocable (401 at once), last use
recorded, creation and revocation audited."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role, UserSession
from integration_centre.api import tokens
from integration_centre.api.models import ApiToken
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.accounts.helpers import field_error, row_counts
from tests.api.conftest import bearer, problem_of
from tests.privacy.markers import audit_rows_bytes, find_markers

TOKEN_RE = re.compile(r'id="token-value"[^>]*value="(ic_[^"]+)"')


def _audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "api_token")))


def test_admin_creates_a_token_shown_once_and_stored_hashed(login_as, make_user, org, client):
    admin_client, admin = login_as(Role.ADMIN)
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    form = admin_client.get("/admin/api-tokens/new")
    assert form.status_code == 200
    assert operator.email in form.get_data(as_text=True)
    response = admin_client.post(
        "/admin/api-tokens/new",
        data={"user_id": operator.id, "name": "School LMS", "scopes": ["referrals:read"], "lifetime_days": 90},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = TOKEN_RE.search(page).group(1)
    assert "no-store" in response.headers["Cache-Control"]
    token = db.session.scalar(select(ApiToken))
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(f"ic_{token.prefix}_") and len(secret) > 40
    assert token.user_id == operator.id and token.scopes == ["referrals:read"] and token.created_by_id == admin.id
    assert timedelta(days=89) < token.expires_at - utcnow() <= timedelta(days=90)
    raw = repr(db.session.execute(select(ApiToken.__table__)).all())
    assert secret not in raw and secret.split("_", 2)[2] not in raw
    listing = admin_client.get("/admin/api-tokens").get_data(as_text=True)
    assert "School LMS" in listing and secret not in listing
    assert _audit_actions() == ["api_token_create"]

    assert token.last_used_at is None
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_token_form_refuses_bad_input_without_writing(login_as, make_user, org):
    admin_client, _ = login_as(Role.ADMIN)
    committee = make_user(Role.COMMITTEE)
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    before = row_counts()
    cases = [
        ({"user_id": 0, "name": "x", "scopes": ["referrals:read"], "lifetime_days": 30}, "user_id"),
        ({"user_id": operator.id, "name": "", "scopes": ["referrals:read"], "lifetime_days": 30}, "name"),
        ({"user_id": operator.id, "name": "x", "lifetime_days": 30}, "scopes"),
        ({"user_id": operator.id, "name": "x", "scopes": ["cases:write"], "lifetime_days": 30}, "scopes"),
        ({"user_id": operator.id, "name": "x", "scopes": ["referrals:read"], "lifetime_days": 9999}, "lifetime_days"),
        ({"user_id": committee.id, "name": "x", "scopes": ["referrals:read"], "lifetime_days": 30}, "user_id"),
    ]
    for data, field in cases:
        response = admin_client.post("/admin/api-tokens/new", data=data)
        assert response.status_code == 200, data
        assert 'class="error-summary"' in response.get_data(as_text=True), data
        assert field_error(response, field), (data, field)
    assert row_counts() == before


def test_creating_and_revoking_need_a_fresh_login(login_as, make_token):
    admin_client, admin = login_as(Role.ADMIN)
    _secret, token = make_token(Role.OPERATOR)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == admin.id))
    record.authenticated_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    for path in ("/admin/api-tokens/new", f"/admin/api-tokens/{token.id}/revoke"):
        response = admin_client.get(path)
        assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"], path
        response = admin_client.post(path, data={})
        assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"], path
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_revoked_token_gets_401_at_once(login_as, make_token, client):
    admin_client, _ = login_as(Role.ADMIN)
    secret, token = make_token(Role.OPERATOR)
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 200
    confirm = admin_client.get(f"/admin/api-tokens/{token.id}/revoke")
    assert confirm.status_code == 200 and token.name in confirm.get_data(as_text=True)
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 200  # GET changed nothing
    assert admin_client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 302
    response = client.get("/api/v1/referrals", headers=bearer(secret))
    assert response.status_code == 401
    assert "revoked" in problem_of(response)["detail"]
    assert _audit_actions() == ["api_token_create", "api_token_revoke"]
    assert "Revoked" in admin_client.get("/admin/api-tokens").get_data(as_text=True)


def test_expired_token_and_disabled_account_get_401(make_token, client):
    secret, token = make_token(Role.OPERATOR)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 401
    other, other_token = make_token(Role.OPERATOR)
    other_token.user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/referrals", headers=bearer(other)).status_code == 401


def test_a_token_guessed_from_a_known_prefix_gets_401(make_token, client):
    _secret, token = make_token(Role.OPERATOR)
    forged = f"ic_{token.prefix}_" + "A" * 43
    assert client.get("/api/v1/referrals", headers=bearer(forged)).status_code == 401


def test_only_admins_reach_the_token_pages(login_as, make_token):
    _secret, token = make_token(Role.OPERATOR)
    for role in (Role.AGENT, Role.OPERATOR, Role.COMMITTEE):
        other_client, _ = login_as(role)
        for path in ("/admin/api-tokens", "/admin/api-tokens/new", f"/admin/api-tokens/{token.id}/revoke"):
            assert other_client.get(path).status_code == 404, (role, path)


def test_cli_creates_lists_and_revokes(app, make_user, org, client):
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    runner = app.test_cli_runner()
    arguments = ["--user", operator.email.upper(), "--name", "CI", "--scope", "referrals:read", "--days", "7"]
    result = runner.invoke(args=["api", "token", "create", *arguments])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 200
    listing = runner.invoke(args=["api", "token", "list"])
    assert operator.email in listing.output and secret not in listing.output
    token_id = db.session.scalar(select(ApiToken.id))
    assert runner.invoke(args=["api", "token", "revoke", str(token_id)]).exit_code == 0
    assert client.get("/api/v1/referrals", headers=bearer(secret)).status_code == 401
    again = runner.invoke(args=["api", "token", "revoke", str(token_id)])
    assert again.exit_code != 0 and "already revoked" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@test.example", "--name", "x", "--scope", "referrals:read"], "no account"),
        (["--user", "{email}", "--name", "x", "--scope", "cases:read"], "do not fit"),
        (["--user", "{email}", "--name", "x", "--scope", "referrals:read", "--days", "0"], "lifetime"),
        (["--user", "{email}", "--name", "x", "--scope", "everything"], "Invalid value"),
    ],
)
def test_cli_refuses_bad_requests(app, make_user, org, args, message):
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    arguments = [argument.format(email=operator.email) for argument in args]
    result = app.test_cli_runner().invoke(args=["api", "token", "create", *arguments])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(ApiToken)) is None
    assert tokens.tokens_listing() == []


def test_token_value_never_reaches_the_log_or_the_audit(make_token, client, caplog):
    caplog.set_level(logging.DEBUG)
    secret, _token = make_token(Role.OPERATOR)
    client.get("/api/v1/referrals", headers=bearer(secret))
    client.get("/api/v1/referrals", headers=bearer(secret + "tampered"))
    assert find_markers(audit_rows_bytes(db.session), [secret, secret.split("_", 2)[2]]) == []
    assert secret.split("_", 2)[2] not in caplog.text
