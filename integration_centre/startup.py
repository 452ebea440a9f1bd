"""Start-up checks: run once before the server forks its workers, and as ``integration-centre check``.

Each failed check is one line on standard error and its own exit status (README, "Start-up checks"):
a service manager (systemd ``ExecStartPre=``) or an operator sees at once which cause it is.
The checks read the settings, the key files, the database and Redis; they write nothing.
"""

from __future__ import annotations

import enum
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from integration_centre.config import ConfigurationError, build_flask_config, read_settings


class ExitCode(enum.IntEnum):
    """The exit status of each start-up failure (documented in README, "Start-up checks")."""

    OK = 0
    CONFIGURATION = 2  # a setting is missing, unknown or invalid
    SECRET_KEY = 20  # the secret key file is missing, unreadable or too short
    KEYRING_MISSING = 21
    KEYRING_UNREADABLE = 22
    KEYRING_EXPOSED = 23  # readable by the group or by other users
    KEYRING_INVALID = 24  # not a keyring, or a demo keyring in production
    KEYRING_MISMATCH = 25  # not the keyring this database was written with
    DATABASE_UNREACHABLE = 30
    DATABASE_NOT_AT_HEAD = 31  # migrations pending, unknown revision, or no schema yet
    REDIS_UNREACHABLE = 40


@dataclass(frozen=True)
class StartupError(Exception):
    """A failed start-up check: its exit status and its one-line message."""

    code: ExitCode
    message: str

    def __str__(self) -> str:
        return self.message


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def load_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The Flask configuration the app would build from ``environ`` (``StartupError`` 2 if invalid)."""
    try:
        resolved = read_settings(environ)
        return build_flask_config(resolved["settings"], resolved["flask"])
    except ConfigurationError as exc:
        raise StartupError(ExitCode.CONFIGURATION, str(exc)) from None


def check_secret_key(config: dict[str, Any]) -> None:
    """The secret key file exists, is readable and long enough."""
    from integration_centre.config import load_or_create_secret_key

    if config.get("SECRET_KEY"):
        return
    try:
        load_or_create_secret_key(Path(config["SECRET_KEY_FILE"]), create=False)
    except ConfigurationError as exc:
        raise StartupError(ExitCode.SECRET_KEY, str(exc)) from None
    except OSError as exc:
        raise StartupError(
            ExitCode.SECRET_KEY, f"secret key file {config['SECRET_KEY_FILE']} cannot be read ({exc.strerror})"
        ) from None


def _keyring_file_cause(path: Path) -> ExitCode:
    """Which defect of the keyring file made loading it fail."""
    if not path.exists():
        return ExitCode.KEYRING_MISSING
    try:
        path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ExitCode.KEYRING_UNREADABLE
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        return ExitCode.KEYRING_EXPOSED
    return ExitCode.KEYRING_INVALID


def check_keyring(config: dict[str, Any]):
    """Load the keyring as the app does (missing, unreadable, exposed, invalid, demo in production)."""
    from integration_centre.privacy import runtime

    try:
        return runtime.load(SimpleNamespace(config=config)).keyring
    except ConfigurationError as exc:
        if config.get("MASTER_KEY"):
            cause = ExitCode.KEYRING_INVALID
        else:
            cause = _keyring_file_cause(Path(config["MASTER_KEY_FILE"]))
        raise StartupError(cause, str(exc)) from None


def _sqlite_path(url) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_database(config: dict[str, Any], keyring) -> None:
    """The database answers, is at the application's Alembic head, and was written with ``keyring``."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from integration_centre.app import resource_dir
    from integration_centre.privacy import blind_index, runtime

    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    shown = url.render_as_string(hide_password=True)
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        raise StartupError(
            ExitCode.DATABASE_NOT_AT_HEAD,
            f"the SQLite database {path} does not exist: run `integration-centre init`",
        )
    connect_args = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    heads = set(ScriptDirectory(str(resource_dir("migrations"))).get_heads())
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool, hide_parameters=True)
    try:
        try:
            connection = engine.connect()
            connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StartupError(
                ExitCode.DATABASE_UNREACHABLE, f"cannot reach the database {shown}: {_first_line(exc)}"
            ) from None
        with connection:
            # The keyring first: a keyring of another database is the graver cause, and says so
            # even when the schema lags behind (or was built without the migrations).
            try:
                runtime.verify(keyring, connection)
            except ConfigurationError as exc:
                raise StartupError(ExitCode.KEYRING_MISMATCH, str(exc)) from None
            except SQLAlchemyError:
                connection.rollback()  # no keyring table yet: the revision check below says why
            current = set(MigrationContext.configure(connection).get_current_heads())
            if current != heads:
                at = ", ".join(sorted(current)) or "no schema"
                raise StartupError(
                    ExitCode.DATABASE_NOT_AT_HEAD,
                    f"the database {shown} is at revision {at}, the application needs {', '.join(sorted(heads))}: "
                    "run `integration-centre db upgrade`",
                )
            try:
                blind_index.verify_bits(connection, blind_index.checked_bits(config["PRIVACY_INDEX_BITS"]))
            except (ConfigurationError, ValueError) as exc:
                raise StartupError(ExitCode.CONFIGURATION, str(exc)) from None
    finally:
        engine.dispose()


def check_redis(config: dict[str, Any]) -> None:
    """Redis answers a PING (when configured; production requires it)."""
    url = config.get("REDIS_URL")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        shown = url.split("@")[-1]  # never the password
        raise StartupError(ExitCode.REDIS_UNREACHABLE, f"cannot reach Redis at {shown}: {_first_line(exc)}") from None
    finally:
        client.close()


def run_checks(environ: dict[str, str] | None = None) -> list[str]:
    """Every start-up check in order; raises the first ``StartupError``, else returns what passed."""
    config = load_config(environ)
    check_secret_key(config)
    ring = check_keyring(config)
    check_database(config, ring)
    check_redis(config)
    passed = ["settings", "secret key", f"keyring ({ring.source})", "database at the latest revision"]
    if config.get("REDIS_URL"):
        passed.append("Redis")
    return passed


def report_and_exit(error: StartupError) -> None:
    """Print ``error`` as one line on standard error and exit with its status."""
    print(f"Error: {_one_line(error.message)}", file=sys.stderr, flush=True)
    raise SystemExit(int(error.code))


def check_or_exit(environ: dict[str, str] | None = None) -> list[str]:
    """Run the checks; on failure print one line to standard error and exit with the cause's status."""
    try:
        return run_checks(environ)
    except StartupError as exc:
        report_and_exit(exc)
        raise  # unreachable: report_and_exit exits


def exit_for(error: ConfigurationError) -> None:
    """After ``create_app`` refused to start: exit with the status of the check that fails (the
    message of the first failing check), else status 2 with ``error``'s message."""
    check_or_exit()
    print(f"Error: {_one_line(str(error))}", file=sys.stderr, flush=True)
    raise SystemExit(int(ExitCode.CONFIGURATION))
