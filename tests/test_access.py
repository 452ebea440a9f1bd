"""Deny by default (issue 2, acceptance 2): the URL map is enumerated, so new endpoints are covered."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from integration_centre.accounts import services
from integration_centre.accounts.models import Role, User, UserSession
from integration_centre.accounts.permissions import HOME_ENDPOINTS, PUBLIC_ENDPOINTS
from integration_centre.extensions import db
from tests.accounts.enumeration import routes
from tests.accounts.helpers import fr, page_text
from tests.conftest import TEST_PASSWORD, login

# Reviewed allow-list: adding a public endpoint means adding it here too, on purpose.
EXPECTED_PUBLIC = {
    "static",
    "observability.healthz",
    "observability.readyz",
    "observability.metrics",  # its own bearer token, else loopback only (tests/test_observability.py)
    "accounts.index",
    "core.set_language",
    "accounts.login",
    "accounts.login_second_factor",
    "accounts.enrol_totp_pending",
    "accounts.account_setup_link",  # one-time link of users create-admin (token checked)
    "accounts.account_setup",  # the same setup, the token kept in the session
    "reception.verify_certificate",
    "agenda.feed",  # an agent's calendar feed: the secret token in its address is checked (404 otherwise)
    "api.openapi_document",
    "api.openapi_page",
}
HOME_PATHS = {
    Role.AGENT: "/agent",
    Role.OPERATOR: "/operator",
    Role.COMMITTEE: "/statistics/",
    Role.ADMIN: "/admin/",
}


def test_public_allow_list_is_the_reviewed_one():
    assert PUBLIC_ENDPOINTS <= EXPECTED_PUBLIC


def test_every_non_public_endpoint_declares_its_roles(app):
    undeclared = [r.endpoint for r in routes(app) if not r.is_public and r.roles is None]
    assert undeclared == [], "endpoints without @roles_required / @login_required_any_role"


def test_anonymous_is_sent_to_login_or_gets_401_everywhere(app, client):
    checked = 0
    problems = []
    for route in routes(app):
        if route.is_public:
            continue
        for method in sorted(route.methods):
            response = client.open(route.path, method=method)
            checked += 1
            if route.is_api:
                if response.status_code != 401:
                    problems.append((method, route.path, response.status_code))
            else:
                location = urlsplit(response.headers.get("Location", ""))
                if response.status_code != 302 or location.path != "/login" or location.netloc not in ("", "localhost"):
                    problems.append((method, route.path, response.status_code, response.headers.get("Location")))
    assert checked >= 20
    assert problems == []


def test_login_redirect_keeps_the_page_asked_for(client):
    response = client.get("/admin/users?sort=email")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users?sort%3Demail"


def test_unknown_api_path_answers_401_json_to_anonymous(client):
    response = client.get("/api/does-not-exist")
    assert response.status_code == 401
    assert response.is_json


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_own_home(login_as, role):
    client, _ = login_as(role)
    for other, path in HOME_PATHS.items():
        expected = 200 if other == role else 404
        assert client.get(path).status_code == expected, (role, path)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == HOME_PATHS[role]


def test_home_endpoints_cover_every_role():
    assert set(HOME_ENDPOINTS) == set(Role)


def test_disabled_user_cannot_log_in_and_answer_is_the_generic_one(client, make_user):
    user = make_user(Role.AGENT)
    services.set_enabled(user, False)
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 200
    assert fr("E-mail address or password incorrect.") in page_text(response)
    assert client.get("/agent").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_disabling_revokes_an_open_session(login_as):
    agent_client, agent = login_as(Role.AGENT)
    assert agent_client.get("/agent").status_code == 200
    admin_client, _ = login_as(Role.ADMIN)
    assert admin_client.post(f"/admin/users/{agent.id}/disable").status_code == 302
    response = agent_client.get("/agent")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    # re-enabled: the old session stays dead, a new login works
    admin_client.post(f"/admin/users/{agent.id}/enable")
    assert agent_client.get("/agent").status_code == 302
    assert login(agent_client, db.session.get(User, agent.id)).status_code == 302
    assert agent_client.get("/agent").status_code == 200


def test_get_never_changes_data_logout_is_post_only(login_as):
    client, _ = login_as(Role.AGENT)
    sessions_before = db.session.scalars(select(UserSession.revoked_at)).all()
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert db.session.scalars(select(UserSession.revoked_at)).all() == sessions_before
    assert client.get("/agent").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/agent").status_code == 302


def test_get_on_action_pages_writes_nothing(login_as, make_user):
    admin_client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    for path in (
        f"/admin/users/{agent.id}/disable",
        f"/admin/users/{agent.id}/sessions",
        f"/admin/users/{agent.id}/password",
        f"/admin/users/{agent.id}/role",
    ):
        assert admin_client.get(path).status_code == 200
    db.session.expire_all()
    refreshed = db.session.get(User, agent.id)
    assert refreshed.is_enabled and not refreshed.must_change_password and refreshed.role == Role.AGENT


def test_readyz_is_json_without_secrets(app, client):
    response = client.get("/readyz")
    assert response.status_code in (200, 503)
    assert response.is_json
    body = response.get_json()
    assert body["checks"]["database"] is True
    assert set(body) <= {"status", "checks"} and set(body["checks"]) <= {"database", "keyring", "redis"}
    text = json.dumps(body)
    secret = app.config["SECRET_KEY"]
    assert (secret.decode() if isinstance(secret, bytes) else secret) not in text
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in text
    assert TEST_PASSWORD not in text
