"""Serving the embedded default for one office: SQLite in WAL mode with a busy timeout, private
database files, and ``integration-centre serve`` (gunicorn) answering /login."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from integration_centre.database import SQLITE_BUSY_TIMEOUT_MS
from integration_centre.extensions import db
from tests.conftest import is_postgres, make_app
from tests.test_production import CLI, assert_refused, production_environment


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def sqlite_app(db_url, tmp_path):
    """An application on a new SQLite file of its own (created by the application itself)."""
    application = make_app(f"sqlite:///{tmp_path / 'office.sqlite'}", tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_every_sqlite_connection_uses_wal_and_a_busy_timeout(sqlite_app) -> None:
    for _ in range(2):  # two pooled connections, each configured at connect time
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_sqlite_database_files_are_private_whatever_the_umask(db_url, tmp_path) -> None:
    previous = os.umask(0o022)  # the usual umask: files would be world-readable (0644)
    try:
        application = make_app(f"sqlite:///{tmp_path / 'office.sqlite'}", tmp_path)
        with application.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("CREATE TABLE probe (x INTEGER)"))
                connection.execute(text("INSERT INTO probe VALUES (1)"))
                files = sorted(tmp_path.glob("office.sqlite*"))
                names = {path.name for path in files}
                assert {"office.sqlite", "office.sqlite-wal", "office.sqlite-shm"} <= names
                for path in files:
                    assert _mode(path) == 0o600, f"{path.name} is mode {_mode(path):04o}"
            db.engine.dispose()
    finally:
        os.umask(previous)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, process: subprocess.Popen, log: Path, deadline: float) -> tuple[int, str]:
    while True:
        if process.poll() is not None:
            pytest.fail(f"serve stopped with code {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local http URL
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url}:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)


@pytest.mark.skipif(is_postgres(os.environ.get("TEST_DATABASE_URL", "")), reason="the single-office SQLite set-up")
def test_serve_runs_gunicorn_in_production_on_sqlite(tmp_path) -> None:
    env = production_environment(tmp_path)
    upgrade = subprocess.run(
        [*CLI, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    database = tmp_path / "production.sqlite"
    assert _mode(database) == 0o600
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*CLI, "serve", "--bind", f"127.0.0.1:{port}", "--threads", "4"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            status, page = _get(f"http://127.0.0.1:{port}/login", process, log_path, time.monotonic() + 90)
            assert status == 200
            assert 'name="email"' in page
            assert "DEMO" not in page
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
    output = log_path.read_text(errors="replace")
    assert "gunicorn" in output.lower() and "Booting worker" in output, output
    assert process.returncode == 0, output
    for path in tmp_path.glob("production.sqlite*"):
        assert _mode(path) == 0o600, path.name


def test_serve_refuses_an_insecure_production_configuration(tmp_path) -> None:
    result = subprocess.run(
        [*CLI, "serve", "--bind", f"127.0.0.1:{_free_port()}"],
        cwd=tmp_path,
        env=production_environment(tmp_path, SECURE_COOKIES="0"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_refused(result, "SECURE_COOKIES")
