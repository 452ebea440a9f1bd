"""Database foundations: the declarative base, column types and mixins every model shares, and
the engine set-up per backend (SQLite pragmas, private database files, hidden parameters)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from integration_centre.clock import utcnow

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


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model: stable constraint names for Alembic."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: Uuid()},
    )


class TimestampMixin:
    """Creation and last-update times, set by callables at flush time."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class UUIDPrimaryKeyMixin:
    """Client-side UUID primary key, so the row id exists before the row is flushed."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
