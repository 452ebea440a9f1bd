"""The first administrator: ``users create-admin`` issues a one-time setup link (24 h, single use);
on it the administrator chooses a password and enrols TOTP, then logs in with both."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from integration_centre.accounts import passwords, setup
from integration_centre.accounts.models import Role, SetupToken, User
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.accounts.helpers import field_error, fr, row_counts
from tests.conftest import login

START = datetime(2026, 6, 1, 9, 0, 0, tzinfo=UTC)
NEW_PASSWORD = "a long setup passphrase 2026"


def _issue(email: str = "first.admin@centre.example", **kwargs) -> setup.IssuedLink:
    issued = setup.create_admin(email, kwargs.pop("display_name", "First Admin"), **kwargs)
    db.session.commit()
    return issued


def _audit_actions(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_id == str(user_id)).order_by(AuditRecord.seq)
        )
    )


def _neutral(response) -> str:
    """The page body without per-response values (CSP nonce, CSRF token)."""
    body = response.get_data(as_text=True)
    body = re.sub(r'nonce="[^"]*"', "", body)
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", body)


def _secret_from(response) -> str:
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', response.get_data(as_text=True))
    assert match, "the enrolment page shows the TOTP key"
    return match.group(1)


def _set_up(client, token: str, at: datetime) -> str:
    """Follow the link, choose the password, enrol TOTP; returns the TOTP secret."""
    follow = client.get(f"/account/setup/{token}")
    assert follow.status_code == 302 and follow.headers["Location"].endswith("/account/setup")
    assert client.post("/account/setup", data=_passwords(NEW_PASSWORD)).status_code == 302
    secret = _secret_from(client.get("/account/setup"))
    done = client.post("/account/setup", data={"code": pyotp.TOTP(secret).at(at)})
    assert done.status_code == 200, done.get_data(as_text=True)
    return secret


def _passwords(password: str, confirm: str | None = None) -> dict:
    return {"new_password": password, "confirm_password": password if confirm is None else confirm}


def test_create_admin_stores_only_a_digest_and_no_usable_password(app) -> None:
    with time_machine.travel(START, tick=False):
        issued = _issue()
    user = issued.user
    assert user.role == Role.ADMIN and user.is_enabled and not user.totp_enabled
    assert not passwords.verify_password(user.password_hash, ""), "no password known to anyone works"
    row = db.session.scalars(select(SetupToken).where(SetupToken.user_id == user.id)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest() != issued.token
    assert len(issued.token) >= 40, "at least 256 random bits"
    assert row.expires_at == START + timedelta(hours=24) == issued.expires_at
    assert row.used_at is None
    assert _audit_actions(user.id) == ["create", "setup_link_created"]
    assert setup.setup_pending(user)


def test_an_existing_email_is_refused_and_nothing_is_written(app, make_user) -> None:
    existing = make_user(Role.AGENT, email="taken@centre.example")
    before = row_counts()
    with pytest.raises(setup.SetupError) as refused:
        setup.create_admin("Taken@Centre.example", "Someone")
    db.session.rollback()
    assert refused.value.code == "email_taken"
    assert row_counts() == before
    with pytest.raises(setup.SetupError) as refused:  # --reset is only for an admin waiting for setup
        setup.create_admin(existing.email, "Someone", reset=True)
    db.session.rollback()
    assert refused.value.code == "setup_done"
    assert row_counts() == before


def test_reset_replaces_the_link_until_the_setup_is_completed(app, client) -> None:
    first = _issue()
    with pytest.raises(setup.SetupError):
        setup.create_admin(first.user.email, "First Admin")
    db.session.rollback()
    second = _issue(first.user.email, reset=True)
    assert second.user.id == first.user.id and not second.created
    assert client.get(f"/account/setup/{first.token}").status_code == 404, "the earlier link stopped working"
    _set_up(client, second.token, datetime.now(UTC))
    with pytest.raises(setup.SetupError) as refused:
        setup.create_admin(first.user.email, "First Admin", reset=True)
    db.session.rollback()
    assert refused.value.code == "setup_done"


def test_the_link_sets_a_password_and_totp_then_the_admin_logs_in(app, client) -> None:
    with time_machine.travel(START, tick=False):
        issued = _issue()
        follow = client.get(f"/account/setup/{issued.token}")
        assert follow.status_code == 302
        assert issued.token not in follow.headers["Location"], "the token leaves the address bar"
        page = client.get("/account/setup")
        assert page.status_code == 200 and issued.user.email in page.get_data(as_text=True)

        too_short = client.post("/account/setup", data=_passwords("short"))
        assert field_error(too_short, "new_password") == fr("The password must have at least 12 characters.")
        common = client.post("/account/setup", data=_passwords("password1234"))
        assert field_error(common, "new_password") == fr("This password is too common. Choose another one.")
        differ = client.post("/account/setup", data=_passwords(NEW_PASSWORD, "another long passphrase"))
        assert field_error(differ, "confirm_password") == fr("The two passwords differ.")
        db.session.expire_all()
        assert db.session.scalar(select(SetupToken.password_set_at)) is None, "nothing written on bad input"

        assert client.post("/account/setup", data=_passwords(NEW_PASSWORD)).status_code == 302
        enrol = client.get("/account/setup")
        secret = _secret_from(enrol)
        wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
        refused = client.post("/account/setup", data={"code": wrong})
        assert refused.status_code == 200 and "recovery-codes" not in refused.get_data(as_text=True)
        done = client.post("/account/setup", data={"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200
        assert done.get_data(as_text=True).count("<li><code>") == 10, "recovery codes shown once"
        assert client.get("/admin/users").status_code == 200, "logged in after the setup"

    db.session.expire_all()
    user = db.session.get(User, issued.user.id)
    assert user.totp_enabled and user.totp_secret == secret
    assert passwords.verify_password(user.password_hash, NEW_PASSWORD)
    assert db.session.scalar(select(SetupToken.used_at)) is not None
    actions = _audit_actions(user.id)
    assert actions[:4] == ["create", "setup_link_created", "setup_password_set", "setup_completed"]
    assert "login" in actions

    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        assert client.post("/logout").status_code == 302
        fresh = app.test_client()
        response = login(fresh, user, password=NEW_PASSWORD, totp_code=pyotp.TOTP(secret).now())
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
        assert fresh.get("/admin/users").status_code == 200


def test_a_used_unknown_or_expired_link_gets_the_same_neutral_page(app, client) -> None:
    with time_machine.travel(START, tick=False):
        used = _issue("used@centre.example")
        _set_up(client, used.token, START)
        expired = _issue("late@centre.example")
    pages = []
    with time_machine.travel(START + timedelta(hours=24, seconds=1), tick=False):
        for token in (used.token, expired.token, "x" * 43):
            response = app.test_client().get(f"/account/setup/{token}")
            assert response.status_code == 404
            pages.append(_neutral(response).replace(token, "TOKEN"))  # the language switch links back
    assert pages[0] == pages[1] == pages[2]
    assert fr("This link is not valid") in pages[0]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.totp_enabled.is_(True))) == 1


def test_a_link_followed_in_time_expires_before_the_form_is_sent(app, client) -> None:
    with time_machine.travel(START, tick=False):
        issued = _issue()
        assert client.get(f"/account/setup/{issued.token}").status_code == 302
    with time_machine.travel(START + timedelta(hours=24, minutes=1), tick=False):
        assert client.post("/account/setup", data=_passwords(NEW_PASSWORD)).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(SetupToken.password_set_at)) is None


def test_the_setup_page_without_a_followed_link_is_the_neutral_page(app, client) -> None:
    assert client.get("/account/setup").status_code == 404
    assert client.post("/account/setup", data=_passwords(NEW_PASSWORD)).status_code == 404


def test_a_link_is_spent_once_even_when_completed_twice(app) -> None:
    issued = _issue()
    row = setup.valid_token(setup.digest(issued.token))
    setup.complete(row)
    with pytest.raises(setup.SetupError):
        setup.complete(row)
    db.session.rollback()


def test_the_printed_link_keeps_the_public_address_and_prefix(app) -> None:
    from integration_centre.accounts.cli import setup_link

    base = setup.normalise_base_url("https://ic.example.be/cri")
    assert base == "https://ic.example.be/cri/"
    assert setup_link(base, "TOKEN") == "https://ic.example.be/cri/account/setup/TOKEN"
    for bad in ("ic.example.be", "ftp://ic.example.be/", "https://ic.example.be/?a=1", ""):
        with pytest.raises(setup.SetupError):
            setup.normalise_base_url(bad)
