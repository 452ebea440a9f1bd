"""``next`` only ever leads to a same-site path, whatever the encoding tricks."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration_centre.accounts import totp
from integration_centre.accounts.models import Role
from integration_centre.core.urls import safe_next
from integration_centre.extensions import db
from tests.conftest import TEST_PASSWORD

# Decision: anything that decodes (in up to four rounds of %-decoding) to something other than a
# plain same-site absolute path is refused, including "/%2F%2Fevil.example": it would be harmless
# to Flask's routing but some proxies and browsers normalise it to "//evil.example".
HOSTILE = [
    "//evil.example",
    "//evil.example/agent",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example",
    "http://evil.example/agent",
    "http:evil.example",
    "evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example",
    "%2F%5Cevil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%252F%252Fevil.example",
    "%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%255Cevil.example",
    "%2Fjavascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "\n//evil.example",
    " //evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%00//evil.example",
    "https:%2F%2Fevil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/agent", "/agent?tab=2", "/admin/users?sort=email&dir=desc", "/a%20b"])
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@given(st.text(max_size=40))
def test_safe_next_only_returns_same_site_paths(target):
    result = safe_next(target)
    if result is not None:
        decoded = result
        for _ in range(5):
            assert decoded.startswith("/") and not decoded.startswith("//")
            assert "\\" not in decoded
            assert not urlsplit(decoded).netloc and not urlsplit(decoded).scheme
            decoded = unquote(decoded)


@pytest.mark.parametrize("target", HOSTILE)
def test_login_with_hostile_next_lands_on_the_role_home(client, make_user, target):
    user = make_user(Role.AGENT)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent"


def test_login_follows_a_same_site_next(client, make_user):
    user = make_user(Role.AGENT)
    page = client.get("/login?next=/agent%3Ftab%3D2").get_data(as_text=True)
    assert 'value="/agent?tab=2"' in page
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "next": "/agent?tab=2"})
    assert response.headers["Location"] == "/agent?tab=2"


@pytest.mark.parametrize("target", ["//evil.example", "/%2F%2Fevil.example", "javascript:alert(1)", "/\\evil.example"])
def test_second_factor_step_ignores_hostile_next(client, make_user, target):
    user = make_user(Role.AGENT)
    totp.enable(user, totp.new_secret())
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "next": target})
    response = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.headers["Location"] == "/agent"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/%5Cevil.example"])
def test_reauthentication_and_language_switch_ignore_hostile_next(login_as, target):
    client, _ = login_as(Role.AGENT)
    response = client.post("/account/reauthenticate", data={"password": TEST_PASSWORD, "next": target})
    assert response.headers["Location"] == "/agent"
    response = client.post("/language", data={"locale": "en", "next": target})
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")
    assert urlsplit(response.headers["Location"]).path == "/"
