"""The agenda's rules that read no row: office settings, opening hours, the slot grid, durations.

``Office.opening_hours`` maps a weekday ("mon" … "sun") to a list of ["HH:MM", "HH:MM"] pairs; a
day absent is closed. An office that has set no opening hours at all is not checked (the agenda
then accepts any time on the slot grid).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _

from integration_centre import clock
from integration_centre.accounts.models import Office
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import (
    DEFAULT_NO_SHOW_THRESHOLD,
    DEFAULT_SLOT_MINUTES,
    EVALUATION_INTERVIEW,
    GROUP_SESSION,
    RECEPTION,
    SOCIAL_ASSESSMENT,
    AgendaSettings,
)
from integration_centre.extensions import db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The usual length of each kind of appointment (the social assessment takes about 1.5 h).
DEFAULT_MINUTES = {RECEPTION: 30, SOCIAL_ASSESSMENT: 90, EVALUATION_INTERVIEW: 60, GROUP_SESSION: 120}
MAX_MINUTES = 8 * 60
MAX_CAPACITY = 200


def settings_of(office_id: int) -> AgendaSettings:
    """The office's agenda settings (the defaults when the office has not set them; not added)."""
    settings = db.session.get(AgendaSettings, office_id)
    if settings is None:
        settings = AgendaSettings(
            office_id=office_id, slot_minutes=DEFAULT_SLOT_MINUTES, no_show_threshold=DEFAULT_NO_SHOW_THRESHOLD
        )
    return settings


def duration_for(kind: str, minutes: int | None, slot_minutes: int) -> timedelta:
    """The appointment's length: ``minutes`` when given (a whole number of slots), else the
    kind's usual length rounded up to whole slots."""
    if minutes is None:
        minutes = math.ceil(DEFAULT_MINUTES[kind] / slot_minutes) * slot_minutes
    if minutes <= 0 or minutes > MAX_MINUTES:
        raise AgendaError(_("An appointment lasts from one slot to 8 hours."), "minutes")
    if minutes % slot_minutes:
        raise AgendaError(
            _("The length must be a whole number of slots of %(minutes)d minutes.", minutes=slot_minutes), "minutes"
        )
    return timedelta(minutes=minutes)


def check_time(office: Office, starts_at: datetime, ends_at: datetime, slot_minutes: int) -> None:
    """Refuse a time in the past, off the slot grid or outside the office's opening hours."""
    if starts_at.tzinfo is None:
        raise ValueError("naive datetime refused: pass an aware datetime")
    if starts_at < clock.utcnow():
        raise AgendaError(_("This time is already past."), "starts_at")
    local_start = starts_at.astimezone(clock.zone())
    local_end = ends_at.astimezone(clock.zone())
    if (local_start.hour * 60 + local_start.minute) % slot_minutes or local_start.second or local_start.microsecond:
        raise AgendaError(
            _("Appointments start on the office's slots of %(minutes)d minutes.", minutes=slot_minutes), "starts_at"
        )
    if not within_opening_hours(office.opening_hours or {}, local_start, local_end):
        raise AgendaError(_("The office is closed at this time."), "starts_at")


def within_opening_hours(hours: dict, local_start: datetime, local_end: datetime) -> bool:
    """True when [start, end) lies in one opening period of the day (no hours set: always)."""
    if not hours:
        return True
    if local_end.date() != local_start.date():
        return False
    for opens, closes in hours.get(WEEKDAYS[local_start.weekday()], []):
        if _parse(opens) <= local_start.time() and local_end.time() <= _parse(closes):
            return True
    return False


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def day_bounds(day) -> tuple[datetime, datetime]:
    """The UTC instants where the Brussels ``day`` starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=clock.zone())
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.zone())
    return start.astimezone(UTC), end.astimezone(UTC)
