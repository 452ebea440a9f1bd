"""Foundation journeys in a real browser: each demo role logs in, reaches its home, switches
language and logs out; every page is screenshotted and checked with axe-core."""

from __future__ import annotations

import pytest

from tests.e2e.harness import DEMO_PASSWORD, HOME_PATHS, Pages

pytestmark = pytest.mark.e2e

# A string of the header in each language: proves the page was really translated.
LOG_OUT = {"fr": "Se déconnecter", "en": "Log out", "nl": "Afmelden"}


@pytest.mark.parametrize("role", ["agent", "operator", "committee", "admin"])
def test_role_logs_in_switches_language_and_logs_out(pages: Pages, role: str) -> None:
    pages.goto("/login")
    assert pages.html_lang() == "fr"
    pages.check_accessibility(f"{role} login")

    pages.login(role, screenshots=False)
    assert pages.path == HOME_PATHS[role]
    assert pages.page.locator(".demo-banner").is_visible(), "demo mode shows the DEMO banner"
    assert pages.html_lang() == "fr"
    assert pages.page.locator("form.logout-form button").text_content().strip() == LOG_OUT["fr"]
    pages.screenshot(f"{role}-home-fr")
    pages.check_accessibility(f"{role} home (fr)")

    for code in ("nl", "en"):
        pages.switch_language(code)
        assert pages.path == HOME_PATHS[role], "the language switch goes back to the same page"
        assert pages.html_lang() == code
        assert pages.page.locator("form.logout-form button").text_content().strip() == LOG_OUT[code]
        pages.screenshot(f"{role}-home-{code}")
        pages.check_accessibility(f"{role} home ({code})")

    pages.switch_language("fr")
    pages.logout()
    assert pages.html_lang() == "fr"
    assert pages.page.locator(".notice-success").count() == 1
    pages.screenshot(f"{role}-logged-out")
    pages.check_accessibility(f"{role} logged out")

    pages.goto(HOME_PATHS[role])
    assert pages.path.startswith("/login"), "after logout the home page asks for a login again"


def test_login_and_code_pages_with_errors_are_accessible(pages: Pages) -> None:
    pages.goto("/login")
    pages.screenshot("login")
    pages.submit()
    assert pages.page.locator(".error-summary").is_visible()
    pages.screenshot("login-empty-fields")
    pages.check_accessibility("login with field errors")

    pages.page.locator("input[name=email]").fill("agent@demo.example")
    pages.page.locator("input[name=password]").fill("not the right password")
    pages.submit()
    assert pages.page.locator(".error-summary").is_visible()
    pages.screenshot("login-wrong-password")
    pages.check_accessibility("login with a wrong password")

    pages.goto("/login")
    pages.page.locator("input[name=email]").fill("admin@demo.example")
    pages.page.locator("input[name=password]").fill(DEMO_PASSWORD)
    pages.submit()
    assert pages.path == "/login/code"
    pages.screenshot("login-code")
    pages.check_accessibility("TOTP step")
    pages.page.locator("input[name=code]").fill("000000")
    pages.submit()
    assert pages.page.locator(".field-error").is_visible()
    pages.screenshot("login-code-wrong")
    pages.check_accessibility("TOTP step with a wrong code")


@pytest.mark.parametrize("code", ["fr", "en", "nl"])
def test_error_page_is_translated_and_accessible(pages: Pages, code: str) -> None:
    pages.goto("/login")
    if code != "fr":
        pages.switch_language(code)
    response = pages.goto("/no-such-page")
    assert response.status == 404
    assert pages.html_lang() == code
    pages.screenshot(f"error-404-{code}")
    pages.check_accessibility(f"404 page ({code})")


def test_error_page_for_a_logged_in_user(pages: Pages) -> None:
    pages.login("agent")
    response = pages.goto("/admin/users")
    assert response.status == 404, "another role's page does not exist for this user"
    pages.screenshot("error-404-agent")
    pages.check_accessibility("404 page, logged in")


@pytest.mark.parametrize("role", ["agent", "operator", "committee", "admin"])
def test_every_page_of_the_navigation_is_accessible(pages: Pages, role: str) -> None:
    """Each link of the role's main navigation opens a page without serious accessibility issues."""
    pages.login(role)
    links = pages.page.locator("nav.main-nav a")
    targets = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert targets, f"{role} has no navigation"
    for label, href in targets:
        response = pages.goto(href)
        assert response.status == 200, f"{role}: {label} ({href}) answered {response.status}"
        assert pages.page.locator("h1").count() == 1, f"{href} has one main heading"
        pages.screenshot(f"{role}-nav-{href.strip('/').replace('/', '-') or 'home'}")
        pages.check_accessibility(f"{role}: {label} ({href})")


def test_skip_link_is_the_first_stop_and_focus_is_visible(pages: Pages) -> None:
    pages.goto("/login")
    pages.page.keyboard.press("Tab")
    focused = pages.page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert pages.page.locator(".skip-link").is_visible(), "the skip link shows when focused"
    outline = pages.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    background = pages.page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline != "none" or background != "rgba(0, 0, 0, 0)", "the focused element is visibly marked"
    pages.page.keyboard.press("Enter")
    assert pages.page.evaluate("document.activeElement.id") == "main"


def test_compulsory_totp_enrolment_pages_are_accessible(pages: Pages) -> None:
    """A new administrator must set up TOTP at first login: QR page, then recovery codes."""
    import pyotp
    from sqlalchemy import select

    from integration_centre.accounts import services
    from integration_centre.accounts.models import Centre, Role
    from integration_centre.extensions import db

    email = "new-admin@demo.example"
    with pages.server.app.app_context():
        centre = db.session.scalar(select(Centre).where(Centre.code == "CAI"))
        services.create_user(
            email=email,
            display_name="Camille Admin (démo)",
            role=Role.ADMIN,
            password=DEMO_PASSWORD,
            centre_id=centre.id,
            must_change_password=False,
        )
        db.session.commit()

    pages.goto("/login")
    pages.page.locator("input[name=email]").fill(email)
    pages.page.locator("input[name=password]").fill(DEMO_PASSWORD)
    pages.submit()
    assert pages.path == "/login/enrol"
    assert pages.page.locator(".qr svg").count() == 1, "the QR code is drawn by the app"
    pages.screenshot("login-enrol-totp")
    pages.check_accessibility("compulsory TOTP enrolment")

    secret = pages.page.locator("code.secret").inner_text().strip()
    pages.page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    pages.submit()
    assert pages.page.locator(".recovery-codes li").count() >= 5
    pages.screenshot("login-enrol-recovery-codes")
    pages.check_accessibility("recovery codes")
    with pages.page.expect_navigation():
        pages.page.locator("main a.button").click()
    assert pages.path == HOME_PATHS["admin"]
