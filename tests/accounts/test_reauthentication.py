"""Password re-entry for sensitive actions when the login is older than 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine

from integration_centre.accounts import totp
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from tests.accounts.helpers import field_error, fr, second_app
from tests.conftest import TEST_PASSWORD, login

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _admin_pages(target: User, centre_id: int) -> list[str]:
    return [
        "/admin/users/new",
        f"/admin/users/{target.id}/role",
        f"/admin/users/{target.id}/password",
        f"/admin/users/{target.id}/disable",
        f"/admin/users/{target.id}/sessions",
        f"/admin/centres/{centre_id}/two-step",
    ]


def test_sensitive_admin_pages_ask_for_the_password_after_15_minutes(login_as, make_user, org):
    target = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        client, _ = login_as(Role.ADMIN)
        traveller.shift(timedelta(minutes=14, seconds=59))
        for path in _admin_pages(target, org["centre"].id):
            assert client.get(path).status_code == 200, path
        traveller.shift(timedelta(seconds=2))
        for path in _admin_pages(target, org["centre"].id):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"] == f"/account/reauthenticate?next={quote(path)}"
        # non-sensitive pages stay open
        assert client.get("/admin/users").status_code == 200


def test_stale_login_cannot_post_a_sensitive_action(login_as, make_user):
    target = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        client, _ = login_as(Role.ADMIN)
        traveller.shift(timedelta(minutes=16))
        response = client.post(f"/admin/users/{target.id}/role", data={"role": "committee"})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/reauthenticate")
        db.session.expire_all()
        assert db.session.get(User, target.id).role == Role.AGENT


def test_reauthentication_then_back_to_the_page(login_as, make_user):
    target = make_user(Role.AGENT)
    path = f"/admin/users/{target.id}/role"
    with time_machine.travel(START, tick=False) as traveller:
        client, _ = login_as(Role.ADMIN)
        traveller.shift(timedelta(minutes=20))
        page = client.get(f"/account/reauthenticate?next={quote(path)}").get_data(as_text=True)
        assert f'value="{path}"' in page
        wrong = client.post("/account/reauthenticate", data={"password": "wrong password here", "next": path})
        assert wrong.status_code == 200
        assert field_error(wrong, "password") == fr("The password is not correct.")
        right = client.post("/account/reauthenticate", data={"password": TEST_PASSWORD, "next": path})
        assert right.headers["Location"] == path
        assert client.get(path).status_code == 200
        # the window starts again from the re-entry
        traveller.shift(timedelta(minutes=16))
        assert client.get(path).status_code == 302


@pytest.mark.parametrize(
    "path", ["/account/security/enrol", "/account/security/disable", "/account/security/recovery-codes"]
)
def test_two_step_changes_ask_for_the_password_after_15_minutes(login_as, path):
    with time_machine.travel(START, tick=False) as traveller:
        client, user = login_as(Role.AGENT)
        if path != "/account/security/enrol":
            totp.enable(user, totp.new_secret())
            db.session.commit()
        assert client.get(path).status_code == 200
        traveller.shift(timedelta(minutes=16))
        assert client.get(path).headers["Location"].startswith("/account/reauthenticate")


def test_password_change_always_asks_for_the_current_password(login_as):
    """Changing the password asks the current one on the form itself, whatever the login age."""
    with time_machine.travel(START, tick=False) as traveller:
        client, _ = login_as(Role.AGENT)
        traveller.shift(timedelta(minutes=16))
        new = "another long sentence as my password"
        response = client.post(
            "/account/password",
            data={"current_password": "not the current one", "new_password": new, "confirm_password": new},
        )
        assert response.status_code == 200
        assert field_error(response, "current_password")
        response = client.post(
            "/account/password", data={"current_password": TEST_PASSWORD, "new_password": new, "confirm_password": new}
        )
        assert response.status_code == 302


def test_reauthentication_window_is_configurable(request, db_url, app, tmp_path, make_user):
    user = make_user(Role.ADMIN)
    totp.enable(user, totp.new_secret())
    db.session.commit()
    quick = second_app(request, db_url, tmp_path / "quick", REAUTH_MINUTES=2)
    client = quick.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        login(client, user)
        traveller.shift(timedelta(minutes=3))
        assert client.get("/admin/users/new").status_code == 302
