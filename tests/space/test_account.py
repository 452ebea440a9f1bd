"""The person's optional account: e-mail and password set inside the space, an optional TOTP code,
then a login at /my/login without the link; throttled like the staff's logins."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import erasure
from integration_centre.privacy.context import Actor
from integration_centre.space import account
from integration_centre.space.account_models import SpaceAccount

EMAIL = "amina@example.org"
PASSWORD = "un jardin sous la pluie"


def set_up(space, email: str = EMAIL, password: str = PASSWORD):
    return space.post("/my/account", data={"email": email, "password": password, "confirm": password})


def log_in(client, email: str = EMAIL, password: str = PASSWORD, code: str = ""):
    return client.post("/my/login", data={"email": email, "password": password, "code": code})


def test_the_person_sets_an_account_and_logs_in_without_the_link(app, space, person):
    assert space.get("/my/account").status_code == 200
    response = set_up(space)
    assert response.status_code == 302
    stored = db.session.scalar(select(SpaceAccount).where(SpaceAccount.person_id == person[1].id))
    assert stored.password_hash.startswith("$argon2id$")
    assert stored.email_ct is not None and EMAIL.encode() not in stored.email_ct  # encrypted
    assert account.email_of(stored) == EMAIL
    client = app.test_client()
    entered = log_in(client, EMAIL.upper())
    assert entered.status_code == 302 and entered.headers["Location"].endswith("/my/")
    assert client.get("/my/").status_code == 200
    assert client.get("/agent").status_code == 404  # confined like a link's session


def test_weak_passwords_are_refused(space):
    short = set_up(space, password="court")
    assert short.status_code == 200 and "Use at least 12 characters." in short.get_data(as_text=True)
    common = set_up(space, password="password1234")
    assert "This password is too common." in common.get_data(as_text=True)
    assert db.session.scalar(select(SpaceAccount.id)) is None


def test_a_wrong_password_or_an_unknown_address_gives_the_same_refusal(app, space):
    set_up(space)
    client = app.test_client()
    wrong = log_in(client, password="not the right one at all").get_data(as_text=True)
    unknown = log_in(client, email="nobody@example.org").get_data(as_text=True)
    message = "The e-mail address or the password is wrong."
    assert message in wrong and message in unknown
    assert client.get("/my/").status_code == 404


def test_logins_are_throttled_after_repeated_failures(app, space):
    set_up(space)
    client = app.test_client()
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        log_in(client, password="wrong wrong wrong")
    throttled = log_in(client)  # even the right password waits
    assert "Too many tries. Try again in" in throttled.get_data(as_text=True)
    assert client.get("/my/").status_code == 404


def test_the_totp_code_is_asked_once_turned_on(app, space):
    set_up(space)
    page = space.get("/my/account/code")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    with space.session_transaction() as cookie:
        secret = cookie["space_totp_candidate"]
    refused = space.post("/my/account/code", data={"code": "000000"})
    assert "This code does not work." in refused.get_data(as_text=True)
    assert space.post("/my/account/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    client = app.test_client()
    without = log_in(client)
    assert without.status_code == 200 and "Enter the code in your app." in without.get_data(as_text=True)
    replay = log_in(client, code=pyotp.TOTP(secret).now())  # the enrolment's code cannot be replayed
    assert replay.status_code == 200
    stored = db.session.scalar(select(SpaceAccount))
    stored.totp_last_counter = None  # a later time step
    db.session.commit()
    assert log_in(client, code=pyotp.TOTP(secret).now()).status_code == 302
    # turning it off from inside the space
    assert space.post("/my/account/code", data={}).status_code == 302
    assert log_in(app.test_client()).status_code == 302


def test_removing_the_account_ends_its_sessions(app, space):
    set_up(space)
    client = app.test_client()
    log_in(client)
    assert space.post("/my/account/remove", data={}).status_code == 302
    assert db.session.scalar(select(SpaceAccount.id)) is None
    assert client.get("/my/").status_code == 404  # the account's session ends with it
    assert space.get("/my/").status_code == 200  # the link's session goes on


def test_another_person_cannot_take_the_same_address(app, space, person, org):
    from datetime import date

    from integration_centre.pathway import registration
    from tests.pathway.conftest import newcomer_data

    set_up(space)
    other = registration.register_newcomer(
        person[0], newcomer_data(family_name="Other", date_of_birth=date(1980, 1, 1)), org["office"],
        confirm_duplicate=True,
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(account.AccountRefused):
        account.set_credentials(other.id, EMAIL, PASSWORD)


def test_the_account_dies_with_the_erasure(app, space, person):
    set_up(space)
    erasure.erase_person(person[1].id, actor=Actor.system("test"))
    db.session.commit()
    assert db.session.scalar(select(SpaceAccount.id)) is None
    assert log_in(app.test_client()).status_code == 200
