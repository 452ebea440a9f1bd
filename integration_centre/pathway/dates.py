"""Small calendar helpers (month arithmetic, ages) used by eligibility and deadlines."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, on: date) -> int:
    """Completed years of a person born on ``birth`` at ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band(birth: date | None, on: date, width: int = 5) -> str | None:
    """The ``width``-year age band at ``on`` (``"25-29"``; ``"65+"`` from 65), None when unknown."""
    if birth is None:
        return None
    age = age_on(birth, on)
    if age >= 65:
        return "65+"
    low = age - age % width
    return f"{low}-{low + width - 1}"
