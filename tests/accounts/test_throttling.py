"""Login throttle counted in the database (holds across app instances) and the per-IP limit.

The growing delays, known devices and the administrators' alert: ``test_lockout.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from sqlalchemy import select

from integration_centre.accounts import services, totp
from integration_centre.accounts.models import LoginAttempt, Role
from integration_centre.extensions import db
from tests.accounts.helpers import fr, page_text, second_app
from tests.conftest import TEST_PASSWORD

WRONG = "this is not the password"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _throttle_prefix() -> str:
    return fr("Too many failed attempts. Try again in %(delay)s.", delay="\x00").split("\x00")[0]


def _post_login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def _logged_in(client) -> bool:
    return client.get("/agent").status_code == 200


def test_five_failures_throttle_the_source_across_two_app_instances(request, db_url, app, tmp_path, make_user):
    user = make_user(Role.AGENT)
    first = second_app(request, db_url, tmp_path / "worker-a")
    second = second_app(request, db_url, tmp_path / "worker-b")
    client_a, client_b = first.test_client(), second.test_client()
    for client in (client_a, client_a, client_a, client_b, client_b):
        assert _post_login(client, user.email, WRONG).status_code == 200
    # the right password is refused on both workers
    for client in (client_a, client_b):
        response = _post_login(client, user.email, TEST_PASSWORD)
        assert response.status_code == 200
        assert _throttle_prefix() in page_text(response)
        assert not _logged_in(client)
    attempts = db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [a.succeeded for a in attempts] == [False] * 7
    assert [a.detail for a in attempts][-2:] == ["throttled", "throttled"]
    # nothing readable is stored: no e-mail address, only a keyed digest
    assert all(user.email not in (a.account_key + (a.detail or "")) for a in attempts)


def test_the_delay_ends_and_is_not_extended_by_refused_attempts(app, client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _post_login(client, user.email, WRONG)
        traveller.shift(timedelta(seconds=29))
        _post_login(client, user.email, TEST_PASSWORD)
        assert not _logged_in(client)
        # refused attempts during the delay do not extend it
        traveller.shift(timedelta(seconds=2))
        response = _post_login(client, user.email, TEST_PASSWORD)
        assert response.status_code == 302
        assert _logged_in(client)


def test_delays_never_exceed_the_longest_delay(app, client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _post_login(client, user.email, WRONG)
        for _ in range(8):  # 30 s, 1, 2, 4, 8, then 15 minutes at most
            traveller.shift(timedelta(minutes=15, seconds=1))
            assert _post_login(client, user.email, WRONG).status_code == 200
        traveller.shift(timedelta(minutes=14, seconds=59))
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 200
        traveller.shift(timedelta(seconds=2))
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 302


def test_failures_older_than_the_memory_do_not_count(app, client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            _post_login(client, user.email, WRONG)
        traveller.shift(timedelta(hours=24, minutes=1))
        _post_login(client, user.email, WRONG)
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_like_known_ones(app, client):
    for _ in range(5):
        _post_login(client, "nobody@test.example", WRONG)
    assert services.throttled_until(services.account_key("NoBody@test.example ")) is not None


def test_throttle_limits_are_configurable(request, db_url, app, tmp_path, make_user):
    user = make_user(Role.AGENT)
    strict = second_app(request, db_url, tmp_path / "strict", LOGIN_MAX_FAILURES=2, LOGIN_DELAY_SECONDS=600)
    client = strict.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        _post_login(client, user.email, WRONG)
        _post_login(client, user.email, WRONG)
        traveller.shift(timedelta(minutes=9))
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 302


def test_wrong_totp_codes_are_throttled_too(app, client, make_user):
    user = make_user(Role.AGENT)
    totp.enable(user, totp.new_secret())
    db.session.commit()
    with time_machine.travel(START, tick=False):
        right_code = pyotp.TOTP(user.totp_secret).now()
        wrong_code = "000000" if right_code != "000000" else "111111"
        assert _post_login(client, user.email, TEST_PASSWORD).headers["Location"] == "/login/code"
        for _ in range(5):
            response = client.post("/login/code", data={"code": wrong_code})
            assert response.status_code == 200
        response = client.post("/login/code", data={"code": right_code})
        assert response.status_code == 200
        assert not _logged_in(client)
        # and the password step is closed as well
        assert _post_login(client, user.email, TEST_PASSWORD).status_code == 200
    stages = db.session.scalars(select(LoginAttempt.stage).where(LoginAttempt.succeeded.is_(False))).all()
    assert stages.count("totp") == 6


def test_per_ip_limit_answers_429_with_a_french_page(request, db_url, app, tmp_path, make_user):
    limited = second_app(request, db_url, tmp_path / "limited", RATELIMIT_ENABLED=True, LOGIN_IP_LIMIT="3 per minute")
    client = limited.test_client()
    emails = [f"someone{n}@test.example" for n in range(4)]
    statuses = [_post_login(client, email, WRONG).status_code for email in emails]
    assert statuses == [200, 200, 200, 429]
    response = _post_login(client, "again@test.example", WRONG)
    assert response.status_code == 429
    body = page_text(response)
    assert 'lang="fr"' in body
    assert fr("Too many requests") in body
    assert fr("Too many attempts. Wait a moment and try again.") in body
    # another address (another IP) is not limited
    other = limited.test_client()
    response = other.post(
        "/login", data={"email": "x@test.example", "password": WRONG}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code == 200


def test_password_reentry_is_throttled_like_the_login(login_as):
    with time_machine.travel(START, tick=False) as traveller:
        client, user = login_as(Role.AGENT)
        traveller.shift(timedelta(seconds=1))  # failures after the login count
        _reentry_is_throttled(client, user)


def _reentry_is_throttled(client, _user) -> None:
    for _ in range(5):
        response = client.post("/account/reauthenticate", data={"password": WRONG, "next": "/agent"})
        assert response.status_code == 200
    response = client.post("/account/reauthenticate", data={"password": TEST_PASSWORD, "next": "/agent"})
    assert response.status_code == 200
    assert _throttle_prefix() in page_text(response)
    new = "yet another long password sentence"
    response = client.post(
        "/account/password", data={"current_password": TEST_PASSWORD, "new_password": new, "confirm_password": new}
    )
    assert response.status_code == 200
    assert _throttle_prefix() in page_text(response)


# --- the documented rule (README "Login limits"): an office behind one address is not held -------

OFFICE_ADDRESS = "203.0.113.10"


def test_the_default_per_address_ceiling_fits_an_office_behind_one_nat(app):
    assert app.config["LOGIN_IP_LIMIT"] == "300 per minute"


def test_forty_people_of_one_office_log_in_from_one_address_within_a_minute(request, db_url, tmp_path, make_user):
    office = second_app(request, db_url, tmp_path / "office", RATELIMIT_ENABLED=True)
    users = [make_user(Role.AGENT) for _ in range(40)]
    with time_machine.travel(START, tick=False):
        for user in users:
            client = office.test_client()
            response = client.post(
                "/login",
                data={"email": user.email, "password": TEST_PASSWORD},
                environ_base={"REMOTE_ADDR": OFFICE_ADDRESS},
            )
            assert response.status_code == 302, user.email
            assert client.get("/agent", environ_base={"REMOTE_ADDR": OFFICE_ADDRESS}).status_code == 200


def test_ten_wrong_passwords_from_ten_addresses_are_held_by_the_account_limit(request, db_url, tmp_path, make_user):
    limited = second_app(request, db_url, tmp_path / "limited", RATELIMIT_ENABLED=True)
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False):
        pages = []
        for n in range(10):
            response = limited.test_client().post(
                "/login", data={"email": user.email, "password": WRONG}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
            )
            assert response.status_code == 200  # never the per-address ceiling: each address sent one
            pages.append(page_text(response))
        assert [_throttle_prefix() in page for page in pages] == [False] * 5 + [True] * 5
        # the right password from yet another address is refused too: the account limit holds
        client = limited.test_client()
        response = client.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD}, environ_base={"REMOTE_ADDR": "192.0.2.99"}
        )
        assert _throttle_prefix() in page_text(response)
        assert not _logged_in(client)
