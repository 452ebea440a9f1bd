"""API tokens in a real browser: the admin creates a token for the demo operator (shown once),
the token answers on the API, the admin revokes it and it answers 401; the API reference page.
Screenshots in reports/e2e/, axe-core clean of serious and critical issues."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def _api_status(pages: Pages, path: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(pages.url(path), headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_admin_creates_uses_and_revokes_a_token(pages: Pages) -> None:
    pages.login("admin")
    pages.goto("/admin/api-tokens")
    assert pages.page.locator("table.table tbody tr").count() >= 1, "the demo tokens are listed"
    pages.screenshot("api-tokens-list")
    pages.check_accessibility("API tokens list")

    pages.goto("/admin/api-tokens/new")
    pages.submit()  # empty form: the errors are shown beside the fields
    assert pages.page.locator(".error-summary").is_visible()
    pages.screenshot("api-token-form-errors")
    pages.check_accessibility("API token form with errors")

    pages.page.locator("select[name=user_id]").select_option(label=pages.page.locator(
        "select[name=user_id] option", has_text="operator@demo.example").inner_text())  # fmt: skip
    pages.page.locator("input[name=name]").fill("Plateforme e2e")
    pages.page.locator("input[name=scopes][value='referrals:read']").check()
    pages.submit()
    secret = pages.page.locator("#token-value").input_value()
    assert secret.startswith("ic_")
    pages.screenshot("api-token-created")
    pages.check_accessibility("API token created")

    status, body = _api_status(pages, "/api/v1/referrals", secret)
    assert status == 200 and "items" in body
    pages.goto("/admin/api-tokens")
    assert secret not in pages.page.content(), "the list never shows the token again"

    pages.page.locator("tr", has_text="Plateforme e2e").locator("a.button-warning").click()
    pages.page.wait_for_load_state()
    pages.screenshot("api-token-revoke-confirm")
    pages.check_accessibility("API token revocation")
    pages.submit()
    assert pages.path == "/admin/api-tokens"
    status, body = _api_status(pages, "/api/v1/referrals", secret)
    assert status == 401 and body["detail"]


def test_api_reference_page(pages: Pages) -> None:
    pages.goto("/api/v1/docs")
    assert pages.page.locator("h1").inner_text().startswith("Integration centre API")
    pages.screenshot("api-reference")
    pages.check_accessibility("API reference")
