"""TOTP: enrolment with an app-rendered QR code, single use, recovery codes, compulsory cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from sqlalchemy import func, select

from integration_centre.accounts import totp
from integration_centre.accounts.models import RecoveryCode, Role, User
from integration_centre.extensions import db
from tests.accounts.helpers import fr, page_text
from tests.conftest import TEST_PASSWORD, login

START = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)
SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')
CODES_RE = re.compile(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>")


def _with_totp(make_user, role=Role.AGENT) -> tuple[User, list[str]]:
    user = make_user(role)
    codes = totp.enable(user, totp.new_secret())
    db.session.commit()
    return user, codes


def _enrol(client, path: str) -> tuple[str, list[str]]:
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    # the QR code is inline SVG produced by the app, no image from elsewhere
    qr = re.search(r'<div class="qr"[^>]*>\s*(<svg.*?</svg>)', body, re.S)
    assert qr is not None
    assert "http" not in qr.group(1).replace("http://www.w3.org/2000/svg", "")
    secret = SECRET_RE.search(body).group(1)
    response = client.post(path, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(codes) == totp.RECOVERY_CODE_COUNT
    return secret, codes


def test_optional_enrolment_from_the_account_page(login_as):
    with time_machine.travel(START, tick=False):
        client, user = login_as(Role.AGENT)
        secret, codes = _enrol(client, "/account/security/enrol")
        assert fr("On") in page_text(client.get("/account/security"))
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.totp_enabled and user.totp_secret == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)  # only digests are stored


def test_enrolment_refuses_a_wrong_code(login_as):
    client, user = login_as(Role.AGENT)
    body = client.get("/account/security/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(body).group(1)
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1000000).zfill(6)
    response = client.post("/account/security/enrol", data={"code": wrong})
    assert response.status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).totp_enabled


def test_admin_without_totp_is_forced_to_enrol(app, client, make_user):
    admin = make_user(Role.ADMIN)
    with time_machine.travel(START, tick=False):
        response = client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
        assert response.headers["Location"] == "/login/enrol"
        # not logged in yet: admin pages still refused
        assert client.get("/admin/users").status_code == 302
        assert client.get("/admin/users").headers["Location"].startswith("/login")
        _enrol(client, "/login/enrol")
        assert client.get("/admin/users").status_code == 200


def test_compulsory_per_centre_sends_users_to_enrolment(app, client, make_user, org):
    user = make_user(Role.OPERATOR, centre_id=None)
    org["centre"].mfa_required = True
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/login/enrol"
    assert client.get("/operator").status_code == 302


def test_a_code_works_only_once(app, make_user):
    user, _ = _with_totp(make_user)
    with time_machine.travel(START, tick=False):
        code = pyotp.TOTP(user.totp_secret).now()
        first, second = app.test_client(), app.test_client()
        assert login(first, user, totp_code=code).headers["Location"] == "/agent"
        response = login(second, user, totp_code=code)
        assert response.status_code == 200
        assert fr("This code is not valid. Check your app and try again.") in page_text(response)
        assert second.get("/agent").status_code == 302
        # an older code (previous step, inside the drift window) is refused too once a newer was used
        older = pyotp.TOTP(user.totp_secret).at(START - timedelta(seconds=30))
        assert login(app.test_client(), user, totp_code=older).status_code == 200


def test_each_recovery_code_works_once(app, make_user):
    user, codes = _with_totp(make_user)
    first = app.test_client()
    assert login(first, user, totp_code=codes[0]).headers["Location"] == "/agent"
    again = app.test_client()
    assert login(again, user, totp_code=codes[0]).status_code == 200
    assert again.get("/agent").status_code == 302
    assert login(app.test_client(), user, totp_code=codes[1].upper()).headers["Location"] == "/agent"
    assert totp.remaining_recovery_codes(user) == totp.RECOVERY_CODE_COUNT - 2


def test_new_recovery_codes_replace_the_old_ones(app, make_user):
    user, old_codes = _with_totp(make_user)
    client = app.test_client()
    login(client, user)
    response = client.post("/account/security/recovery-codes")
    new_codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert login(app.test_client(), user, totp_code=old_codes[2]).status_code == 200
    assert login(app.test_client(), user, totp_code=new_codes[0]).status_code == 302


def test_non_admin_turns_totp_off_with_the_password(app, make_user):
    user, _ = _with_totp(make_user)
    client = app.test_client()
    login(client, user)
    response = client.post("/account/security/disable", data={"password": "not my password at all"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled
    response = client.post("/account/security/disable", data={"password": TEST_PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).totp_enabled
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_admin_cannot_turn_totp_off(login_as):
    client, admin = login_as(Role.ADMIN)
    response = client.post("/account/security/disable", data={"password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/security"
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_enabled
    assert "/account/security/disable" not in client.get("/account/security").get_data(as_text=True)
