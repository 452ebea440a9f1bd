"""Small helpers shared by the accounts and security tests."""

from __future__ import annotations

import html
import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token_from, make_app


def fr(msgid: str, **variables) -> str:
    """``msgid`` as the French interface shows it (the default locale)."""
    with force_locale("fr"):
        return gettext(msgid, **variables)


def page_text(response) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str | None:
    """The message(s) in the error element beside the field ``field_id`` (None when absent),
    without the visually hidden "Error:" prefix."""
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    if match is None:
        return None
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1), flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def row_counts() -> dict[str, int]:
    """Rows per table, to prove that a refused form wrote nothing."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def login_with_csrf(client: FlaskClient, user: User, password: str = TEST_PASSWORD):
    """Log in through the real forms when CSRF protection is on (tokens read from the pages)."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    if user.totp_enabled:
        token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
        response = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now(), "csrf_token": token})
    return response


def second_app(request, db_url: str, instance, **overrides) -> Flask:
    """Another application on the test database (a second worker, other settings); its
    connections are closed when the test ends."""
    application = make_app(db_url, instance, **overrides)

    def dispose() -> None:
        with application.app_context():
            db.engine.dispose()

    request.addfinalizer(dispose)
    return application
