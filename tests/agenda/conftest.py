"""Agenda fixtures: the pathway's newcomer and case helpers, agents, a room, a time next week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.agenda.models import AgendaRoom
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from tests.pathway.conftest import agent, english_messages, newcomer_data, other_agent, register

__all__ = ["agent", "english_messages", "newcomer_data", "other_agent", "register"]


@pytest.fixture
def second_agent(make_user):
    """Another agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def room(org):
    """A room of the test office."""
    room = AgendaRoom(office_id=org["office"].id, name="Salle 1", is_active=True)
    db.session.add(room)
    db.session.commit()
    return room


@pytest.fixture
def open_case(agent, register):
    """Factory: a newcomer registered and a case opened (committed)."""

    def factory(on: date = date(2025, 3, 1), **overrides):
        newcomer = register(**overrides)
        case = pathway.open_case(agent, newcomer, on=on)
        db.session.commit()
        return case

    return factory


def next_week_at(hour: int, minute: int = 0, days: int = 7) -> datetime:
    """An aware instant ``days`` from today at ``hour``:``minute`` Brussels time."""
    day = clock.today() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone())
