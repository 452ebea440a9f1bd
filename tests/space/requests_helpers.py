"""Helpers of the space requests' tests: an appointment of the person next week."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from integration_centre import clock
from integration_centre.agenda import services as agenda
from integration_centre.extensions import db


def next_week_at(hour: int, minute: int = 0, days: int = 7) -> datetime:
    """An aware instant ``days`` from today at ``hour``:``minute`` Brussels time (a weekday)."""
    day = clock.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone())


def book(agent, newcomer, at=None, kind: str = "reception"):
    """A committed appointment of ``newcomer`` with ``agent``."""
    appointment = agenda.book(
        agent, kind=kind, person_id=newcomer.id, agent_id=agent.id, starts_at=at or next_week_at(10)
    )
    db.session.commit()
    return appointment
