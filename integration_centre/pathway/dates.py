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


# The 5-year age bands of the statistics, the one definition: the pathway writes them into the
# events, the statistics group them (``stats.reference.age_band``, ``stats.queries.AGE_GROUPS``).
AGE_BAND_WIDTH = 5
OPEN_AGE_BAND_FROM = 65
AGE_BANDS = (
    *(f"{low:02d}-{low + AGE_BAND_WIDTH - 1:02d}" for low in range(0, OPEN_AGE_BAND_FROM, AGE_BAND_WIDTH)),
    f"{OPEN_AGE_BAND_FROM}+",
)


def band_of_age(age: int | None) -> str | None:
    """The 5-year band of an age in whole years (``"05-09"``, ``"25-29"``; ``"65+"`` from 65), None when unknown."""
    if age is None or age < 0:
        return None
    if age >= OPEN_AGE_BAND_FROM:
        return AGE_BANDS[-1]
    return AGE_BANDS[age // AGE_BAND_WIDTH]


def age_band(birth: date | None, on: date) -> str | None:
    """The 5-year age band at ``on`` (``"05-09"``, ``"25-29"``; ``"65+"`` from 65), None when unknown."""
    if birth is None:
        return None
    return band_of_age(age_on(birth, on))
