"""Issue 15, finding 7: anyone could lock a chosen account (five wrong guesses in 15 minutes
refused even the right password). Following NIST SP 800-63B §5.2.2 and OWASP's authentication
guidance (device cookies), failures are throttled per source (address, or a known device) and
per account, with growing delays instead of a hard lock; the account-wide throttle does not
apply to a device or an address the user has logged in from before; repeated failures raise an
alert the administrators see on their home page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.accounts.helpers import fr, page_text
from tests.conftest import TEST_PASSWORD, csrf_token_from, login

WRONG = "this is not the password"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOME = "10.0.0.2"  # where the user works
ATTACKER = "203.0.113.66"


THROTTLED = "Too many failed attempts. Try again in %(delay)s."


def _delay_in(response) -> int | None:
    """The N of "try again in N seconds" in a refused login page (None: not throttled)."""
    before, after = fr(THROTTLED, delay="\x00").split("\x00")
    match = re.search(re.escape(before) + r"(\d+)\s+\w+" + re.escape(after), page_text(response))
    return int(match.group(1)) if match else None


def _post(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _logged_in(client, address=HOME) -> bool:
    return client.get("/agent", environ_base={"REMOTE_ADDR": address}).status_code == 200


def _log_out(client, address=HOME) -> None:
    token = csrf_token_from(client.get("/agent", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": address})


def test_an_attacker_elsewhere_cannot_lock_the_user_out(app, make_user):
    user = make_user(Role.AGENT)
    laptop = app.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        # the user has logged in from this laptop before (it carries a device cookie now)
        assert _post(laptop, user.email, TEST_PASSWORD, HOME).status_code == 302
        _log_out(laptop)
        traveller.shift(timedelta(hours=2))
        attacker = app.test_client()
        for _ in range(30):
            assert _post(attacker, user.email, WRONG, ATTACKER).status_code == 200
            traveller.shift(timedelta(seconds=20))
        # even the right password is refused to the attacker's source
        refused = _post(attacker, user.email, TEST_PASSWORD, ATTACKER)
        assert not _logged_in(attacker, ATTACKER)
        # the user, on the known laptop, logs in with the right password
        response = _post(laptop, user.email, TEST_PASSWORD, HOME)
        assert response.status_code == 302, page_text(response)
        assert _logged_in(laptop)
        assert _delay_in(refused) is not None


def test_the_address_the_user_logged_in_from_before_is_known_too(app, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False) as traveller:
        assert _post(app.test_client(), user.email, TEST_PASSWORD, HOME).status_code == 302
        traveller.shift(timedelta(hours=1))
        attacker = app.test_client()
        for _ in range(12):
            _post(attacker, user.email, WRONG, ATTACKER)
        # a browser never seen, at an address never seen, is held by the account-wide throttle
        stranger = app.test_client()
        response = _post(stranger, user.email, TEST_PASSWORD, "198.51.100.7")
        assert _delay_in(response) is not None
        assert not _logged_in(stranger, "198.51.100.7")
        # another browser (no device cookie) at the office address the user logged in from
        office_pc = app.test_client()
        assert _post(office_pc, user.email, TEST_PASSWORD, HOME).status_code == 302
        assert _logged_in(office_pc)


def test_brute_force_from_many_addresses_meets_growing_delays(app, make_user):
    user = make_user(Role.AGENT)
    client = app.test_client()
    addresses = iter(f"192.0.2.{n}" for n in range(1, 200))
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):  # the first failures are free, each from a fresh address
            response = _post(client, user.email, WRONG, next(addresses))
            assert _delay_in(response) is None
            assert fr("E-mail address or password incorrect.") in page_text(response)
        delays = []
        for _ in range(5):
            response = _post(client, user.email, WRONG, next(addresses))
            delay = _delay_in(response)
            assert delay is not None, "a new address must not reset the account's throttle"
            # the right password from yet another address is refused as well, and a refused
            # attempt does not count as a guess (the delay does not move)
            assert _delay_in(_post(client, user.email, TEST_PASSWORD, next(addresses))) == delay
            delays.append(delay)
            traveller.shift(timedelta(seconds=delay + 1))
            response = _post(client, user.email, WRONG, next(addresses))  # one more guess allowed
            assert _delay_in(response) is None
        assert delays == [delays[0] * 2**n for n in range(5)]
        assert delays[0] >= 1
        # ten wrong passwords from ten addresses: the account is still throttled
        assert _delay_in(_post(client, user.email, WRONG, next(addresses))) is not None


def test_repeated_failures_alert_the_administrators(app, make_user, login_as):
    user = make_user(Role.AGENT, display_name="Victime Ciblée")
    with time_machine.travel(START, tick=False):
        attacker = app.test_client()
        for n in range(12):
            _post(attacker, user.email, WRONG, f"192.0.2.{n}")
    alerts = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "login_alert")).all()
    assert [(a.object_type, a.object_id) for a in alerts] == [("user", str(user.id))]
    admin_client, _ = login_as(Role.ADMIN)
    home = admin_client.get("/admin/users")  # the administrators' home page
    assert home.status_code == 200
    text = page_text(home)
    assert fr("Repeated failed logins") in text
    assert "Victime Ciblée" in text
    # the alert stays until an administrator marks it as seen
    token = csrf_token_from(home.get_data(as_text=True))
    alert_form = re.search(r'action="(/admin/login-alerts/\d+/seen)"', home.get_data(as_text=True))
    assert alert_form is not None
    assert admin_client.post(alert_form.group(1), data={"csrf_token": token}).status_code == 302
    assert fr("Repeated failed logins") not in page_text(admin_client.get("/admin/users"))


def test_a_normal_login_after_a_typo_is_not_delayed(app, client, make_user):
    user = make_user(Role.AGENT)
    with time_machine.travel(START, tick=False):
        _post(client, user.email, WRONG, HOME)
        assert login(client, user).status_code == 302
