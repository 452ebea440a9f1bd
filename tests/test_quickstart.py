"""The newcomer's first command (``integration-centre quickstart``) and the installable wheel.

These run the real console script in a subprocess, in an empty working folder, as a newcomer
would; the package itself is installed (editable) by the README's test command.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

# Never the test database (not rerun on PostgreSQL); one worker for the module, so the demo
# instance that the first quickstart builds is built once and shared (``--dist loadgroup``).
pytestmark = [pytest.mark.no_database, pytest.mark.xdist_group("quickstart")]

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "quickstart demo password 2026"
DEMO_EMAILS = ("agent@demo.example", "operator@demo.example", "committee@demo.example", "admin@demo.example")


def _command() -> list[str]:
    script = shutil.which("integration-centre")
    assert script, "the integration-centre console script is not installed (pip install -e .)"
    return [script]


def _environment(workdir: Path) -> dict[str, str]:
    """A newcomer's environment: no project or Flask settings but the demo password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
    env["INTEGRATION_CENTRE_DEMO_PASSWORD"] = DEMO_PASSWORD
    env["HOME"] = str(workdir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _quickstart(workdir: Path, *args: str, timeout: int = 420) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_command(), "quickstart", *args],
        cwd=workdir,
        env=_environment(workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _key_files(instance: Path) -> list[Path]:
    """The secret key and keyring files the configuration expects in ``instance``."""
    from integration_centre.config import build_flask_config, read_settings

    resolved = read_settings(environ={"INTEGRATION_CENTRE_INSTANCE_PATH": str(instance)})
    config = build_flask_config(resolved["settings"], resolved["flask"])
    return [Path(config["SECRET_KEY_FILE"]), Path(config["MASTER_KEY_FILE"])]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A newcomer's folder after the first ``quickstart --no-serve`` (migrations, demo data: the
    slow part, done once for the module), and that first run's result."""
    workdir = tmp_path_factory.mktemp("quickstart")
    return workdir, _quickstart(workdir, "--no-serve")


def test_quickstart_prepares_everything_once(prepared) -> None:
    tmp_path, first = prepared
    assert first.returncode == 0, first.stdout + first.stderr
    instance = tmp_path / "instance"
    assert instance.is_dir()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    key_files = _key_files(instance)
    for path in key_files:
        assert path.is_file(), f"{path.name} was not created"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is not private (mode 0600)"
    database_files = sorted(instance.glob("*.sqlite*"))
    assert instance / "integration_centre.sqlite" in database_files
    for path in database_files:  # the database and its -wal/-shm files
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is not private (mode 0600)"
    assert "Demo server — not for production" in first.stdout
    assert re.search(r"\+ 4 users", first.stdout), first.stdout
    for email in DEMO_EMAILS:
        assert email in first.stdout
    assert DEMO_PASSWORD in first.stdout
    assert "TOTP" in first.stdout
    assert re.search(r"key: [A-Z2-7]{16,}", first.stdout), "the admin's TOTP key is printed"
    assert "otpauth://totp/" in first.stdout
    assert "http://127.0.0.1:5000/" in first.stdout
    # the demo person's own space: a live personal link and the date of birth that opens it
    assert re.search(r"link: +http://127\.0\.0\.1:5000/my/link/[0-9a-f]{64}", first.stdout), first.stdout
    assert re.search(r"date of birth: \d\d/\d\d/\d{4}", first.stdout)

    keys_before = [path.read_bytes() for path in key_files]
    second = _quickstart(tmp_path, "--no-serve")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing added" in second.stdout
    assert "+ " not in second.stdout.split("Loading demo data")[-1].split("Open ")[0]
    assert [path.read_bytes() for path in key_files] == keys_before, "the keys are kept"
    for email in DEMO_EMAILS:
        assert email in second.stdout


def test_quickstart_serves_the_login_page_in_french(prepared) -> None:
    """Serving from the prepared folder (a fresh one is served by CI's README command 1)."""
    tmp_path, first = prepared
    assert first.returncode == 0, first.stdout + first.stderr
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [*_command(), "quickstart", "--port", str(port)],
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        page, status = _wait_for(
            f"http://127.0.0.1:{port}/login", process, tmp_path / "server.log", deadline=time.monotonic() + 300
        )
        assert status == 200
        assert '<html lang="fr">' in page
        assert "Se connecter" in page
        assert "Adresse e-mail" in page
        assert "DEMO" in page
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def _wait_for(url: str, process: subprocess.Popen, log: Path, deadline: float) -> tuple[str, int]:
    """GET ``url`` until the server answers (or fails if it stopped or the deadline passes)."""
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"quickstart stopped with code {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local http URL
                return response.read().decode(), response.status
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url}")
            time.sleep(0.3)


@pytest.mark.slow
def test_wheel_ships_templates_migrations_translations_and_static(tmp_path) -> None:
    """A plain ``pip install .`` gets everything the app reads at run time."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(tmp_path.glob("integration_centre-*.whl"))
    assert len(wheels) == 1, wheels
    names = set(zipfile.ZipFile(wheels[0]).namelist())

    def shipped(pattern: str) -> list[str]:
        return sorted(n for n in names if re.fullmatch(pattern, n))

    assert "integration_centre/templates/base.html" in names
    assert "integration_centre/templates/errors/error.html" in names
    assert "integration_centre/templates/macros/forms.html" in names
    in_repo = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html")}
    assert {"integration_centre/" + p for p in in_repo} <= names, "every template is shipped"
    assert "integration_centre/migrations/env.py" in names
    assert "integration_centre/migrations/alembic.ini" in names
    assert "integration_centre/migrations/script.py.mako" in names
    revisions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert {Path(n).name for n in shipped(r"integration_centre/migrations/versions/[^/]+\.py")} == revisions
    for locale in ("fr", "en", "nl"):
        assert f"integration_centre/translations/{locale}/LC_MESSAGES/messages.mo" in names
    assert "integration_centre/static/css/app.css" in names
    assert shipped(r"integration_centre/static/.+\.svg")
    data_suffixes = {".yaml", ".yml", ".json", ".csv", ".txt", ".po", ".mo", ".css", ".svg", ".ttf"}
    package = ROOT / "integration_centre"
    data_files = {
        p.relative_to(ROOT).as_posix()
        for p in package.rglob("*")
        if p.suffix in data_suffixes and "__pycache__" not in p.parts
    }
    assert "integration_centre/stats/data/nationality_groups.yaml" in data_files
    assert data_files <= names, f"data files missing from the wheel: {sorted(data_files - names)}"
    modules = {p.relative_to(ROOT).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names, f"modules missing from the wheel (no __init__.py?): {sorted(modules - names)}"
