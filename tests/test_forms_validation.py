"""Every form: wrong input → a translated message beside the field, and nothing written."""

from __future__ import annotations

import pytest

from integration_centre.accounts import totp
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from tests.accounts.helpers import field_error, fr, row_counts
from tests.conftest import TEST_PASSWORD

SHORT = "short pass"
COMMON = "password1234"
GOOD = "a perfectly fine long password"


def _user_state(user_id: int) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return (
        user.password_hash,
        user.role,
        user.office_id,
        user.operator_id,
        user.centre_id,
        user.is_enabled,
        user.must_change_password,
        user.totp_enabled,
    )


def assert_refused(
    client, path: str, data: dict, expected: dict[str, str | None], watched: list[int] = (), attempts: int = 0
) -> None:
    """POST ``data``: 200, each field of ``expected`` shows its translated message (None: any
    message), and no row nor any watched user changed — except ``attempts`` new failed-attempt
    records when a wrong password was typed (they feed the throttle)."""
    counts, states = row_counts(), [_user_state(i) for i in watched]
    counts["login_attempt"] += attempts
    response = client.post(path, data=data)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body
    for field, message in expected.items():
        shown = field_error(response, field)
        assert shown, (path, field)
        if message is not None:
            assert fr(message) in shown, (path, field, shown)
        assert f'aria-describedby="{field}-error"' in body or f"{field}-error" in body
    assert row_counts() == counts, path
    assert [_user_state(i) for i in watched] == states, path


def test_login_form(client, make_user):
    user = make_user(Role.AGENT)
    assert_refused(
        client,
        "/login",
        {"email": "", "password": ""},
        {"email": "Enter your e-mail address.", "password": "Enter your password."},
        [user.id],
    )


def test_second_factor_form(client, make_user):
    user = make_user(Role.AGENT)
    totp.enable(user, totp.new_secret())
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert_refused(client, "/login/code", {"code": ""}, {"code": "Enter the security code."}, [user.id])


def test_compulsory_enrolment_form(client, make_user):
    admin = make_user(Role.ADMIN)
    client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    assert_refused(client, "/login/enrol", {"code": "12ab"}, {"code": "The code has 6 digits."}, [admin.id])
    assert_refused(client, "/login/enrol", {"code": ""}, {"code": "Enter the 6-digit code shown by your app."})


def test_optional_enrolment_form(login_as):
    client, user = login_as(Role.AGENT)
    assert_refused(
        client, "/account/security/enrol", {"code": "1234567"}, {"code": "The code has 6 digits."}, [user.id]
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"current_password": "", "new_password": "", "confirm_password": ""},
            {
                "current_password": "Enter your current password.",
                "new_password": "Enter a new password.",
                "confirm_password": "Type the new password again.",
            },
        ),
        (
            {"current_password": TEST_PASSWORD, "new_password": SHORT, "confirm_password": SHORT},
            {"new_password": "The password must have at least 12 characters."},
        ),
        (
            {"current_password": TEST_PASSWORD, "new_password": COMMON, "confirm_password": COMMON},
            {"new_password": "This password is too common. Choose another one."},
        ),
        (
            {"current_password": TEST_PASSWORD, "new_password": GOOD, "confirm_password": GOOD + "!"},
            {"confirm_password": "The two passwords differ."},
        ),
        (
            {"current_password": "not my password!", "new_password": GOOD, "confirm_password": GOOD},
            {"current_password": "The current password is not correct."},
        ),
    ],
)
def test_password_change_form(login_as, data, expected):
    client, user = login_as(Role.AGENT)
    wrong_current = data["current_password"] not in ("", TEST_PASSWORD)
    assert_refused(client, "/account/password", data, expected, [user.id], attempts=int(wrong_current))


def test_reauthentication_form(login_as):
    client, user = login_as(Role.AGENT)
    assert_refused(client, "/account/reauthenticate", {"password": ""}, {"password": "Enter your password."}, [user.id])


def test_disable_totp_form(login_as):
    client, user = login_as(Role.AGENT)
    totp.enable(user, totp.new_secret())
    db.session.commit()
    assert_refused(
        client, "/account/security/disable", {"password": ""}, {"password": "Enter your password."}, [user.id]
    )
    assert_refused(
        client,
        "/account/security/disable",
        {"password": "not the password"},
        {"password": "The password is not correct."},
        [user.id],
        attempts=1,
    )


def test_reauthentication_with_a_wrong_password_only_records_the_attempt(login_as):
    client, user = login_as(Role.AGENT)
    assert_refused(
        client,
        "/account/reauthenticate",
        {"password": "not the password"},
        {"password": "The password is not correct."},
        [user.id],
        attempts=1,
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"display_name": "", "email": "", "role": "agent", "password": ""},
            {
                "display_name": "Enter the full name.",
                "email": "Enter the e-mail address.",
                "office_id": "Choose the reception office of this agent.",
                "password": "Enter a temporary password.",
            },
        ),
        (
            {"display_name": "X", "email": "not-an-email", "role": "operator", "password": GOOD},
            {
                "email": "Enter an e-mail address like name@example.be.",
                "operator_id": "Choose the organisation of this operator.",
            },
        ),
        (
            {"display_name": "X", "email": "x@test.example", "role": "superuser", "password": GOOD},
            {"role": "Choose a role."},
        ),
        (
            {"display_name": "X", "email": "x@test.example", "role": "agent", "office_id": "424242", "password": GOOD},
            {"office_id": "Choose an item from the list."},
        ),
        (
            {"display_name": "X", "email": "x@test.example", "role": "committee", "password": SHORT},
            {"password": "The password must have at least 12 characters."},
        ),
        (
            {"display_name": "X", "email": "x@test.example", "role": "committee", "password": COMMON},
            {"password": "This password is too common. Choose another one."},
        ),
        (
            {"display_name": "X", "email": "TAKEN@test.example", "role": "committee", "password": GOOD},
            {"email": "A user with this e-mail address already exists."},
        ),
    ],
)
def test_admin_create_user_form(login_as, make_user, data, expected):
    client, _ = login_as(Role.ADMIN)
    make_user(Role.AGENT, email="taken@test.example")
    assert_refused(client, "/admin/users/new", data, expected)


def test_admin_role_form(login_as, make_user):
    client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    assert_refused(
        client,
        f"/admin/users/{agent.id}/role",
        {"role": "operator", "operator_id": ""},
        {"operator_id": "Choose the organisation of this operator."},
        [agent.id],
    )
    assert_refused(client, f"/admin/users/{agent.id}/role", {"role": ""}, {"role": "Choose a role."}, [agent.id])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"new_password": GOOD, "confirm_password": GOOD + "x"}, {"confirm_password": "The two passwords differ."}),
        (
            {"new_password": COMMON, "confirm_password": COMMON},
            {"new_password": "This password is too common. Choose another one."},
        ),
        ({"new_password": "", "confirm_password": ""}, {"new_password": "Enter a temporary password."}),
    ],
)
def test_admin_reset_password_form(login_as, make_user, data, expected):
    client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    assert_refused(client, f"/admin/users/{agent.id}/password", data, expected, [agent.id])


@pytest.mark.parametrize("value", ["", "maybe"])
def test_centre_two_step_form(login_as, org, value):
    client, _ = login_as(Role.ADMIN)
    counts = row_counts()
    assert_refused(
        client,
        f"/admin/centres/{org['centre'].id}/two-step",
        {"mfa_required": value},
        {"mfa_required": "Choose compulsory or optional."},
    )
    db.session.expire_all()
    assert org["centre"].mfa_required is False
    assert row_counts() == counts
