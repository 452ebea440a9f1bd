"""Behind the reverse proxy: INTEGRATION_CENTRE_TRUSTED_PROXIES says how many proxies' forwarded
headers to believe (Werkzeug ProxyFix); with 0 they are ignored.

The client address of the per-IP login limit, the scheme and host of external links (the
OpenAPI server URL, the certificate's QR link) and the HSTS header follow the proxy's headers
only when the proxy is trusted.
"""

from __future__ import annotations

import pytest

from integration_centre.config import ConfigurationError
from tests.accounts.helpers import second_app
from tests.conftest import make_app

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy itself
WRONG = "this is not the password"


def _login(client, email: str, forwarded_for: str) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": WRONG},
        environ_base=PROXY,
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def _limited_app(request, db_url, tmp_path, proxies: int):
    return second_app(
        request,
        db_url,
        tmp_path / f"proxies-{proxies}",
        RATELIMIT_ENABLED=True,
        LOGIN_IP_LIMIT="2 per minute",
        TRUSTED_PROXIES=proxies,
    )


def test_behind_one_trusted_proxy_each_client_has_its_own_login_limit(request, db_url, app, tmp_path) -> None:
    client = _limited_app(request, db_url, tmp_path, 1).test_client()
    first = [_login(client, f"a{n}@test.example", "203.0.113.10") for n in range(3)]
    assert first == [200, 200, 429]
    # another client behind the same proxy is not limited by the first one's attempts
    assert _login(client, "b@test.example", "203.0.113.20") == 200
    # a client cannot escape its limit by prepending a forged address: the proxy appends the real one
    assert _login(client, "c@test.example", "198.51.100.1, 203.0.113.10") == 429


def test_without_trusted_proxies_forwarded_addresses_change_nothing(request, db_url, app, tmp_path) -> None:
    client = _limited_app(request, db_url, tmp_path, 0).test_client()
    statuses = [_login(client, f"a{n}@test.example", f"203.0.113.{n + 1}") for n in range(3)]
    assert statuses == [200, 200, 429], "every request counts against the proxy's own address"


def _openapi_server(client, **headers) -> str:
    response = client.get("/api/v1/openapi.json", environ_base=PROXY, headers=headers)
    assert response.status_code == 200
    return response.get_json()["servers"][0]["url"]


FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cri.example.be", "X-Forwarded-For": "203.0.113.9"}


def test_behind_one_trusted_proxy_links_are_https_and_hsts_is_sent(request, db_url, app, tmp_path) -> None:
    client = second_app(request, db_url, tmp_path / "trusted", TRUSTED_PROXIES=1).test_client()
    assert _openapi_server(client, **FORWARDED_HTTPS) == "https://cri.example.be"
    login = client.get("/login", environ_base=PROXY, headers=FORWARDED_HTTPS)
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    assert _openapi_server(client) == "http://localhost", "without forwarded headers: the proxy's own request"


def test_without_trusted_proxies_forwarded_scheme_and_host_are_ignored(request, db_url, app, tmp_path) -> None:
    client = second_app(request, db_url, tmp_path / "untrusted", TRUSTED_PROXIES=0).test_client()
    assert _openapi_server(client, **FORWARDED_HTTPS) == "http://localhost"
    login = client.get("/login", environ_base=PROXY, headers=FORWARDED_HTTPS)
    assert "Strict-Transport-Security" not in login.headers


@pytest.mark.parametrize("count", [-1, 11])
def test_the_number_of_trusted_proxies_is_checked(db_url, app, tmp_path, count) -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        make_app(db_url, tmp_path, TRUSTED_PROXIES=count)
