"""Server-side sessions: timeouts with a travelling clock, renewal at login, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from tests.accounts.helpers import login_with_csrf, second_app
from tests.conftest import TEST_PASSWORD, csrf_token_from, login

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NEW_PASSWORD = "a brand new sentence for my account"


def _cookie(client, app):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_idle_timeout_is_30_minutes(client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        login(client, user)
        for _ in range(3):  # activity every 29 minutes keeps the session alive
            traveller.shift(timedelta(minutes=29))
            assert client.get("/agent").status_code == 200
        traveller.shift(timedelta(minutes=30, seconds=1))
        assert _sent_to_login(client.get("/agent"))
        # the refusal is final even if the clock went back
        traveller.move_to(START + timedelta(minutes=90))
        assert _sent_to_login(client.get("/agent"))


def test_absolute_timeout_is_12_hours_even_with_activity(client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        login(client, user)
        for _ in range(24):  # 24 x 29 min = 11 h 36
            traveller.shift(timedelta(minutes=29))
            assert client.get("/agent").status_code == 200
        traveller.shift(timedelta(minutes=23))  # 11 h 59
        assert client.get("/agent").status_code == 200
        traveller.shift(timedelta(minutes=2))  # 12 h 01
        assert _sent_to_login(client.get("/agent"))


def test_timeouts_are_configurable(request, db_url, app, tmp_path, make_user):
    user = make_user(Role.AGENT)
    short = second_app(request, db_url, tmp_path / "short", IDLE_TIMEOUT_MINUTES=5, ABSOLUTE_TIMEOUT_HOURS=1)
    client = short.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        login(client, user)
        traveller.shift(timedelta(minutes=4))
        assert client.get("/agent").status_code == 200
        traveller.shift(timedelta(minutes=6))
        assert _sent_to_login(client.get("/agent"))
        login(client, user)
        for _ in range(14):  # 14 x 4 min = 56 min
            traveller.shift(timedelta(minutes=4))
            assert client.get("/agent").status_code == 200
        traveller.shift(timedelta(minutes=5))
        assert _sent_to_login(client.get("/agent"))


@pytest.fixture
def csrf_app(request, db_url, app, tmp_path):
    """An app with CSRF protection on, as in production."""
    return second_app(request, db_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)


def test_login_renews_session_cookie_and_csrf_token(csrf_app, make_user):
    user = make_user(Role.AGENT)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token_before = csrf_token_from(page)
    cookie_before = _cookie(client, csrf_app)
    assert cookie_before
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token_before})
    assert response.status_code == 302
    cookie_after = _cookie(client, csrf_app)
    token_after = csrf_token_from(client.get("/agent").get_data(as_text=True))
    assert cookie_after != cookie_before
    assert token_after != token_before
    # the pre-login token is no longer accepted
    response = client.post("/logout", data={"csrf_token": token_before})
    assert response.status_code == 400
    assert client.get("/agent").status_code == 200


def test_cookie_copied_before_logout_is_refused_after_it(csrf_app, make_user):
    user = make_user(Role.AGENT)
    client = csrf_app.test_client()
    login_with_csrf(client, user)
    stolen = _cookie(client, csrf_app)
    token = csrf_token_from(client.get("/agent").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    attacker = csrf_app.test_client()
    attacker.set_cookie(csrf_app.config["SESSION_COOKIE_NAME"], stolen)
    assert _sent_to_login(attacker.get("/agent"))


def test_cookie_replayed_while_logged_in_works_until_logout(client, app, make_user):
    """Control for the test above: the copied cookie is only refused because of the logout."""
    user = make_user(Role.AGENT)
    login(client, user)
    copy = app.test_client()
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], _cookie(client, app))
    assert copy.get("/agent").status_code == 200
    client.post("/logout")
    assert _sent_to_login(copy.get("/agent"))


def test_password_change_ends_the_other_sessions(app, make_user):
    user = make_user(Role.AGENT)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/agent").status_code == 200
    assert _sent_to_login(phone.get("/agent"))
    db.session.expire_all()
    assert login(phone, user, password=NEW_PASSWORD).status_code == 302


def test_admin_ends_all_sessions_of_a_user(login_as, make_user):
    agent = make_user(Role.AGENT)
    admin_client, _ = login_as(Role.ADMIN)
    clients = []
    for _ in range(2):
        c = admin_client.application.test_client()
        login(c, agent)
        clients.append(c)
    assert admin_client.post(f"/admin/users/{agent.id}/sessions").status_code == 302
    assert all(_sent_to_login(c.get("/agent")) for c in clients)
    assert admin_client.get("/admin/users").status_code == 200


def test_session_cookie_flags(csrf_app):
    client = csrf_app.test_client()
    response = client.get("/login")
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in header
    assert "Domain=" not in header
    assert "remember_token" not in str(response.headers)
