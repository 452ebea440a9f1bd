"""Start-up checks on the production stack (issue 19, acceptance 4).

For each bad keyring (missing, unreadable, readable by others, not the database's one) real
gunicorn with two workers and the shipped configuration (``-c python:integration_centre.gunicorn_conf``)
stops in its master before forking: the documented exit status, one line on standard error naming
the cause besides gunicorn's own "Starting gunicorn" banner, no traceback, no "Booting worker".
``integration-centre check`` (for systemd's ExecStartPre=) exits with the same status and one
line; a good configuration passes both and the workers boot.

All subprocesses start together from one module-scoped fixture (the CLI start-up is slow on a
busy machine); each test then reads its own result.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from integration_centre.startup import ExitCode
from tests.conftest import TEST_SECRET_KEY, is_postgres, make_app
from tests.keys import keyring_file, make_keyring
from tests.test_production import CLI, production_environment

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:integration_centre.gunicorn_conf", "--workers", "2"]
BANNER = re.compile(r"^\[[^\]]+\] \[\d+\] \[INFO\] Starting gunicorn ")
TIMEOUT = 120

pytestmark = pytest.mark.skipif(
    is_postgres(os.environ.get("TEST_DATABASE_URL", "")), reason="one SQLite instance is enough for the checks"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_instance(base: Path) -> dict[str, str]:
    """A production instance: secret key, keyring bound to a SQLite database at the latest revision."""
    from flask_migrate import stamp

    from integration_centre.extensions import db
    from integration_centre.privacy import runtime

    env = production_environment(base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    app = make_app(
        env["INTEGRATION_CENTRE_DATABASE_URL"],
        base / "instance",
        MASTER_KEY=None,
        MASTER_KEY_FILE=env["INTEGRATION_CENTRE_MASTER_KEY_FILE"],
    )
    with app.app_context():
        db.create_all()  # the models are the migrations' schema (test_migrations), then stamped at head
        stamp(directory=app.extensions["migrate"].directory)
        runtime.ensure_checks()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return env


def _bad_keyrings(base: Path) -> dict[str, tuple[ExitCode, str, str]]:
    """Each bad keyring case: (exit status, keyring file, a word the line must hold)."""
    good = Path(production_environment(base)["INTEGRATION_CENTRE_MASTER_KEY_FILE"])
    unreadable = base / "unreadable.json"
    if os.geteuid() == 0:  # root reads any file: a folder in its place cannot be read
        unreadable.mkdir()
    else:
        unreadable.write_bytes(good.read_bytes())
        unreadable.chmod(0o000)
    exposed = base / "exposed.json"
    exposed.write_bytes(good.read_bytes())
    exposed.chmod(0o644)
    other = keyring_file(base / "other.json", make_keyring(salt="another production "))
    return {
        "missing": (ExitCode.KEYRING_MISSING, str(base / "missing.json"), "is missing"),
        "unreadable": (ExitCode.KEYRING_UNREADABLE, str(unreadable), "cannot be read"),
        "world-readable": (ExitCode.KEYRING_EXPOSED, str(exposed), "readable by other users"),
        "mismatched": (ExitCode.KEYRING_MISMATCH, str(other), "does not match this database"),
    }


class Run:
    """A subprocess started now, read later."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self._result: tuple[int, str, str] | None = None

    def result(self) -> tuple[int, str, str]:
        if self._result is None:
            try:
                out, err = self.process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                out, err = self.process.communicate()
            self._result = (self.process.returncode, out, err)
        return self._result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every case at once: gunicorn and ``check`` per bad keyring, and the good configuration."""
    base = tmp_path_factory.mktemp("startup")
    env = _prepare_instance(base)
    cases = _bad_keyrings(base)
    started: dict[tuple[str, str], Run] = {}
    for name, (_code, path, _word) in cases.items():
        case_env = {**env, "INTEGRATION_CENTRE_MASTER_KEY_FILE": path}
        started[(name, "gunicorn")] = Run([*GUNICORN, "--bind", f"127.0.0.1:{_free_port()}"], case_env, base)
        started[(name, "check")] = Run([*CLI, "check"], case_env, base)
    started[("good", "check")] = Run([*CLI, "check"], env, base)
    port = _free_port()
    good = Run([*GUNICORN, "--bind", f"127.0.0.1:{port}"], env, base)
    yield {"cases": cases, "runs": started, "good": (good, port)}
    for run in [*started.values(), good]:
        if run.process.poll() is None:
            run.process.kill()
        run.result()  # reads and closes its pipes


def _cause_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not BANNER.match(line)]


@pytest.mark.parametrize("case", ["missing", "unreadable", "world-readable", "mismatched"])
def test_gunicorn_stops_in_its_master_with_the_causes_status(runs, case) -> None:
    code, path, word = runs["cases"][case]
    returncode, _out, err = runs["runs"][(case, "gunicorn")].result()
    assert returncode == code, err
    assert "Traceback" not in err, err
    assert "Booting worker" not in err, err
    lines = _cause_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: keyring") and word in lines[0] and path in lines[0], lines[0]


@pytest.mark.parametrize("case", ["missing", "unreadable", "world-readable", "mismatched"])
def test_check_command_exits_with_the_same_status_and_one_line(runs, case) -> None:
    code, path, word = runs["cases"][case]
    returncode, out, err = runs["runs"][(case, "check")].result()
    assert returncode == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert word in lines[0] and path in lines[0], lines[0]
    assert "OK:" not in out


def test_the_exit_statuses_are_distinct_and_documented() -> None:
    codes = [int(code) for code in ExitCode]
    assert len(codes) == len(set(codes))
    readme = (ROOT / "README.md").read_text()
    for code in ExitCode:
        if code is not ExitCode.OK:
            assert re.search(rf"^\| `{int(code)}` \|", readme, re.MULTILINE), f"exit status {int(code)} not in README"


def test_a_good_configuration_passes_the_check_and_boots_the_workers(runs) -> None:
    returncode, out, err = runs["runs"][("good", "check")].result()
    assert returncode == 0, err
    assert "OK: keyring" in out and "OK: database at the latest revision" in out and "OK: Redis" in out

    good, port = runs["good"]
    deadline = time.monotonic() + TIMEOUT
    status = None
    while status is None:
        assert good.process.poll() is None, good.result()[2]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                status = response.status
        except OSError:  # refused, reset or timed out: not up yet
            assert time.monotonic() < deadline, "gunicorn never answered"
            time.sleep(0.3)
    assert status == 200
    for _ in range(5):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).close()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30) as response:
        assert json.loads(response.read()) == {
            "status": "ready",
            "checks": {"database": True, "keyring": True, "redis": True},
        }
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        exposition = response.read().decode()
    # The workers share their counters (multiprocess mode): every /healthz so far is counted.
    counted = re.search(
        r'^integration_centre_http_requests_total\{method="GET",route="/healthz",status="200"\} ([0-9.]+)$',
        exposition,
        re.MULTILINE,
    )
    assert counted and float(counted.group(1)) >= 6, exposition
    good.process.terminate()
    returncode, _out, err = good.result()
    assert returncode == 0, err
    assert err.count("Booting worker") >= 2, err
    assert "Traceback" not in err, err


def test_secret_key_and_database_causes_have_their_own_status(tmp_path) -> None:
    """The other causes, in-process (the same functions the hook and the command call)."""
    from integration_centre import startup

    env = production_environment(tmp_path)
    secret = Path(env["INTEGRATION_CENTRE_SECRET_KEY_FILE"])
    secret.write_text("short")
    with pytest.raises(startup.StartupError) as error:
        startup.run_checks(env)
    assert error.value.code == ExitCode.SECRET_KEY
    secret.write_text(TEST_SECRET_KEY)
    with pytest.raises(startup.StartupError) as error:  # no database file yet
        startup.run_checks(env)
    assert error.value.code == ExitCode.DATABASE_NOT_AT_HEAD and "integration-centre init" in error.value.message
    bad_redis = {**env, "INTEGRATION_CENTRE_REDIS_URL": f"redis://:secret@127.0.0.1:{_free_port()}/0"}
    with pytest.raises(startup.StartupError) as error:
        startup.check_redis(startup.load_config(bad_redis))
    assert error.value.code == ExitCode.REDIS_UNREACHABLE and "secret" not in error.value.message
    no_server = {**env, "INTEGRATION_CENTRE_DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/x"}
    config = startup.load_config(no_server)
    with pytest.raises(startup.StartupError) as error:
        startup.check_database(config, startup.check_keyring(config))
    assert error.value.code == ExitCode.DATABASE_UNREACHABLE
    insecure = {**env, "INTEGRATION_CENTRE_SECURE_COOKIES": "0"}
    with pytest.raises(startup.StartupError) as error:
        startup.run_checks(insecure)
    assert error.value.code == ExitCode.CONFIGURATION


def test_db_upgrade_says_from_which_revision_to_which(app) -> None:
    from integration_centre.migrations_cli import describe

    lines = describe(("0010_stats_facts",), ("0012_appointments",))
    assert lines[0].startswith("Applied 0010_stats_facts → 0011_import_mappings: ")
    assert lines[1].startswith("Applied 0011_import_mappings → 0012_appointments: ")
    assert lines[-1] == "Database upgraded from 0010_stats_facts to 0012_appointments (2 revision(s) applied)."
    assert describe((), ("0001",))[-1] == "Database upgraded from an empty database to 0001 (1 revision(s) applied)."
    assert describe(("0012_appointments",), ("0012_appointments",)) == [
        "Database already at the latest revision 0012_appointments: nothing applied."
    ]


def test_the_deploy_configuration_is_the_packages_own() -> None:
    import runpy

    from integration_centre import gunicorn_conf

    loaded = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    for name in gunicorn_conf.__all__:
        assert loaded[name] is getattr(gunicorn_conf, name)
    assert loaded["on_starting"] is gunicorn_conf.on_starting and loaded["forwarded_allow_ips"] == ""
