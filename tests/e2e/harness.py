"""Browser-test harness: the live demo server, prerequisites, and the ``Pages`` helper.

Journeys of every issue reuse it through the ``pages`` fixture (see ``conftest.py``)::

    def test_something(pages):
        pages.login("agent")
        pages.page.get_by_role("link", name="…").click()
        pages.screenshot("agent-something")
        pages.check_accessibility()
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
REPORTS_DIR = ROOT / "reports" / "e2e"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "e2e demo password 2026"
DEMO_EMAILS = {
    "agent": "agent@demo.example",
    "operator": "operator@demo.example",
    "committee": "committee@demo.example",
    "admin": "admin@demo.example",
    "agent2": "agent2@demo.example",  # a second agent of Namur (casework demo)
    "agent_liege": "agent.liege@demo.example",  # an agent of the Liège office (casework demo)
}
HOME_PATHS = {
    "agent": "/agent",
    "agent2": "/agent",
    "agent_liege": "/agent",
    "operator": "/operator",
    "committee": "/statistics/",
    "admin": "/admin/",
}
# axe-core rule sets: WCAG 2.0/2.1 levels A and AA, plus axe's best practices (landmarks, headings).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
SERVER_NOTES: list[str] = []  # shown in pytest's terminal summary (see conftest.py)


def running_in_ci() -> bool:
    """True when the ``CI`` environment variable says so (then a missing prerequisite fails)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_prerequisites() -> list[str]:
    """What the browser tests need and is not here, each with how to get it."""
    missing = []
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        missing.append(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set E2E_CHROMIUM)")
    if not AXE_SCRIPT.is_file():
        missing.append(f"axe-core not found at {AXE_SCRIPT} (run `npm ci` in tests/e2e)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append('the playwright Python package is not installed (pip install -e ".[test]")')
    return missing


def require_prerequisites() -> None:
    """Skip the browser tests when a prerequisite is missing; under ``CI=true`` fail instead."""
    missing = missing_prerequisites()
    if not missing:
        return
    reason = "browser tests need: " + "; ".join(missing)
    if running_in_ci():
        pytest.fail(reason + " — CI=true, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


@dataclass
class LiveServer:
    """The real application served on 127.0.0.1 from a background thread."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.server.server_port}"


def prepare_database(app: Flask) -> list[str]:
    """Apply the migrations, or fall back to ``create_all`` while they lag behind the models.

    The lead regenerates the Alembic revisions at the end of each round; meanwhile a new model
    would be missing from the migrated schema. The fallback is reported in the test output.
    """
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from integration_centre.extensions import db

    notes: list[str] = []
    with app.app_context():
        try:
            upgrade(directory=app.extensions["migrate"].directory)
            missing = set(db.metadata.tables) - set(inspect(db.engine).get_table_names())
            if missing:
                notes.append(f"migrations lack tables {sorted(missing)}: schema built with create_all instead")
        except Exception as exc:  # noqa: BLE001 - any failure of the upgrade triggers the fallback
            notes.append(f"flask_migrate.upgrade failed ({type(exc).__name__}): schema built with create_all instead")
        if notes:
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.create_all()
    return notes


@contextmanager
def live_server() -> Iterator[LiveServer]:
    """Start the demo application on a free port with a fresh SQLite database; stop it after."""
    from integration_centre.demo import load_demo
    from integration_centre.extensions import db
    from tests.conftest import make_app

    with tempfile.TemporaryDirectory(prefix="ic-e2e-") as folder:
        instance = Path(folder)
        app = make_app(
            f"sqlite:///{instance / 'e2e.sqlite'}",
            instance,
            ENV="development",
            DEMO=True,
            WTF_CSRF_ENABLED=True,
            # Served over plain http on 127.0.0.1, as quickstart does; Chromium treats loopback as
            # a secure context, so the production cookie (Secure, __Host- prefix) is kept.
            SECURE_COOKIES=True,
        )
        notes = prepare_database(app)
        load_demo(app, DEMO_PASSWORD)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
        thread.start()
        SERVER_NOTES.extend(notes)
        try:
            yield LiveServer(app=app, server=server, thread=thread, notes=notes)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


class AccessibilityError(AssertionError):
    """axe-core found serious or critical violations."""


class Pages:
    """One browser page on the live server, with the steps every journey needs."""

    _totp_steps: dict[str, int] = {}  # last TOTP time step used per account: codes are single-use

    def __init__(self, page, server: LiveServer, test_name: str) -> None:
        self.page = page
        self.server = server
        self.test_name = test_name
        self.csp_violations: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on the live server."""
        return self.server.url + path

    def goto(self, path: str):
        """Open ``path`` and return the response."""
        return self.page.goto(self.url(path))

    @property
    def path(self) -> str:
        """The path of the current page."""
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def totp_secret(self, email: str) -> str:
        """Read a user's TOTP secret from the database (the test plays the user's phone)."""
        from sqlalchemy import select

        from integration_centre.accounts.models import User
        from integration_centre.extensions import db

        with self.server.app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None and user.totp_secret, f"{email} has no TOTP secret"
            return user.totp_secret

    def totp_code(self, email: str) -> str:
        """A fresh code for ``email``: waits for the next time step if this one was used already."""
        import pyotp

        totp = pyotp.TOTP(self.totp_secret(email))
        step = int(time.time()) // totp.interval
        while step <= self._totp_steps.get(email, -1):
            time.sleep(0.5)
            step = int(time.time()) // totp.interval
        self._totp_steps[email] = step
        return totp.at(step * totp.interval)

    def login(self, role: str, password: str = DEMO_PASSWORD, *, screenshots: bool = False) -> None:
        """Log in as the demo user of ``role`` (the TOTP step included) and land on its home page."""
        email = DEMO_EMAILS[role]
        self.goto("/login")
        if screenshots:
            self.screenshot("login")
        self.page.locator("input[name=email]").fill(email)
        self.page.locator("input[name=password]").fill(password)
        self.submit()
        if self.path.startswith("/login/code"):
            if screenshots:
                self.screenshot("login-code")
            self.page.locator("input[name=code]").fill(self.totp_code(email))
            self.submit()
        assert self.path == HOME_PATHS[role], f"{role}: expected {HOME_PATHS[role]}, landed on {self.path}"

    def submit(self) -> None:
        """Press the main form's submit button and wait for the next page."""
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").first.click()

    def open_user_menu(self) -> None:
        """Open the header's user menu (account pages and the log-out button), if closed."""
        menu = self.page.locator("details.user-menu")
        if menu.count() and not menu.evaluate("element => element.open"):
            menu.locator("summary").click()

    def logout(self) -> None:
        """Press the log-out button of the header's user menu; the login page follows."""
        self.open_user_menu()
        with self.page.expect_navigation():
            self.page.locator("form.logout-form button[type=submit]").click()
        assert self.path.startswith("/login"), self.path

    def switch_language(self, code: str) -> None:
        """Press a language in the header's language switch."""
        with self.page.expect_navigation():
            self.page.locator(f"form.language-switch button[value={code}]").click()

    def html_lang(self) -> str:
        """The ``lang`` attribute of the page's ``<html>``."""
        return self.page.locator("html").get_attribute("lang") or ""

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot as ``reports/e2e/<name>.png``."""
        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        path = REPORTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_accessibility(self, name: str | None = None) -> list[dict]:
        """Run axe-core on the current page; fail on serious or critical violations.

        Returns every violation found (minor and moderate ones included) for callers that want
        more. CSP violations reported by the browser fail the check too.
        """
        # axe comes from the context's init script (``conftest.browser_context``): the page's CSP
        # refuses page.add_script_tag's inline <script> unless the context bypasses the CSP.
        assert self.page.evaluate("typeof window.axe !== 'undefined'"), (
            "axe-core is not loaded: open pages from the `browser_context` fixture"
        )
        results = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = results["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        label = name or self.path
        if blocking:
            raise AccessibilityError(f"axe-core on {label}:\n" + format_violations(blocking))
        assert not self.csp_violations, f"CSP violations on {label}: {self.csp_violations}"
        return violations


def format_violations(violations: list[dict]) -> str:
    """Readable list of axe violations: rule, impact, help, and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            target = json.dumps(node.get("target"))
            lines.append(f"    at {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)
