"""Production refuses to be insecure: each insecure setting stops the start with one clear line.

The command-line refusals run the real ``integration-centre`` entry point in a subprocess, in
an environment built like a production one (secret key and keyring files, Redis, SQLite file),
with exactly one setting made insecure; nothing is written (no database file, no instance folder).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from integration_centre import create_app
from integration_centre.config import ConfigurationError
from tests.conftest import TEST_SECRET_KEY
from tests.keys import keyring_file, make_keyring

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

CLI = [sys.executable, "-c", "from integration_centre.cli import main; main()"]
REDIS_URL = "redis://127.0.0.1:6379/15"


def production_environment(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    """A complete, secure production environment; ``changes`` set (or, with None, remove) settings."""
    secret = tmp_path / "secret_key"
    if not secret.exists():
        secret.write_text(TEST_SECRET_KEY)
        secret.chmod(0o600)
    keyring = tmp_path / "keyring.json"
    if not keyring.exists():
        keyring_file(keyring, make_keyring(salt="production "))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
    settings = {
        "ENV": "production",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite'}",
        "SECRET_KEY_FILE": str(secret),
        "MASTER_KEY_FILE": str(keyring),
        "REDIS_URL": REDIS_URL,
    }
    settings.update(changes)
    env.update({f"INTEGRATION_CENTRE_{k}": v for k, v in settings.items() if v is not None})
    env["HOME"] = str(tmp_path)
    return env


def run_cli(tmp_path: Path, *args: str, **changes: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args],
        cwd=tmp_path,
        env=production_environment(tmp_path, **changes),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit status ≠ 0 and one line on stderr naming the problem."""
    assert result.returncode != 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def production_settings(tmp_path: Path, **changes) -> dict:
    """The same production configuration as overrides for ``create_app`` (as gunicorn builds it)."""
    env = production_environment(tmp_path)
    settings = {k.removeprefix("INTEGRATION_CENTRE_"): v for k, v in env.items() if k.startswith("INTEGRATION_CENTRE_")}
    settings.update(changes)
    return settings


@pytest.fixture
def no_project_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("INTEGRATION_CENTRE_"):
            monkeypatch.delenv(name)


def test_a_secure_production_configuration_starts(tmp_path, no_project_environment) -> None:
    result = run_cli(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stdout + result.stderr
    app = create_app(production_settings(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert app.config["DEMO_MODE"] is False


def test_insecure_cookies_are_refused_in_production(tmp_path, no_project_environment) -> None:
    result = run_cli(tmp_path, "db", "upgrade", SECURE_COOKIES="0")
    assert_refused(result, "INTEGRATION_CENTRE_SECURE_COOKIES", "production")
    assert not (tmp_path / "production.sqlite").exists(), "nothing is written"
    with pytest.raises(ConfigurationError, match="SECURE_COOKIES"):
        create_app(production_settings(tmp_path, SECURE_COOKIES=False))


def test_demo_mode_is_refused_in_production(tmp_path, no_project_environment) -> None:
    result = run_cli(tmp_path, "db", "upgrade", DEMO="1")
    assert_refused(result, "INTEGRATION_CENTRE_DEMO", "production")
    assert not (tmp_path / "production.sqlite").exists(), "nothing is written"
    with pytest.raises(ConfigurationError, match="DEMO"):
        create_app(production_settings(tmp_path, DEMO=True))


def test_in_memory_rate_limit_storage_is_refused_in_production(tmp_path, no_project_environment) -> None:
    result = run_cli(tmp_path, "db", "upgrade", REDIS_URL=None)
    assert_refused(result, "INTEGRATION_CENTRE_REDIS_URL", "Redis")
    assert not (tmp_path / "production.sqlite").exists(), "nothing is written"
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        create_app(production_settings(tmp_path, REDIS_URL=None))


def test_a_demo_keyring_is_refused_in_production(tmp_path, no_project_environment) -> None:
    demo_keyring = keyring_file(tmp_path / "demo-keyring.json", make_keyring(demo=True))
    result = run_cli(tmp_path, "db", "upgrade", MASTER_KEY_FILE=str(demo_keyring))
    assert_refused(result, "demo keyring", "production")
    assert not (tmp_path / "production.sqlite").exists(), "nothing is written"
    with pytest.raises(ConfigurationError, match="demo keyring"):
        create_app(production_settings(tmp_path, MASTER_KEY_FILE=str(demo_keyring)))


def _user_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM user_account").fetchone()[0]


def test_the_demo_command_refuses_to_run_in_production(tmp_path, no_project_environment) -> None:
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    result = run_cli(tmp_path, "demo")
    assert_refused(result, "demo", "production")
    assert _user_count(tmp_path / "production.sqlite") == 0, "no demo login was written"
    assert not (tmp_path / "instance" / "demo_password").exists()


def test_quickstart_refuses_to_run_in_production(tmp_path, no_project_environment) -> None:
    keyring = tmp_path / "keyring.json"
    result = run_cli(tmp_path, "quickstart", "--no-serve")
    assert_refused(result, "quickstart", "production")
    assert not (tmp_path / "instance").exists(), "no instance folder"
    assert not (tmp_path / "production.sqlite").exists(), "no database"
    # the production keyring made beforehand is untouched, and no demo keyring appears elsewhere
    assert '"demo": false' in keyring.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json", "secret_key"]
