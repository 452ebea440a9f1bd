"""Security headers on every response: pages of every role, errors (404/405/500), static files."""

from __future__ import annotations

import pytest
from flask import Response

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import login_required_any_role
from tests.accounts.enumeration import routes
from tests.accounts.helpers import second_app
from tests.conftest import login

REQUIRED_CSP = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def assert_baseline_headers(response: Response, where: str) -> None:
    """The headers every response carries."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    for directive in REQUIRED_CSP:
        assert directive in csp, (where, directive)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert "Strict-Transport-Security" not in headers, where  # plain http here
    assert "Server" not in headers, where


def _get_everything(app, client, role: Role | None) -> list[tuple[str, int]]:
    seen = []
    for route in routes(app):
        if "GET" not in route.methods:
            continue
        if not route.is_public and (role is None or route.roles is None or role not in route.roles):
            continue
        response = client.get(route.path)
        assert response.status_code < 500, (role, route.path, response.status_code)
        assert_baseline_headers(response, f"{role} {route.path}")
        if role is not None and route.endpoint != "static":
            assert "no-store" in response.headers.get("Cache-Control", ""), route.path
        seen.append((route.path, response.status_code))
        response.close()
    return seen


def test_anonymous_get_on_every_endpoint_carries_the_headers(app, client):
    seen = _get_everything(app, client, None)
    assert ("/login", 200) in seen


@pytest.mark.parametrize("role", list(Role))
def test_every_get_endpoint_of_each_role_carries_the_headers(app, login_as, role):
    client, _ = login_as(role)
    seen = _get_everything(app, client, role)
    assert len([status for _, status in seen if status == 200]) >= 3


def test_login_page_answers_200_with_the_headers_and_no_store(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_baseline_headers(response, "/login")
    assert "no-store" in response.headers["Cache-Control"]


def test_error_pages_carry_the_headers(request, db_url, app, tmp_path, login_as, make_user):
    client, _ = login_as(Role.AGENT)
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404
    assert_baseline_headers(not_found, "404")
    not_allowed = client.get("/logout")
    assert not_allowed.status_code == 405
    assert_baseline_headers(not_allowed, "405")
    anonymous_404 = app.test_client().get("/no/such/page")
    assert anonymous_404.status_code == 404
    assert_baseline_headers(anonymous_404, "anonymous 404")

    crashing = second_app(request, db_url, tmp_path / "crash", RENDER_UNEXPECTED_ERRORS=True)

    @crashing.get("/test-crash")
    @login_required_any_role
    def crash():
        raise RuntimeError("secret detail that must not leak")

    crash_client = crashing.test_client()
    login(crash_client, make_user(Role.AGENT))
    error = crash_client.get("/test-crash")
    assert error.status_code == 500
    assert_baseline_headers(error, "500")
    body = error.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
    assert 'lang="fr"' in body


def test_static_files_carry_the_headers(app, client, login_as):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert_baseline_headers(response, "static")
    logged_in, _ = login_as(Role.AGENT)
    with logged_in.get("/static/css/app.css") as response:
        assert_baseline_headers(response, "static, logged in")
        assert "no-store" in response.headers["Cache-Control"]


def test_hsts_only_over_https(app, make_user):
    secure = app.test_client()
    response = secure.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_healthz_and_api_errors_carry_the_headers(client):
    assert_baseline_headers(client.get("/healthz"), "/healthz")
    assert_baseline_headers(client.get("/api/unknown"), "/api 401")
