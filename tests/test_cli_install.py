"""The console script as an installer runs it: ``--help`` on every command without an instance,
``init`` for a production installation, ``users create-admin``, and ``db upgrade``'s report.

Every test runs the real ``integration-centre`` script in a subprocess, in an empty folder, with
no ``INTEGRATION_CENTRE_*`` variable but those the test sets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import database_url, is_postgres, scratch_postgres_database


def _command() -> list[str]:
    script = shutil.which("integration-centre")
    assert script, "the integration-centre console script is not installed (pip install -e .)"
    return [script]


def _environment(workdir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
    env["HOME"] = str(workdir)
    env.update({f"INTEGRATION_CENTRE_{name}": value for name, value in settings.items()})
    return env


def _run(workdir: Path, *args: str, timeout: int = 180, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_command(), *args],
        cwd=workdir,
        env=_environment(workdir, **settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (SQLite's transient -wal/-shm files left out)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"one clear line expected on stderr, got: {result.stderr!r}"
    assert lines[0].startswith("Error: ")
    return lines[0]


# --- --help everywhere -----------------------------------------------------------------------

# Runs in a subprocess: walks the console script's command tree (the ``main`` object the script
# calls) through click's own API and answers ``--help`` on every command, as the script would.
# One interpreter for the whole tree: starting the script once per command takes minutes.
HELP_WALKER = r"""
import contextlib, io, json, sys
import click
from integration_centre.cli import main

results = {}

def walk(command, path, parent):
    ctx = click.Context(command, info_name=path[-1] if path else "integration-centre", parent=parent)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main.main(args=[*path, "--help"], prog_name="integration-centre", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            code, _ = 1, print(repr(exc))
    results[" ".join(path)] = {"code": code, "output": out.getvalue()}
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            walk(command.get_command(ctx, name), [*path, name], ctx)

walk(main, [], None)
print(json.dumps(results))
"""


@pytest.mark.no_database
def test_help_answers_on_every_command_without_an_instance(tmp_path) -> None:
    """Every command of the tree, found by walking it, answers --help with exit 0."""
    walked = subprocess.run(
        [sys.executable, "-c", HELP_WALKER],
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert walked.returncode == 0, walked.stderr
    results = json.loads(walked.stdout.splitlines()[-1])
    failed = {path: r["output"] for path, r in results.items() if r["code"] != 0 or "Usage:" not in r["output"]}
    assert not failed, failed
    for expected in (
        "",
        "init",
        "users create-admin",
        "keys status",
        "db upgrade",
        "api token create",
        "stats publish",
    ):
        assert expected in results, f"{expected!r} not reached: {sorted(results)}"
    assert len(results) > 30
    # The real script, as a user types it, on a top-level and on nested commands.
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda args: _run(tmp_path, *args, "--help"), [(), ("db", "upgrade"), ("api", "token")]))
    for run in runs:
        assert run.returncode == 0 and "Usage:" in run.stdout, run.stdout + run.stderr
    assert "users" in runs[0].stdout and "init" in runs[0].stdout
    assert _files(tmp_path) == {}, "--help wrote nothing"


@pytest.mark.no_database
def test_a_real_command_still_needs_the_keys_and_says_so(tmp_path) -> None:
    result = _run(tmp_path, "keys", "status")
    assert result.returncode != 0
    line = _one_error_line(result)
    assert "secret key file" in line and "missing" in line and "integration-centre init" in line


# --- init ------------------------------------------------------------------------------------


def _keyring_file(instance: Path) -> Path:
    return instance / "keyring.json"


def _sqlite_dump(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


@pytest.mark.no_database
def test_init_creates_what_is_missing_then_has_nothing_to_do(tmp_path) -> None:
    first = _run(tmp_path, "init")
    assert first.returncode == 0, first.stdout + first.stderr
    instance = tmp_path / "instance"
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for key_file in (instance / "secret_key", _keyring_file(instance)):
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, f"{key_file.name} is private"
    assert json.loads(_keyring_file(instance).read_text())["demo"] is False, "a production keyring"
    assert re.search(r"^Applied .+ → .+: ", first.stdout, re.M), first.stdout
    assert "Nothing to do" not in first.stdout
    assert "users create-admin" in first.stdout

    database = instance / "integration_centre.sqlite"
    with closing(sqlite3.connect(database)) as connection:
        for table in ("user_account", "newcomer", "pathway_case"):
            assert connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table  # noqa: S608
        # The eight Walloon centres, with their territories, are reference data an admin edits.
        centres = connection.execute("SELECT code, territory FROM centre").fetchall()
        assert len(centres) == 8, centres
        assert all(json.loads(territory) for _code, territory in centres), "every centre has its municipalities"
    assert re.search(r"Walloon centres and their territories: 8 added", first.stdout), first.stdout
    files, dump = _files(tmp_path), _sqlite_dump(database)

    second = _run(tmp_path, "init")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Nothing to do" in second.stdout
    assert "Applied" not in second.stdout and "Created" not in second.stdout
    assert _files(tmp_path) == files, "no file changed (keys, database)"
    assert _sqlite_dump(database) == dump, "no row changed"


@pytest.mark.no_database
def test_init_never_overwrites_an_existing_keyring_or_secret(tmp_path) -> None:
    from integration_centre.privacy.keyring import generate_keyring, write_keyring_file

    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    write_keyring_file(_keyring_file(instance), generate_keyring())
    (instance / "secret_key").write_text("s" * 64 + "\n")
    before = _files(tmp_path)
    result = _run(tmp_path, "init")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept" in result.stdout
    after = _files(tmp_path)
    assert after["instance/keyring.json"] == before["instance/keyring.json"]
    assert after["instance/secret_key"] == before["instance/secret_key"]


@pytest.mark.no_database
def test_init_with_an_unreachable_postgresql_writes_nothing(tmp_path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/integration_centre"
    result = _run(tmp_path, "init", DATABASE_URL=url)
    assert result.returncode != 0
    line = _one_error_line(result)
    assert "cannot reach the database" in line and "127.0.0.1" in line
    assert list(tmp_path.iterdir()) == [], "no folder, no key file"


@pytest.mark.no_database
def test_init_with_a_sqlite_path_that_cannot_be_created_writes_nothing(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be\n")
    result = _run(tmp_path, "init", DATABASE_URL=f"sqlite:///{blocker}/ic.sqlite")
    assert result.returncode != 0
    assert "cannot create the SQLite database" in _one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


@pytest.mark.no_database
@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_init_with_a_sqlite_path_in_a_read_only_folder_writes_nothing(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = _run(tmp_path, "init", DATABASE_URL=f"sqlite:///{locked}/ic.sqlite")
        assert result.returncode != 0
        _one_error_line(result)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"] and not any(locked.iterdir())
    finally:
        locked.chmod(0o700)


@pytest.mark.no_database
def test_init_refuses_a_new_keyring_for_a_database_made_with_another(tmp_path) -> None:
    assert _run(tmp_path, "init").returncode == 0
    keyring = _keyring_file(tmp_path / "instance")
    keyring.rename(tmp_path / "keyring-elsewhere.json")
    result = _run(tmp_path, "init")
    assert result.returncode != 0
    assert "keyring that is missing" in _one_error_line(result)
    assert not keyring.exists(), "no new keyring written over a database that needs the old one"


@pytest.mark.no_database
def test_init_runs_the_reference_loaders_once(tmp_path, monkeypatch) -> None:
    """Reference data in the database comes from ``install.REFERENCE_LOADERS`` (rows added each)."""
    from sqlalchemy import select

    from integration_centre import install
    from integration_centre.accounts.models import Centre
    from integration_centre.extensions import db

    def load_test_centre() -> int:
        if db.session.scalar(select(Centre).where(Centre.code == "TST")) is not None:
            return 0
        db.session.add(Centre(code="TST", name="Test centre"))
        db.session.flush()
        return 1

    monkeypatch.setattr(install, "REFERENCE_LOADERS", [("Test centres", load_test_centre)])
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("INTEGRATION_CENTRE_")]:
        monkeypatch.delenv(name)
    first = install.init_installation()
    assert first.changed and "Test centres: 1 added" in first.lines
    second = install.init_installation()
    assert not second.changed and "Test centres: complete" in second.lines


# --- users create-admin ----------------------------------------------------------------------


@pytest.mark.no_database
def test_create_admin_prints_a_link_under_the_public_address(tmp_path) -> None:
    assert _run(tmp_path, "init").returncode == 0
    no_base = _run(tmp_path, "users", "create-admin", "first@centre.example")
    assert no_base.returncode != 0 and "base URL" in _one_error_line(no_base)

    created = _run(
        tmp_path,
        "users",
        "create-admin",
        "first@centre.example",
        "--name",
        "First Admin",
        BASE_URL="https://ic.example.be/cri",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    links = re.findall(r"^https://ic\.example\.be/cri/account/setup/([A-Za-z0-9_-]{40,})$", created.stdout, re.M)
    assert len(links) == 1, created.stdout

    again = _run(tmp_path, "users", "create-admin", "first@centre.example", "--base-url", "https://ic.example.be/")
    assert again.returncode != 0 and "already exists" in _one_error_line(again)
    reset = _run(
        tmp_path, "users", "create-admin", "first@centre.example", "--reset", "--base-url", "https://ic.example.be/"
    )
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert re.search(r"^https://ic\.example\.be/account/setup/[A-Za-z0-9_-]{40,}$", reset.stdout, re.M)

    database = tmp_path / "instance" / "integration_centre.sqlite"
    with closing(sqlite3.connect(database)) as connection:
        users = connection.execute("SELECT email, role FROM user_account").fetchall()
        assert users == [("first@centre.example", "ADMIN")]
        hashes = [row[0] for row in connection.execute("SELECT token_hash FROM account_setup_token")]
    assert len(hashes) == 2 and links[0] not in hashes, "only digests are stored"


# --- db upgrade ------------------------------------------------------------------------------


def _latest_two_revisions() -> tuple[str, str, str]:
    """(previous revision, head revision, first line of the head's message) from the scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from integration_centre.app import resource_dir

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    script = ScriptDirectory.from_config(config)
    head = script.get_revision(script.get_current_head())
    return head.down_revision, head.revision, head.doc.strip().splitlines()[0]


@pytest.mark.no_database
def test_db_upgrade_says_what_it_applied(tmp_path) -> None:
    previous, head, message = _latest_two_revisions()
    assert _run(tmp_path, "init").returncode == 0
    down = _run(tmp_path, "db", "downgrade", previous)
    assert down.returncode == 0, down.stdout + down.stderr
    upgraded = _run(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert f"Applied {previous} → {head}: {message}" in upgraded.stdout
    again = _run(tmp_path, "db", "upgrade")
    assert again.returncode == 0
    assert f"Database already at the latest revision {head}" in again.stdout


# --- PostgreSQL, production ------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(database_url(Path("."))), reason="TEST_DATABASE_URL is not PostgreSQL")
def test_init_on_a_fresh_postgresql_database_in_production(tmp_path) -> None:
    base = database_url(Path("."))
    with scratch_postgres_database(base, f"{make_url(base).database}_init") as url:
        keys = tmp_path / "etc"
        settings = {
            "ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY_FILE": str(keys / "secret_key"),
            "MASTER_KEY_FILE": str(keys / "keyring.json"),
            "REDIS_URL": "redis://127.0.0.1:6379/15",
            "BASE_URL": "https://ic.example.be/",
        }
        first = _run(tmp_path, "init", **settings)
        assert first.returncode == 0, first.stdout + first.stderr
        assert re.search(r"^Applied .+ → .+: ", first.stdout, re.M)
        for key_file in ("secret_key", "keyring.json"):
            assert stat.S_IMODE((keys / key_file).stat().st_mode) == 0o600
        files = _files(keys)
        second = _run(tmp_path, "init", **settings)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "Nothing to do" in second.stdout
        assert _files(keys) == files
        created = _run(tmp_path, "users", "create-admin", "first@centre.example", **settings)
        assert created.returncode == 0, created.stdout + created.stderr
        assert "https://ic.example.be/account/setup/" in created.stdout
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SELECT COUNT(*) FROM user_account")).scalar() == 1
                assert connection.execute(text("SELECT COUNT(*) FROM newcomer")).scalar() == 0
        finally:
            engine.dispose()
