"""Settings in layers: defaults → environment (``INTEGRATION_CENTRE_*``) → explicit override.

An unknown ``INTEGRATION_CENTRE_*`` variable or override key is an error, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_PREFIX = "INTEGRATION_CENTRE_"


class ConfigurationError(RuntimeError):
    """A setting is missing, unknown or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Setting:
    """One setting that may come from the environment."""

    name: str
    default: Any
    kind: type = str
    help: str = ""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("INSTANCE_PATH", None, str, "folder for the SQLite database and key files"),
        Setting("DATABASE_URL", None, str, "SQLAlchemy URL; default SQLite in the instance folder"),
        Setting("SECRET_KEY_FILE", None, str, "file holding Flask's secret key"),
        Setting("MASTER_KEY_FILE", None, str, "keyring file (encryption, blind-index, audit keys)"),
        Setting("MASTER_KEY", None, str, "keyring content itself (CI and containers)"),
        Setting("DEMO_PASSWORD", None, str, "password of the demo accounts"),
        Setting("REDIS_URL", None, str, "Redis URL for rate limits shared between workers"),
        Setting("LOCALE", "fr", str, "default locale (fr, en, nl)"),
        Setting("ENV", "development", str, "development, production or testing"),
        Setting("DEMO", False, bool, "demo mode: shows a DEMO banner"),
        Setting("IDLE_TIMEOUT_MINUTES", 30, int, "idle session timeout"),
        Setting("ABSOLUTE_TIMEOUT_HOURS", 12, int, "absolute session lifetime"),
        Setting("REAUTH_MINUTES", 15, int, "password re-entry for sensitive actions after this age"),
        Setting("LOGIN_MAX_FAILURES", 5, int, "failed logins before an account cool-down"),
        Setting("LOGIN_FAILURE_WINDOW_MINUTES", 15, int, "window and cool-down of the account throttle"),
        Setting("LOGIN_IP_LIMIT", "30 per minute", str, "per-IP login limit (Flask-Limiter syntax)"),
        Setting("DUPLICATE_CHECKS_PER_HOUR", 30, int, "duplicate checks (registrations) per user and hour"),
        Setting("SECURE_COOKIES", True, bool, "Secure, __Host- prefixed session cookie"),
        Setting("SQL_ECHO", False, bool, "log SQL statements (bound parameters are never logged)"),
        Setting("RETENTION_CLOSED_CASE_YEARS", 10, int, "years a file is kept after its last case closed"),
        Setting("RETENTION_CERTIFICATE_YEARS", 30, int, "years a file is kept after the certificate (completion)"),
        Setting("RETENTION_UNFINISHED_MONTHS", 12, int, "months an unfinished registration (no case) is kept"),
        Setting("RETENTION_AUDIT_YEARS", 10, int, "years audit records are kept"),
        Setting("ERASURE_LEDGER_FILE", None, str, "append-only erasure ledger kept outside the database"),
        Setting("BACKUP_DIR", None, str, "folder of `integration-centre backup create` (default <instance>/backups)"),
        Setting("SMTP_HOST", None, str, "SMTP server for e-mail notifications (unset: no e-mail is sent)"),
        Setting("SMTP_PORT", 25, int, "SMTP port"),
        Setting("SMTP_USERNAME", None, str, "SMTP login (optional)"),
        Setting("SMTP_PASSWORD", None, str, "SMTP password (optional)"),
        Setting("SMTP_STARTTLS", False, bool, "upgrade the SMTP connection with STARTTLS"),
        Setting("MAIL_FROM", "no-reply@integration-centre.invalid", str, "sender address of notifications"),
    ]
}

LOCALES = ("fr", "en", "nl")


def _coerce(setting: Setting, raw: str) -> Any:
    try:
        if setting.kind is bool:
            return _bool(raw)
        return setting.kind(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{ENV_PREFIX}{setting.name}: {exc}") from exc


def read_settings(environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> dict:
    """Resolve every setting from defaults, the environment and overrides.

    Overrides may also carry plain Flask keys (``TESTING``, ``WTF_CSRF_ENABLED``…): any key in
    ``overrides`` that is upper-case and not a known setting is passed to Flask as is.
    """
    environ = dict(os.environ if environ is None else environ)
    values = {name: s.default for name, s in SETTINGS.items()}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name not in SETTINGS:
            known = ", ".join(sorted(ENV_PREFIX + n for n in SETTINGS))
            raise ConfigurationError(f"unknown setting {key}; known settings: {known}")
        values[name] = _coerce(SETTINGS[name], raw)
    flask_extra: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key in SETTINGS:
            values[key] = value
        elif key.isupper():
            flask_extra[key] = value
        else:
            raise ConfigurationError(f"unknown configuration key {key!r}")
    return {"settings": values, "flask": flask_extra}


def build_flask_config(settings: dict[str, Any], flask_extra: dict[str, Any]) -> dict[str, Any]:
    """Turn resolved settings into the Flask configuration mapping."""
    env = settings["ENV"]
    if env not in {"development", "production", "testing"}:
        raise ConfigurationError(f"{ENV_PREFIX}ENV must be development, production or testing, not {env!r}")
    if settings["LOCALE"] not in LOCALES:
        raise ConfigurationError(f"{ENV_PREFIX}LOCALE must be one of {', '.join(LOCALES)}")
    instance_path = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    database_url = settings["DATABASE_URL"] or f"sqlite:///{instance_path / 'integration_centre.sqlite'}"
    secure = settings["SECURE_COOKIES"]
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance_path),
        "ENV_NAME": env,
        "DEMO_MODE": settings["DEMO"],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ECHO": settings["SQL_ECHO"],
        "SQLALCHEMY_RECORD_QUERIES": False,
        "SECRET_KEY_FILE": settings["SECRET_KEY_FILE"] or str(instance_path / "secret_key"),
        "MASTER_KEY_FILE": settings["MASTER_KEY_FILE"] or str(instance_path / "keyring.json"),
        "MASTER_KEY": settings["MASTER_KEY"],
        "DEMO_PASSWORD": settings["DEMO_PASSWORD"],
        "REDIS_URL": settings["REDIS_URL"],
        "BABEL_DEFAULT_LOCALE": settings["LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "LOCALES": LOCALES,
        "IDLE_TIMEOUT": timedelta(minutes=settings["IDLE_TIMEOUT_MINUTES"]),
        "ABSOLUTE_TIMEOUT": timedelta(hours=settings["ABSOLUTE_TIMEOUT_HOURS"]),
        "REAUTH_AFTER": timedelta(minutes=settings["REAUTH_MINUTES"]),
        "LOGIN_MAX_FAILURES": settings["LOGIN_MAX_FAILURES"],
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=settings["LOGIN_FAILURE_WINDOW_MINUTES"]),
        "LOGIN_IP_LIMIT": settings["LOGIN_IP_LIMIT"],
        "DUPLICATE_CHECKS_PER_HOUR": settings["DUPLICATE_CHECKS_PER_HOUR"],
        "SESSION_COOKIE_NAME": "__Host-ic_session" if secure else "ic_session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": settings["REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "TESTING": env == "testing",
        "RETENTION_CLOSED_CASE_YEARS": settings["RETENTION_CLOSED_CASE_YEARS"],
        "RETENTION_CERTIFICATE_YEARS": settings["RETENTION_CERTIFICATE_YEARS"],
        "RETENTION_UNFINISHED_MONTHS": settings["RETENTION_UNFINISHED_MONTHS"],
        "RETENTION_AUDIT_YEARS": settings["RETENTION_AUDIT_YEARS"],
        "ERASURE_LEDGER_FILE": settings["ERASURE_LEDGER_FILE"] or str(instance_path / "erasure-ledger.jsonl"),
        "BACKUP_DIR": settings["BACKUP_DIR"] or str(instance_path / "backups"),
        "SMTP_HOST": settings["SMTP_HOST"],
        "SMTP_PORT": settings["SMTP_PORT"],
        "SMTP_USERNAME": settings["SMTP_USERNAME"],
        "SMTP_PASSWORD": settings["SMTP_PASSWORD"],
        "SMTP_STARTTLS": settings["SMTP_STARTTLS"],
        "MAIL_FROM": settings["MAIL_FROM"],
    }
    _check_retention(settings)
    if settings["SECRET_KEY_FILE"] is None and env == "production":
        raise ConfigurationError(
            f"{ENV_PREFIX}SECRET_KEY_FILE must be set in production (a file of random bytes, mode 0600)"
        )
    config.update(flask_extra)
    return config


RETENTION_LIMITS = {
    "RETENTION_CLOSED_CASE_YEARS": (1, 100),
    "RETENTION_CERTIFICATE_YEARS": (1, 100),
    "RETENTION_UNFINISHED_MONTHS": (1, 1200),
    "RETENTION_AUDIT_YEARS": (1, 100),
}


def _check_retention(settings: dict[str, Any]) -> None:
    """Retention periods are whole numbers within sane bounds (a typo never erases early)."""
    for name, (low, high) in RETENTION_LIMITS.items():
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(f"{ENV_PREFIX}{name} must be a whole number from {low} to {high}, not {value!r}")


def load_or_create_secret_key(path: Path, create: bool) -> bytes:
    """Read Flask's secret key from ``path``; create it (mode 0600) when ``create`` is true."""
    if path.exists():
        data = path.read_bytes().strip()
        if len(data) < 32:
            raise ConfigurationError(f"secret key file {path} is too short (at least 32 bytes)")
        return data
    if not create:
        raise ConfigurationError(
            f"secret key file {path} is missing: run `integration-centre quickstart` or create it with "
            f'`python -c "import secrets; print(secrets.token_hex(32))" > {path}` (mode 0600)'
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key
