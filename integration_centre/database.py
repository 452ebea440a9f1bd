"""Engine set-up per backend: SQLite pragmas (WAL, foreign keys, busy timeout), private database
files (mode 0600), hidden parameters."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 15000


def configure_engine_options(app: Flask) -> None:
    """Set engine options before Flask-SQLAlchemy creates the engine."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Never render bound parameters in logs or exception messages.
    options.setdefault("hide_parameters", True)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


SQLITE_FILE_MODE = 0o600


@event.listens_for(Engine, "do_connect")
def _private_sqlite_file(dialect, connection_record, cargs, cparams) -> None:
    """Create a new SQLite database file with mode 0600 before SQLite opens it.

    SQLite gives its -wal and -shm files the permissions of the database file, so they are
    private too. An existing file is left as it is.
    """
    if dialect.name != "sqlite":
        return
    path = sqlite_file(cargs[0] if cargs else cparams.get("database"), uri=bool(cparams.get("uri")))
    if path is None or not path.parent.is_dir():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def sqlite_file(database: str | None, *, uri: bool = False) -> Path | None:
    """The file of a SQLite database argument (None for in-memory databases)."""
    if not database or database == ":memory:":
        return None
    if uri or database.startswith("file:"):
        location, _, query = database.removeprefix("file:").partition("?")
        if "mode=memory" in query or not location or location == ":memory:":
            return None
        return Path(location.removeprefix("//"))
    return Path(database)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
