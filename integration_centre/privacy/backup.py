"""Database backups that keep erasures: SQLite online backup or ``pg_dump``; restore + ledger replay.

A backup holds the database and, beside it in ``<backup>.documents/``, the sealed files of the
document store (``privacy.blobs``; immutable, so hard-linked when on the same file system). The
keyring (KEKs, index and audit keys) is never in it: back it up separately (README). Wrapped data
keys ARE in the database, so a backup taken before an erasure can still decrypt that person with the
current keyring: ``restore`` therefore merges the live database's erasure ledger into the ledger
file first, restores, then replays the ledger (``erasure.replay_ledger``) before anything else can
read the data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.engine import URL, make_url

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import audit_checkpoints, blobs, erasure
from integration_centre.privacy.errors import PrivacyError


class BackupError(PrivacyError):
    """A backup or restore could not be done; the message says why (never a password)."""


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the file restored and the persons the ledger replay scrubbed again."""

    path: Path
    replayed: list


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def dialect() -> str:
    """``sqlite`` or ``postgresql`` (anything else is refused)."""
    name = _url().get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def default_path() -> Path:
    """``<BACKUP_DIR>/integration-centre-<UTC timestamp>.sqlite|.dump``."""
    suffix = ".sqlite" if dialect() == "sqlite" else ".dump"
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.config["BACKUP_DIR"]) / f"integration-centre-{stamp}{suffix}"


def _sqlite_file() -> Path:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_command(program: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line (URL without password) and environment (PGPASSWORD) for a pg tool."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (PostgreSQL client tools are needed)")
    url = _url()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [executable, *args, "--dbname", conninfo], env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        lines = (done.stderr or done.stdout or "").strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {lines[-1] if lines else 'exit ' + str(done.returncode)}")


def create(path: str | Path | None = None) -> Path:
    """Write a consistent backup of the database to ``path`` (default: ``default_path()``).

    The database ledger is first copied into the ledger file, so the file is complete whatever
    happens to the database later. Refuses to overwrite an existing file.
    """
    target = Path(path) if path else default_path()
    if target.exists():
        raise BackupError(f"{target} already exists: choose another file")
    erasure.sync_ledger_file()
    db.session.commit()
    target.parent.mkdir(parents=True, exist_ok=True)
    if dialect() == "sqlite":
        source = sqlite3.connect(_sqlite_file())
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        command, env = _pg_command("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target))
        _run(command, env)
        os.chmod(target, 0o600)
    _copy_documents(blobs.store_dir(), documents_of(target))
    return target


def documents_of(backup: Path) -> Path:
    """The folder holding the sealed document files of ``backup``."""
    return backup.with_name(backup.name + ".documents")


def _copy_documents(source: Path, destination: Path) -> int:
    """Copy the sealed files of ``source`` missing from ``destination`` (hard links when possible)."""
    copied = 0
    for path in sorted(source.glob(f"*/*{blobs.SUFFIX}")):
        target = destination / path.parent.name / path.name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        copied += 1
    return copied


def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as handle:
        magic = handle.read(16)
    if dialect() == "sqlite" and not magic.startswith(b"SQLite format 3"):
        raise BackupError(f"{path} is not a SQLite backup")
    if dialect() == "postgresql" and not magic.startswith(b"PGDMP"):
        raise BackupError(f"{path} is not a pg_dump custom-format backup")


def restore(path: str | Path, *, actor: Any) -> RestoreResult:
    """Replace the database by the backup at ``path``, then replay the erasure ledger.

    Before restoring, the live database's ledger is merged into the ledger file (when the live
    database is readable). After restoring, a "restore" line with the restored audit head is
    appended to the audit checkpoint file (the records after it are lost with the backup, not
    cut), then every ledger entry whose person still has remains in the restored data is scrubbed
    again (key wrapped row wiped, ciphertext NULL, index entries and documents deleted) and
    audited; one commit.
    """
    path = Path(path)
    _check_backup(path)
    try:
        erasure.read_ledger_file()  # a tampered ledger stops the restore before anything changes
        audit_checkpoints.read()  # so does a tampered checkpoint file
    except PrivacyError as exc:
        raise BackupError(f"{exc}: nothing was restored") from None
    try:
        erasure.sync_ledger_file()
        db.session.commit()
    except Exception:  # noqa: BLE001 - a broken live database must not prevent its restore
        db.session.rollback()
    db.session.remove()
    db.engine.dispose()
    if dialect() == "sqlite":
        source = sqlite3.connect(path)
        destination = sqlite3.connect(_sqlite_file())
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        command, env = _pg_command(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", str(path)
        )
        _run(command, env)
    db.engine.dispose()
    # The restored audit trail ends where the backup ended: say so in the checkpoint file before
    # anything new is audited, so `audit verify` does not take the older end for a cut tail.
    audit_checkpoints.mark_restore()
    if documents_of(path).is_dir():
        _copy_documents(documents_of(path), blobs.store_dir())
    replayed = erasure.replay_ledger(actor=actor)
    db.session.commit()
    blobs.sweep_orphans()  # documents stored after the backup belong to no restored row
    return RestoreResult(path, replayed)
