"""The application's one clock: aware UTC instants, and dates and times in the centre's zone.

Nothing else in the package reads the system clock, so a test freezes time in one place
(``time_machine``) and the local date is the Brussels date whatever the server's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Brussels"


def zone() -> ZoneInfo:
    """The configured zone of the centre (``BABEL_DEFAULT_TIMEZONE``), Brussels by default."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (what the database stores)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current instant in the centre's zone (for what a person reads)."""
    return utcnow().astimezone(zone())


def today() -> date:
    """Today's date in the centre's zone (deadlines, ages, the day's agenda)."""
    return local_now().date()


def local_date(instant: datetime) -> date:
    """The date in the centre's zone of an aware ``instant``."""
    return instant.astimezone(zone()).date()
