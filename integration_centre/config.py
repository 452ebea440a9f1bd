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
MEGABYTE = 1024 * 1024


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
        Setting("LOGIN_MAX_FAILURES", 5, int, "failed logins (per source, and per account) before delays start"),
        Setting("LOGIN_DELAY_SECONDS", 30, int, "first login delay once throttled; doubles with each further failure"),
        Setting("LOGIN_FAILURE_WINDOW_MINUTES", 15, int, "longest login delay of the throttle"),
        Setting("LOGIN_FAILURE_MEMORY_HOURS", 24, int, "failed logins older than this (or than a login) are forgotten"),
        Setting("LOGIN_KNOWN_SOURCE_DAYS", 90, int, "a device or address a user logged in from stays known this long"),
        Setting("LOGIN_ALERT_FAILURES", 10, int, "failed logins on one account that raise an alert for the admins"),
        Setting(
            "LOGIN_IP_LIMIT",
            "300 per minute",
            str,
            "per-address ceiling of login requests (Flask-Limiter syntax): high, an office behind one NAT "
            "shares one address; the guesses on an account are held by the login throttle",
        ),
        Setting(
            "SPACE_LINK_LIMIT",
            "30 per minute",
            str,
            "per-address ceiling of the person's link and login pages of their space (Flask-Limiter syntax)",
        ),
        Setting("DUPLICATE_CHECKS_PER_HOUR", 30, int, "duplicate checks (registrations) per user and hour"),
        Setting(
            "PRIVACY_INDEX_BITS",
            16,
            int,
            "bits kept of each blind-index value (search over encrypted names): about log2(persons / 2); "
            "change it only with `integration-centre pathway reindex --bits N`",
        ),
        Setting("SECURE_COOKIES", True, bool, "Secure, __Host- prefixed session cookie"),
        Setting("TRUSTED_PROXIES", 0, int, "reverse proxies in front whose X-Forwarded-* headers are believed"),
        Setting("SQL_ECHO", False, bool, "log SQL statements (bound parameters are never logged)"),
        Setting("RETENTION_CLOSED_CASE_YEARS", 10, int, "years a file is kept after its last case closed"),
        Setting("RETENTION_CERTIFICATE_YEARS", 30, int, "years a file is kept after the certificate (completion)"),
        Setting("RETENTION_UNFINISHED_MONTHS", 12, int, "months an unfinished registration (no case) is kept"),
        Setting("RETENTION_AUDIT_YEARS", 10, int, "years audit records are kept"),
        Setting(
            "OPERATOR_DATA_GRACE_DAYS", 30, int, "days an operator still sees the person after confirming completion"
        ),
        Setting("ERASURE_LEDGER_FILE", None, str, "append-only erasure ledger kept outside the database"),
        Setting("AUDIT_CHECKPOINT_FILE", None, str, "append-only checkpoints of the audit chain, outside the database"),
        Setting("AUDIT_CHECKPOINT_RECORDS", 100, int, "audit records between two checkpoints (at most)"),
        Setting("AUDIT_CHECKPOINT_MINUTES", 5, int, "minutes between two checkpoints while records are written"),
        Setting("BACKUP_DIR", None, str, "folder of `integration-centre backup create` (default <instance>/backups)"),
        Setting("SMTP_HOST", None, str, "SMTP server for e-mail notifications (unset: no e-mail is sent)"),
        Setting("SMTP_PORT", 25, int, "SMTP port"),
        Setting("SMTP_USERNAME", None, str, "SMTP login (optional)"),
        Setting("SMTP_PASSWORD", None, str, "SMTP password (optional)"),
        Setting("SMTP_STARTTLS", False, bool, "upgrade the SMTP connection with STARTTLS"),
        Setting("MAIL_FROM", "no-reply@integration-centre.invalid", str, "sender address of notifications"),
        Setting("SMS_BACKEND", "file", str, "text messages: file (instance/sms-outbox.jsonl, demos) or none"),
        Setting("INTERPRETER_SERVICE_EMAIL", None, str, "address of the social-interpreting service (requests)"),
        Setting("REMINDER_DAYS_BEFORE", 2, int, "days before an appointment its reminder is sent"),
        Setting("DOCUMENTS_DIR", None, str, "sealed evidence documents (default <instance>/documents)"),
        Setting("MAX_DOCUMENT_MB", 10, int, "largest evidence document (PDF, JPEG, PNG) an agent may upload, in MB"),
        Setting("MAX_IMPORT_MB", 50, int, "largest list (CSV or XLSX) an import accepts, in MB"),
        Setting("IMPORT_INLINE_ROWS", 200, int, "lists with more rows are imported by the worker, not in the request"),
        Setting("IMPORT_DIR", None, str, "uploaded lists, sealed until imported (default <instance>/imports)"),
        Setting("BASE_URL", None, str, "public address behind the proxy, e.g. https://ic.example.be/ (setup links)"),
        Setting("METRICS_TOKEN", None, str, "bearer token of /metrics (unset: /metrics answers loopback only)"),
    ]
}

LOCALES = ("fr", "en", "nl")  # the staff interface
# The person's own space (``integration_centre.space``): twelve languages, each named in its own
# language and script (the space's language picker shows these names).
SPACE_LOCALES = {
    "fr": "Français",
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "fa": "دری / فارسی",
    "ps": "پښتو",
    "ti": "ትግርኛ",
    "uk": "Українська",
    "ru": "Русский",
    "tr": "Türkçe",
    "es": "Español",
    "so": "Soomaali",
}


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
    _check_retention(settings)
    if not 1 <= settings["PRIVACY_INDEX_BITS"] <= 63:
        raise ConfigurationError(f"{ENV_PREFIX}PRIVACY_INDEX_BITS must be between 1 and 63")
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
        "SPACE_LOCALES": SPACE_LOCALES,
        "IDLE_TIMEOUT": timedelta(minutes=settings["IDLE_TIMEOUT_MINUTES"]),
        "ABSOLUTE_TIMEOUT": timedelta(hours=settings["ABSOLUTE_TIMEOUT_HOURS"]),
        "REAUTH_AFTER": timedelta(minutes=settings["REAUTH_MINUTES"]),
        "LOGIN_MAX_FAILURES": settings["LOGIN_MAX_FAILURES"],
        "LOGIN_DELAY": timedelta(seconds=settings["LOGIN_DELAY_SECONDS"]),
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=settings["LOGIN_FAILURE_WINDOW_MINUTES"]),
        "LOGIN_FAILURE_MEMORY": timedelta(hours=settings["LOGIN_FAILURE_MEMORY_HOURS"]),
        "LOGIN_KNOWN_SOURCE": timedelta(days=settings["LOGIN_KNOWN_SOURCE_DAYS"]),
        "LOGIN_ALERT_FAILURES": settings["LOGIN_ALERT_FAILURES"],
        "DEVICE_COOKIE_NAME": "__Host-ic_device" if secure else "ic_device",
        "LOGIN_IP_LIMIT": settings["LOGIN_IP_LIMIT"],
        "SPACE_LINK_LIMIT": settings["SPACE_LINK_LIMIT"],
        "DUPLICATE_CHECKS_PER_HOUR": settings["DUPLICATE_CHECKS_PER_HOUR"],
        "PRIVACY_INDEX_BITS": settings["PRIVACY_INDEX_BITS"],
        "SESSION_COOKIE_NAME": "__Host-ic_session" if secure else "ic_session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        # A request carries at most one document and its form: the document limit plus 1 MB.
        "MAX_DOCUMENT_BYTES": settings["MAX_DOCUMENT_MB"] * MEGABYTE,
        "MAX_CONTENT_LENGTH": max(10, settings["MAX_DOCUMENT_MB"] + 1) * MEGABYTE,
        "MAX_IMPORT_BYTES": settings["MAX_IMPORT_MB"] * MEGABYTE,
        "IMPORT_INLINE_ROWS": settings["IMPORT_INLINE_ROWS"],
        "IMPORT_DIR": settings["IMPORT_DIR"] or str(instance_path / "imports"),
        "TRUSTED_PROXIES": settings["TRUSTED_PROXIES"],
        "RATELIMIT_STORAGE_URI": settings["REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "TESTING": env == "testing",
        "RETENTION_CLOSED_CASE_YEARS": settings["RETENTION_CLOSED_CASE_YEARS"],
        "RETENTION_CERTIFICATE_YEARS": settings["RETENTION_CERTIFICATE_YEARS"],
        "RETENTION_UNFINISHED_MONTHS": settings["RETENTION_UNFINISHED_MONTHS"],
        "RETENTION_AUDIT_YEARS": settings["RETENTION_AUDIT_YEARS"],
        "OPERATOR_DATA_GRACE_DAYS": settings["OPERATOR_DATA_GRACE_DAYS"],
        "ERASURE_LEDGER_FILE": settings["ERASURE_LEDGER_FILE"] or str(instance_path / "erasure-ledger.jsonl"),
        "AUDIT_CHECKPOINT_FILE": settings["AUDIT_CHECKPOINT_FILE"] or str(instance_path / "audit-checkpoints.jsonl"),
        "AUDIT_CHECKPOINT_RECORDS": settings["AUDIT_CHECKPOINT_RECORDS"],
        "AUDIT_CHECKPOINT_MINUTES": settings["AUDIT_CHECKPOINT_MINUTES"],
        "BACKUP_DIR": settings["BACKUP_DIR"] or str(instance_path / "backups"),
        "DOCUMENTS_DIR": settings["DOCUMENTS_DIR"] or str(instance_path / "documents"),
        "SMTP_HOST": settings["SMTP_HOST"],
        "SMTP_PORT": settings["SMTP_PORT"],
        "SMTP_USERNAME": settings["SMTP_USERNAME"],
        "SMTP_PASSWORD": settings["SMTP_PASSWORD"],
        "SMTP_STARTTLS": settings["SMTP_STARTTLS"],
        "MAIL_FROM": settings["MAIL_FROM"],
        "SMS_BACKEND": settings["SMS_BACKEND"],
        "INTERPRETER_SERVICE_EMAIL": settings["INTERPRETER_SERVICE_EMAIL"],
        "REMINDER_DAYS_BEFORE": settings["REMINDER_DAYS_BEFORE"],
        "BASE_URL": settings["BASE_URL"],
        "METRICS_TOKEN": settings["METRICS_TOKEN"],
    }
    _check_trusted_proxies(settings["TRUSTED_PROXIES"])
    if env == "production":
        _refuse_insecure_production(settings)
    config.update(flask_extra)
    return config


MAX_TRUSTED_PROXIES = 10


def _check_trusted_proxies(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TRUSTED_PROXIES:
        raise ConfigurationError(
            f"{ENV_PREFIX}TRUSTED_PROXIES must be a whole number from 0 to {MAX_TRUSTED_PROXIES} "
            f"(the reverse proxies in front of the application), not {value!r}"
        )


def _refuse_insecure_production(settings: dict[str, Any]) -> None:
    """In production, refuse every setting that would make the installation insecure (one line each).

    The demo keyring is refused when the keyring is loaded (``privacy.runtime.load``).
    """
    if settings["SECRET_KEY_FILE"] is None:
        raise ConfigurationError(
            f"{ENV_PREFIX}SECRET_KEY_FILE must be set in production (a file of random bytes, mode 0600)"
        )
    if not settings["SECURE_COOKIES"]:
        raise ConfigurationError(
            f"{ENV_PREFIX}SECURE_COOKIES is off and ENV is production: the session cookie must be Secure "
            "(serve over https behind the proxy and remove the setting)"
        )
    if settings["DEMO"]:
        raise ConfigurationError(
            f"{ENV_PREFIX}DEMO is on and ENV is production: demo mode is for demonstrations only (remove the setting)"
        )
    if not settings["REDIS_URL"]:
        raise ConfigurationError(
            f"{ENV_PREFIX}REDIS_URL is not set and ENV is production: Redis is required to keep the rate "
            "limits (in-memory limits are per process and lost at each restart), e.g. redis://localhost:6379/0"
        )


RETENTION_LIMITS = {
    "RETENTION_CLOSED_CASE_YEARS": (1, 100),
    "RETENTION_CERTIFICATE_YEARS": (1, 100),
    "RETENTION_UNFINISHED_MONTHS": (1, 1200),
    "RETENTION_AUDIT_YEARS": (1, 100),
    "OPERATOR_DATA_GRACE_DAYS": (0, 365),
}
UPLOAD_LIMITS = {"MAX_DOCUMENT_MB": (1, 100), "MAX_IMPORT_MB": (1, 500)}
CHECKPOINT_LIMITS = {
    "AUDIT_CHECKPOINT_RECORDS": (1, 1_000_000),
    "AUDIT_CHECKPOINT_MINUTES": (1, 24 * 60),
}


def _check_retention(settings: dict[str, Any]) -> None:
    """Retention, grace periods, checkpoint intervals and the document size limit are whole numbers
    within sane bounds (a typo never erases early nor turns the audit checkpoints off)."""
    for name, (low, high) in {**RETENTION_LIMITS, **CHECKPOINT_LIMITS, **UPLOAD_LIMITS}.items():
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
            f"secret key file {path} is missing: run `integration-centre init` (or `quickstart` for a demo) "
            "or create it with "
            f'`python -c "import secrets; print(secrets.token_hex(32))" > {path}` (mode 0600)'
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key
