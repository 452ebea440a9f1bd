"""The loaded keyring of an app, its verification against the database, and key-check values."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from integration_centre.config import ENV_PREFIX, ConfigurationError
from integration_centre.privacy.errors import DecryptionError
from integration_centre.privacy.keyring import NEW_KEYRING_HINT, KeyProvider, Keyring, provider_for

EXTENSION = "keyring"
CANARY = b"integration-centre KEK check v1.".ljust(32, b"\0")
CANARY_PERSON = uuid.UUID(int=0)


@dataclass
class KeyringState:
    """Per-app state: the provider, the loaded keyring, whether it was checked against the database."""

    provider: KeyProvider
    keyring: Keyring
    verified: bool = False
    checks_written: set[str] = field(default_factory=set)

    def reload_if_changed(self) -> bool:
        """Reload the keyring when its source changed (a KEK added or promoted by the CLI)."""
        if not self.provider.changed():
            return False
        self.keyring = self.provider.load()
        self.verified = False
        self.checks_written.clear()
        return True


def load(app: Flask) -> KeyringState:
    """Load the app's keyring (fail closed) and refuse a demo keyring in production."""
    provider = provider_for(app.config)
    keyring = provider.load()
    if keyring.demo and app.config.get("ENV_NAME") == "production":
        raise ConfigurationError(
            f"keyring {keyring.source} is a demo keyring and ENV is production: create a production keyring "
            f"in a new file with `{NEW_KEYRING_HINT} NEW_PATH` and set {ENV_PREFIX}MASTER_KEY_FILE to it"
        )
    return KeyringState(provider=provider, keyring=keyring)


def state() -> KeyringState:
    """The current app's keyring state."""
    current = current_app.extensions.get(EXTENSION)
    if current is None:
        raise ConfigurationError("no keyring loaded: privacy.init_app was not called")
    return current


def kek_check_value(keyring: Keyring, kek_id: str) -> bytes:
    """The wrapped canary that proves a KEK is the one the database knows."""
    return keyring.wrap(CANARY, person_id=CANARY_PERSON, key_version=0, kek_id=kek_id)[1]


def _kek_check_ok(keyring: Keyring, kek_id: str, value: bytes) -> bool:
    try:
        return keyring.unwrap(value, kek_id=kek_id, person_id=CANARY_PERSON, key_version=0) == CANARY
    except DecryptionError:
        return False


def verify(keyring: Keyring, connection) -> None:
    """Check ``keyring`` against the key-check values and person keys in the database.

    ``connection`` is a Connection or Session. Raises ``ConfigurationError`` (one line) when the
    keyring is not the one this database was written with.
    """
    from integration_centre.privacy.models import KeyCheck, PersonKey

    mismatch = f"keyring {keyring.source} does not match this database"
    advice = "use the keyring this database was created with"
    for name, value in connection.execute(select(KeyCheck.name, KeyCheck.value)).all():
        if name.startswith("kek:"):
            kek_id = name[4:]
            if keyring.has_kek(kek_id) and not _kek_check_ok(keyring, kek_id, value):
                raise ConfigurationError(f"{mismatch}: KEK {kek_id} fails its key check; {advice}")
        elif name in ("index", "audit") and not hmac.compare_digest(value, keyring.check_value(name)):
            raise ConfigurationError(f"{mismatch}: its {name} key differs; {advice}")
    used = connection.execute(select(PersonKey.kek_id).where(PersonKey.kek_id.is_not(None)).distinct()).scalars()
    missing = sorted(kek_id for kek_id in used if not keyring.has_kek(kek_id))
    if missing:
        raise ConfigurationError(
            f"keyring {keyring.source} lacks KEK {', '.join(missing)}, which still wraps person keys; {advice} "
            "(or one that still holds that KEK)"
        )


def verify_at_start(app: Flask, current: KeyringState, also: Callable[[Any], None] | None = None) -> None:
    """Verify at start when the database is reachable and migrated; otherwise on first use.
    ``also``: a further check of the database, given the same connection (the blind indexes' size)."""
    from integration_centre.extensions import db

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite") and ":memory:" not in uri:
        path = uri.split("///", 1)[-1].split("?", 1)[0]
        from pathlib import Path

        if path and not Path(path).exists():
            return
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                tables = inspect(connection)
                if not (tables.has_table("privacy_key_check") and tables.has_table("privacy_person_key")):
                    return
                verify(current.keyring, connection)
                if also is not None:
                    also(connection)
                current.verified = True
        except OperationalError:
            return
        except ConfigurationError:
            db.engine.dispose()  # the app will not start: release its connections
            raise


def keyring() -> Keyring:
    """The verified keyring of the current app (verifies lazily when start-up could not)."""
    from integration_centre.extensions import db

    current = state()
    if not current.verified:
        try:
            with db.session.no_autoflush:
                verify(current.keyring, db.session)
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            raise ConfigurationError(
                "the database has no privacy tables yet: run `integration-centre db upgrade` first"
            ) from None
        current.verified = True
    return current.keyring


def ensure_checks() -> None:
    """Write the key-check values of the primary KEK and the index and audit keys when absent."""
    from integration_centre.extensions import db
    from integration_centre.privacy.models import KeyCheck

    current = state()
    ring = keyring()
    wanted = {f"kek:{ring.primary_kek_id}", "index", "audit"} - current.checks_written
    if not wanted:
        return
    with db.session.no_autoflush:
        present = set(db.session.execute(select(KeyCheck.name).where(KeyCheck.name.in_(wanted))).scalars())
        for name in sorted(wanted - present):
            value = kek_check_value(ring, name[4:]) if name.startswith("kek:") else ring.check_value(name)
            insert_ignore(KeyCheck, {"name": name, "value": value}, "name")
    current.checks_written |= wanted


def write_kek_check(kek_id: str, session) -> None:
    """Record the key-check value of one KEK (used by the key management commands)."""
    from integration_centre.privacy.models import KeyCheck

    ring = state().keyring
    existing = session.get(KeyCheck, f"kek:{kek_id}")
    if existing is None:
        session.add(KeyCheck(name=f"kek:{kek_id}", value=kek_check_value(ring, kek_id)))


def insert_ignore(model, values: dict, key: str) -> None:
    """INSERT … ON CONFLICT DO NOTHING (two workers may create the same row at once)."""
    from integration_centre.extensions import db

    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise ConfigurationError(f"unsupported database {dialect}")
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=[key]))
