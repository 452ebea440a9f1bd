"""Fail closed: no keyring, unreadable, wrong keyring, demo keyring in production → refuse, exit ≠ 0."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from integration_centre import privacy
from integration_centre.config import ConfigurationError
from integration_centre.extensions import db
from tests.conftest import TEST_SECRET_KEY, make_app
from tests.keys import keyring_file, make_keyring
from tests.privacy.conftest import new_person

CLI = [sys.executable, "-c", "from integration_centre.cli import main; main()"]


def _run_cli(tmp_path: Path, db_url: str, *args: str, **env) -> subprocess.CompletedProcess:
    secret = tmp_path / "secret_key"
    if not secret.exists():
        secret.write_text(TEST_SECRET_KEY)
        secret.chmod(0o600)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATION_CENTRE_")}
    environ.update(
        INTEGRATION_CENTRE_DATABASE_URL=db_url,
        INTEGRATION_CENTRE_INSTANCE_PATH=str(tmp_path),
        INTEGRATION_CENTRE_SECRET_KEY_FILE=str(secret),
        INTEGRATION_CENTRE_ENV="development",
    )
    environ.update(env)
    # SQLite in WAL mode: no connection of ours may stay open while another process opens and
    # closes the same file (it removes the shared-memory file on exit).
    db.session.remove()
    db.engine.dispose()
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=environ, timeout=120, cwd=tmp_path)


def _one_clear_line(result: subprocess.CompletedProcess, needle: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_missing_keyring_refuses_with_how_to_create_it(app, db_url, tmp_path):
    result = _run_cli(tmp_path, db_url, "keys", "status")
    _one_clear_line(result, "keyring file")
    assert "is missing" in result.stderr and "new-keyring" in result.stderr
    with pytest.raises(ConfigurationError, match="is missing"):
        make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(tmp_path / "nope.json"))


def test_unreadable_or_invalid_keyring_refuses(app, db_url, tmp_path):
    path = tmp_path / "keyring.json"
    path.write_text("{not json")
    path.chmod(0o600)
    _one_clear_line(_run_cli(tmp_path, db_url, "audit", "verify"), "is invalid (not JSON)")
    keyring_file(path)
    path.chmod(0o644)
    _one_clear_line(_run_cli(tmp_path, db_url, "audit", "verify"), "readable by other users")


def test_wrong_keyring_refuses_before_writing(app, tables, db_url, tmp_path):
    new_person(family_name="Alice")
    db.session.commit()
    wrong = keyring_file(tmp_path / "keyring.json", make_keyring(salt="other "))
    result = _run_cli(tmp_path, db_url, "keys", "status")
    _one_clear_line(result, "does not match this database")
    with pytest.raises(ConfigurationError, match="does not match"):
        make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(wrong))
    missing_kek = keyring_file(tmp_path / "other.json", make_keyring("kek-other"))
    with pytest.raises(ConfigurationError, match="lacks KEK kek-test-1"):
        make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(missing_kek))


def test_demo_keyring_refused_in_production(app, db_url, tmp_path):
    keyring_file(tmp_path / "keyring.json", make_keyring(demo=True))
    result = _run_cli(
        tmp_path,
        db_url,
        "keys",
        "status",
        INTEGRATION_CENTRE_ENV="production",
        INTEGRATION_CENTRE_REDIS_URL="redis://127.0.0.1:6379/15",  # production requires it
    )
    _one_clear_line(result, "demo keyring and ENV is production")
    ok = _run_cli(tmp_path, db_url, "keys", "status")
    assert ok.returncode == 0 and "(DEMO)" in ok.stdout


def test_secret_key_change_does_not_affect_decryption(app, tables):
    from integration_centre.privacy.access import access
    from tests.privacy.conftest import AGENT
    from tests.privacy.models import Person

    person = new_person(family_name="Alice")
    db.session.commit()
    app.config["SECRET_KEY"] = "another-secret-" + "y" * 40
    db.session.expire_all()
    with access(AGENT, "test.view", [person.id]):
        assert db.session.get(Person, person.id).family_name == "Alice"


@pytest.mark.no_database
def test_ensure_keyring_file_creates_a_private_demo_keyring(tmp_path, monkeypatch):
    for name in ("INTEGRATION_CENTRE_MASTER_KEY", "INTEGRATION_CENTRE_MASTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    path = privacy.ensure_keyring_file(tmp_path, demo=True)
    assert path == tmp_path / "keyring.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    assert '"demo": true' in content
    privacy.ensure_keyring_file(tmp_path, demo=True)
    assert path.read_text() == content


@pytest.mark.no_database
def test_new_keyring_command_works_without_an_app(tmp_path):
    target = tmp_path / "k.json"
    result = subprocess.run(
        [sys.executable, "-m", "integration_centre.privacy", "new-keyring", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and stat.S_IMODE(target.stat().st_mode) == 0o600
    again = subprocess.run(
        [sys.executable, "-m", "integration_centre.privacy", "new-keyring", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "already exists" in again.stderr
