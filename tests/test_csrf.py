"""Every POST endpoint refuses a request without a valid CSRF token (400), for every role."""

from __future__ import annotations

import pytest

from integration_centre.accounts import totp
from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from tests.accounts.enumeration import is_csrf_exempt, routes
from tests.accounts.helpers import login_with_csrf, second_app
from tests.conftest import csrf_token_from

BOGUS_TOKEN = "IjBhZDk0ZDVmNjFjNDFhYjYyMzg4OGIzY2YxYTA5Yjc0NjA3YzhkZTci.Zz.bogus"


@pytest.fixture
def csrf_app(request, db_url, app, tmp_path):
    """An app with CSRF protection on, as in production."""
    return second_app(request, db_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)


def _post_routes(app, role: Role | None):
    for route in routes(app):
        if "POST" not in route.methods and not route.methods & {"PUT", "PATCH", "DELETE"}:
            continue
        if is_csrf_exempt(app, route.endpoint):
            continue
        if route.is_public or (role is not None and route.roles and role in route.roles):
            yield route


def test_only_token_authenticated_api_endpoints_are_exempt(csrf_app):
    exempt = [r.path for r in routes(csrf_app) if is_csrf_exempt(csrf_app, r.endpoint)]
    assert all(path.startswith("/api/") for path in exempt), exempt


def test_anonymous_posts_without_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    client.get("/login")
    checked = 0
    for route in _post_routes(csrf_app, None):
        for method in route.methods - {"GET"}:
            assert client.open(route.path, method=method, data={}).status_code == 400, route.path
            response = client.open(route.path, method=method, data={"csrf_token": BOGUS_TOKEN})
            assert response.status_code == 400, route.path
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("role", list(Role))
def test_every_post_endpoint_of_each_role_refuses_missing_or_wrong_token(csrf_app, make_user, role):
    user = make_user(role)
    if role == Role.ADMIN:
        totp.enable(user, totp.new_secret())
        db.session.commit()
    client = csrf_app.test_client()
    assert login_with_csrf(client, user).status_code == 302
    home = client.get("/").headers["Location"]
    valid = csrf_token_from(client.get(home).get_data(as_text=True))
    checked = []
    for route in _post_routes(csrf_app, role):
        for method in route.methods - {"GET"}:
            missing = client.open(route.path, method=method, data={"password": "x"})
            wrong = client.open(route.path, method=method, data={"password": "x", "csrf_token": BOGUS_TOKEN})
            other = client.open(route.path, method=method, headers={"X-CSRFToken": BOGUS_TOKEN})
            assert (missing.status_code, wrong.status_code, other.status_code) == (400, 400, 400), route.path
            checked.append(route.path)
    assert "/logout" in checked
    assert "/account/password" in checked
    # nothing above logged the user out; the valid token works
    assert client.get(home).status_code == 200
    assert client.post("/logout", data={"csrf_token": valid}).status_code == 302


def test_csrf_refusal_is_a_translated_error_page(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@test.example", "password": "whatever"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'lang="fr"' in body
    assert "CSRF" not in body
