"""``integration-centre init``: a production installation, without demo data.

Creates what is missing and nothing else: the secret key and keyring files (mode 0600, never
overwritten), the schema (migrations), the key-check values that bind the keyring to the
database, and the reference data of ``REFERENCE_LOADERS``. It creates no person and no user.
The database is checked first: when it cannot be reached, nothing at all is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from integration_centre.accounts.network import load_reference_centres
from integration_centre.config import ConfigurationError, build_flask_config, read_settings

# Reference data kept in the database: (what, loader). Each loader runs in the app context,
# adds only the rows that are missing (flush, no commit) and returns how many it added.
# Pathway definitions and municipalities are package data (pathway/definitions, pathway/data):
# nothing to load for them.
ReferenceLoader = Callable[[], int]
REFERENCE_LOADERS: list[tuple[str, ReferenceLoader]] = [
    ("Walloon centres and their territories", load_reference_centres),
]


class InitError(RuntimeError):
    """``init`` cannot go on; the message is one line and nothing was written."""


@dataclass
class InitReport:
    """What ``init`` did, line by line; ``changed`` is False when there was nothing to do."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False

    def did(self, line: str) -> None:
        self.lines.append(line)
        self.changed = True

    def kept(self, line: str) -> None:
        self.lines.append(line)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_database(url: str, keyring_missing: bool) -> None:
    """Raise ``InitError`` when the database cannot be reached or created, or when it already
    holds data of a keyring that is missing (a new keyring would not match it). Writes nothing."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.exists():
            folder = _nearest_existing(path.parent)
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                raise InitError(f"cannot create the SQLite database {path}: {folder} is not a writable folder")
            return  # created by the migrations, after the key files
    connect_args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if keyring_missing and inspect(connection).has_table("privacy_key_check"):
                used = connection.execute(text("SELECT COUNT(*) FROM privacy_key_check")).scalar()
                if used:
                    raise InitError(
                        f"the database {shown} was set up with a keyring that is missing here: put that keyring "
                        "in place (INTEGRATION_CENTRE_MASTER_KEY_FILE) and run init again; nothing written"
                    )
    except SQLAlchemyError as exc:
        raise InitError(f"cannot reach the database {shown}: {_first_line(exc)}; nothing written") from None
    finally:
        engine.dispose()


def _private_folder(path: Path) -> bool:
    """Create ``path`` (mode 0700) when missing; True when created."""
    if path.is_dir():
        return False
    path.mkdir(parents=True, mode=0o700)
    os.chmod(path, 0o700)
    return True


def init_installation() -> InitReport:
    """Prepare a production installation (see the module's docstring); idempotent."""
    from integration_centre import privacy
    from integration_centre.app import create_app
    from integration_centre.config import load_or_create_secret_key

    resolved = read_settings()
    config = build_flask_config(resolved["settings"], resolved["flask"])
    instance = Path(config["INSTANCE_PATH"])
    secret_path = Path(config["SECRET_KEY_FILE"])
    keyring_path = None if config["MASTER_KEY"] else Path(config["MASTER_KEY_FILE"])
    url = config["SQLALCHEMY_DATABASE_URI"]

    check_database(url, keyring_missing=keyring_path is not None and not keyring_path.exists())

    report = InitReport()
    if _private_folder(instance):
        report.did(f"Created the instance folder {instance} (mode 0700)")
    if secret_path.exists():
        load_or_create_secret_key(secret_path, create=False)  # refuses a file too short
        report.kept(f"Secret key file {secret_path}: kept")
    else:
        load_or_create_secret_key(secret_path, create=True)
        report.did(f"Created the secret key file {secret_path} (mode 0600)")
    if keyring_path is None:
        report.kept("Keyring: from INTEGRATION_CENTRE_MASTER_KEY")
    elif keyring_path.exists():
        report.kept(f"Keyring file {keyring_path}: kept (never overwritten)")
    else:
        privacy.ensure_keyring_file(instance, demo=False)
        report.did(f"Created the keyring file {keyring_path} (mode 0600) - back it up apart from the database")
    sqlite = make_url(url)
    if sqlite.get_backend_name() == "sqlite" and sqlite.database and sqlite.database != ":memory:":
        _private_folder(Path(sqlite.database).parent)

    app = create_app()
    with app.app_context():
        _database_steps(report)
    return report


def _database_steps(report: InitReport) -> None:
    from integration_centre.extensions import db
    from integration_centre.migrations_cli import current_revisions, describe, head_revisions
    from integration_centre.pathway.definitions import registry
    from integration_centre.pathway.reference import municipalities
    from integration_centre.privacy import runtime
    from integration_centre.privacy.models import KeyCheck

    try:
        before = current_revisions()
        from flask import current_app
        from flask_migrate import upgrade

        upgrade(directory=current_app.extensions["migrate"].directory)
        after = current_revisions()
        lines = describe(before, after)
        if before != after:
            for line in lines:
                report.did(line)
        else:
            report.kept(f"Schema: at the latest revision {', '.join(after)}")
        if after != head_revisions():  # pragma: no cover - only with a broken migration history
            raise InitError(f"the database is at {after}, not at the latest revision {head_revisions()}")

        checks_before = set(db.session.scalars(select(KeyCheck.name)))
        runtime.ensure_checks()
        added_checks = set(db.session.scalars(select(KeyCheck.name))) - checks_before
        if added_checks:
            report.did(f"Bound the keyring to the database ({len(added_checks)} key-check values)")
        for what, loader in REFERENCE_LOADERS:
            added = loader()
            if added:
                report.did(f"{what}: {added} added")
            else:
                report.kept(f"{what}: complete")
        db.session.commit()
    except (ConfigurationError, InitError):
        db.session.rollback()
        raise
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise InitError(f"the database refused a step: {_first_line(exc)}") from None
    finally:
        db.engine.dispose()
    shipped = municipalities()
    ended = sum(1 for m in shipped.values() if m.successor_code)
    report.kept(
        f"Pathway definitions: {len(registry().all())} shipped with the application; municipalities: "
        f"{len(shipped)} shipped with their validity dates ({ended} merged into a successor)"
    )
