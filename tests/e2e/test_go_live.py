"""Issue 13, acceptance 3: a real centre set up from nothing, in production mode on PostgreSQL.

The commands an installer types (``init``, ``users create-admin``, ``serve``) run as subprocesses
of the console script, on a fresh PostgreSQL database, with Redis and production settings. Then
Chromium plays the administrator (setup link, password, TOTP enrolment with a code computed here,
a centre, an office, a partner organisation with a service and an operator, an agent), the agent
(first login, registers a newcomer) and the operator (finds the organisation in the directory).
Screenshots go to ``reports/e2e/go-live/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import scratch_postgres_database
from tests.e2e.harness import REPORTS_DIR, require_prerequisites, running_in_ci

POSTGRES_URL = os.environ.get("E2E_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/14")
SHOTS = REPORTS_DIR / "go-live"
ADMIN_PASSWORD = "Une phrase de passe pour l'admin 2026"
AGENT_PASSWORD = "Une phrase de passe pour l'agente 2026"
OPERATOR_PASSWORD = "Une phrase de passe pour l'école 2026"
TEMPORARY_PASSWORD = "Mot de passe provisoire 2026"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _require_services() -> None:
    problems = []
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        problems.append(f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} ({type(exc).__name__})")
    with socket.socket() as sock:
        sock.settimeout(2)
        if sock.connect_ex(("127.0.0.1", 6379)) != 0:
            problems.append("Redis on 127.0.0.1:6379")
    if not shutil.which("integration-centre"):
        problems.append("the integration-centre console script (pip install -e .)")
    if problems:
        reason = "the production journey needs " + ", ".join(problems)
        if running_in_ci():
            pytest.fail(reason + " — CI=true, so this is a failure, not a skip", pytrace=False)
        pytest.skip(reason)


class Installation:
    """An installation made by the console script, as an installer would, in production mode."""

    def __init__(self, folder: Path, database_url: str, port: int) -> None:
        self.folder = folder
        self.port = port
        instance = folder / "instance"
        instance.mkdir(mode=0o700)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
        self.env.update(
            INTEGRATION_CENTRE_ENV="production",
            INTEGRATION_CENTRE_DATABASE_URL=database_url,
            INTEGRATION_CENTRE_INSTANCE_PATH=str(instance),
            INTEGRATION_CENTRE_SECRET_KEY_FILE=str(instance / "secret_key"),
            INTEGRATION_CENTRE_MASTER_KEY_FILE=str(instance / "keyring.json"),
            INTEGRATION_CENTRE_REDIS_URL=REDIS_URL,
            INTEGRATION_CENTRE_BASE_URL=self.url,
            PYTHONUNBUFFERED="1",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["integration-centre", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"integration-centre {' '.join(args)}: {done.stdout}{done.stderr}"
        return done

    def serve(self) -> subprocess.Popen:
        self.log = (self.folder / "server.log").open("w")
        server = subprocess.Popen(
            ["integration-centre", "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4"],
            cwd=self.folder,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (self.folder / "server.log").read_text()
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        server.terminate()
        server.wait(timeout=30)
        self.log.close()
        raise AssertionError("the production server did not answer: " + (self.folder / "server.log").read_text())


@pytest.fixture
def installation(tmp_path) -> Iterator[Installation]:
    require_prerequisites()
    _require_services()
    name = f"ic_go_live_{os.getpid()}_{int(time.time())}"
    with scratch_postgres_database(POSTGRES_URL, name) as database_url:
        yield Installation(tmp_path, database_url, _free_port())


class Journey:
    """The browser, with the few steps every role repeats."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        SHOTS.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, f"GET {path}: {response and response.status}"

    def fill(self, **values: str) -> None:
        for name, value in values.items():
            self.page.locator(f"main [name={name}]").fill(value)

    def select(self, name: str, *values: str) -> None:
        self.page.locator(f"main select[name={name}]").select_option(list(values))

    def submit(self) -> None:
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").first.click()
        assert "500" not in self.page.title()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def no_errors(self) -> None:
        summary = self.page.locator(".error-summary")
        assert summary.count() == 0, summary.first.inner_text()

    def login(self, email: str, password: str, secret: str | None = None) -> None:
        self.goto("/login")
        self.fill(email=email, password=password)
        self.submit()
        if secret is not None:
            assert self.path.startswith("/login/code"), self.path
            self.fill(code=_next_code(secret))
            self.submit()

    def first_login(self, email: str, new_password: str) -> None:
        """A user created with a temporary password chooses their own."""
        self.login(email, TEMPORARY_PASSWORD)
        assert self.path.startswith("/account/password"), self.path
        self.fill(current_password=TEMPORARY_PASSWORD, new_password=new_password, confirm_password=new_password)
        self.submit()
        self.no_errors()

    def logout(self) -> None:
        menu = self.page.locator("details.user-menu")
        if menu.count() and not menu.evaluate("element => element.open"):
            menu.locator("summary").click()
        with self.page.expect_navigation():
            self.page.locator("form.logout-form button[type=submit]").click()


_used_steps: dict[str, int] = {}


def _next_code(secret: str) -> str:
    """A TOTP code not used before for this secret (codes are single-use): wait for the next step."""
    totp = pyotp.TOTP(secret)
    while int(time.time()) // 30 <= _used_steps.get(secret, -1):
        time.sleep(1)
    _used_steps[secret] = int(time.time()) // 30
    return totp.now()


def test_a_centre_goes_live_from_nothing(installation, browser) -> None:
    init = installation.run("init")
    assert "users create-admin" in init.stdout
    assert "Walloon centres and their territories: 8 added" in init.stdout
    created = installation.run("users", "create-admin", "dpo@cri-test.be", "--name", "Délégué à la protection")
    link = re.search(r"(http://127\.0\.0\.1:\d+/account/setup/\S+)", created.stdout)
    assert link, created.stdout
    server = installation.serve()
    context = browser.new_context(locale="fr-BE", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    try:
        journey = Journey(context.new_page(), installation.url)
        page = journey.page

        # 1. The administrator follows the link, chooses a password and enrols TOTP.
        page.goto(link.group(1))
        assert journey.path == "/account/setup", journey.path
        journey.shot("01-setup-password")
        journey.fill(new_password=ADMIN_PASSWORD, confirm_password=ADMIN_PASSWORD)
        journey.submit()
        journey.no_errors()
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        journey.shot("02-setup-totp")
        journey.fill(code=_next_code(secret))
        journey.submit()
        journey.no_errors()
        assert page.locator("ul.recovery-codes li").count() >= 8, "the recovery codes are shown once"
        journey.shot("03-recovery-codes")
        with page.expect_navigation():
            page.locator("main a.button").click()
        assert journey.path.startswith("/admin"), journey.path
        journey.shot("04-admin-home")

        # 2. A centre, its office, a partner organisation with a service and an operator, an agent.
        journey.goto("/admin/centres/new")
        journey.fill(name="Centre d'intégration de test", code="CITEST", address="Rue de Fer 42, 5000 Namur")
        journey.select("territory", "92094", "92003")
        journey.shot("05-new-centre")
        journey.submit()
        journey.no_errors()
        centre_path = journey.path
        assert re.fullmatch(r"/admin/centres/\d+", centre_path), centre_path

        journey.goto(centre_path + "/offices/new")
        journey.fill(name="Bureau d'accueil de Namur-Centre", address="Rue de Fer 42, 5000 Namur")
        journey.select("territory", "92094")
        journey.fill(mon_opens="09:00", mon_closes="16:00", thu_opens="09:00", thu_closes="12:30")
        journey.shot("06-new-office")
        journey.submit()
        journey.no_errors()
        assert re.fullmatch(r"/admin/offices/\d+", journey.path), journey.path

        centre_id = centre_path.rsplit("/", 1)[1]
        journey.goto(f"/admin/organisations/new?centre_id={centre_id}")
        journey.fill(name="École des langues de Namur", address="Rue Godefroid 5, 5000 Namur")
        journey.fill(contact_email="accueil@ecole-langues.test")
        journey.submit()
        journey.no_errors()
        organisation_path = journey.path
        assert re.fullmatch(r"/admin/organisations/\d+", organisation_path), organisation_path

        journey.goto(organisation_path + "/services/new")
        service_types = page.locator("main select[name=service_type] option").evaluate_all(
            "options => options.map(o => o.value).filter(v => v)"
        )
        assert service_types, "the service form offers the service types"
        journey.select("service_type", service_types[0])
        journey.fill(places="24")
        journey.select("languages", "fr")
        journey.select("territory", "92094")
        journey.shot("07-new-service")
        journey.submit()
        journey.no_errors()
        journey.shot("08-organisation")

        organisation_id = organisation_path.rsplit("/", 1)[1]
        for email, display_name, role, attachment in (
            ("ecole@cri-test.be", "Secrétariat de l'école", "operator", ("operator_id", organisation_id)),
            ("agente@cri-test.be", "Agente d'accueil", "agent", ("office_id", None)),
        ):
            journey.goto("/admin/users/new")
            journey.fill(display_name=display_name, email=email, password=TEMPORARY_PASSWORD)
            journey.select("role", role)
            field, value = attachment
            if value is None:  # the office just created: the one whose label names it
                value = page.locator(f"main select[name={field}] option", has_text="Namur-Centre").get_attribute(
                    "value"
                )
            journey.select(field, value)
            journey.shot(f"new-user-{role}")
            journey.submit()
            journey.no_errors()
        journey.logout()

        # 3. The agent logs in for the first time and registers a newcomer.
        journey.first_login("agente@cri-test.be", AGENT_PASSWORD)
        journey.goto("/newcomers/new")
        journey.fill(family_name="HAKIMI", given_names="Samira", date_of_birth="1994-03-12")
        journey.fill(
            permit_order_date=(date.today() - timedelta(days=60)).isoformat(),
            registration_date=(date.today() - timedelta(days=50)).isoformat(),
        )
        journey.select("sex", "F")
        journey.select("nationality", "MA")
        journey.select("residence_category", "family_reunification")
        journey.shot("09-agent-registers")
        journey.submit()
        journey.no_errors()
        assert re.fullmatch(r"/newcomers/[0-9a-f-]{36}", journey.path), journey.path
        assert "HAKIMI" in page.locator("main").inner_text().upper()
        journey.shot("10-newcomer-file")
        journey.logout()

        # 4. The operator finds the organisation in the partner directory.
        journey.first_login("ecole@cri-test.be", OPERATOR_PASSWORD)
        journey.goto("/directory")
        assert "École des langues de Namur" in page.locator("main").inner_text()
        journey.shot("11-operator-directory")
        journey.logout()

        # The administrator's second login asks for the TOTP code from the enrolled secret.
        journey.login("dpo@cri-test.be", ADMIN_PASSWORD, secret)
        assert journey.path.startswith("/admin"), journey.path
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=30)
        installation.log.close()
    log = (installation.folder / "server.log").read_text()
    assert "Traceback" not in log, log
