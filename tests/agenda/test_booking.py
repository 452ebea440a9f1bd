"""Acceptance 5 (agenda): an agent (or a room) cannot hold two overlapping appointments; a group
session refuses the participant over capacity; the rules of times, reach and moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.exceptions import NotFound

from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import AgendaSettings, Appointment
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at


def _book(agent, person, at, **fields):
    fields.setdefault("kind", "reception")
    fields.setdefault("agent_id", agent.id)
    appointment = agenda.book(agent, person_id=person.id, starts_at=at, **fields)
    db.session.commit()
    return appointment


def test_an_agent_cannot_hold_two_overlapping_appointments(agent, second_agent, register):
    first, second = register(), register(family_name="Haddad", niss=None)
    at = next_week_at(10)
    booked = _book(agent, first, at, kind="evaluation_interview")  # 60 minutes
    assert (booked.starts_at, booked.ends_at) == (at, at + timedelta(minutes=60))
    for start in (at, at + timedelta(minutes=30), at - timedelta(minutes=30)):
        with pytest.raises(AgendaError) as refused:
            agenda.book(agent, kind="evaluation_interview", person_id=second.id, agent_id=agent.id, starts_at=start)
        db.session.rollback()
        assert refused.value.code == "conflict" and refused.value.field == "agent_id"
        assert "already has an appointment" in refused.value.message
    assert db.session.query(Appointment).count() == 1
    # Another agent at the same time, and the same agent right after, are free.
    _book(agent, second, at, agent_id=second_agent.id)
    _book(agent, second, at + timedelta(minutes=60), kind="social_assessment")
    assert db.session.query(Appointment).count() == 3


def test_two_agents_cannot_share_a_room_at_the_same_time(agent, second_agent, register, room):
    first, second = register(), register(family_name="Haddad", niss=None)
    at = next_week_at(14)
    _book(agent, first, at, room_id=room.id)
    with pytest.raises(AgendaError) as refused:
        agenda.book(
            agent, kind="reception", person_id=second.id, agent_id=second_agent.id, starts_at=at, room_id=room.id
        )
    db.session.rollback()
    assert refused.value.code == "conflict" and refused.value.field == "room_id"


def test_a_person_cannot_be_in_two_places(agent, second_agent, register):
    person = register()
    at = next_week_at(10)
    _book(agent, person, at)
    with pytest.raises(AgendaError, match="person already has"):
        agenda.book(agent, kind="reception", person_id=person.id, agent_id=second_agent.id, starts_at=at)
    db.session.rollback()


def test_a_cancelled_appointment_frees_the_agent_and_a_moved_one_keeps_it(agent, register):
    first, second = register(), register(family_name="Haddad", niss=None)
    at = next_week_at(10)
    booked = _book(agent, first, at)
    agenda.cancel(agent, booked, "person_request")
    db.session.commit()
    assert booked.status == "cancelled"
    other = _book(agent, second, at)
    moved = agenda.move(agent, other, starts_at=at + timedelta(hours=2))
    db.session.commit()
    assert (moved.status, moved.moves) == ("moved", 1)
    with pytest.raises(AgendaError, match="agent already has"):
        agenda.book(agent, kind="reception", person_id=first.id, agent_id=agent.id, starts_at=at + timedelta(hours=2))
    db.session.rollback()
    with pytest.raises(AgendaError, match="Only a booked"):
        agenda.cancel(agent, booked)
    db.session.rollback()


def test_a_group_session_refuses_the_participant_over_capacity(agent, second_agent, register, room):
    people = [register(family_name=f"Nom{i}", niss=None) for i in range(3)]
    session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=next_week_at(9), capacity=2, room_id=room.id)
    db.session.commit()
    seats = [agenda.book_seat(agent, session, person_id=person.id) for person in people[:2]]
    db.session.commit()
    with pytest.raises(AgendaError) as refused:
        agenda.book_seat(agent, session, person_id=people[2].id)
    db.session.rollback()
    assert refused.value.code == "full" and "full" in refused.value.message
    assert session.seats_taken == 2 and len(agenda.session_seats(session)) == 2
    # A cancelled seat frees it for the next person.
    agenda.cancel(agent, seats[0])
    db.session.commit()
    agenda.book_seat(agent, session, person_id=people[2].id)
    db.session.commit()
    assert session.seats_taken == 2
    # The session holds its agent and its room: no individual appointment over it.
    with pytest.raises(AgendaError, match="agent already has"):
        agenda.book(agent, kind="reception", person_id=people[0].id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.rollback()
    with pytest.raises(AgendaError, match="room is already"):
        agenda.book(
            agent,
            kind="reception",
            person_id=people[0].id,
            agent_id=second_agent.id,
            starts_at=next_week_at(10),
            room_id=room.id,
        )
    db.session.rollback()


def test_moving_and_cancelling_a_session_carries_its_seats(agent, register):
    person = register()
    session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=next_week_at(9), capacity=5)
    seat = agenda.book_seat(agent, session, person_id=person.id)
    db.session.commit()
    agenda.move_session(agent, session, starts_at=next_week_at(13))
    db.session.commit()
    assert (seat.starts_at, seat.status) == (next_week_at(13), "moved")
    agenda.cancel_session(agent, session)
    db.session.commit()
    assert (session.status, seat.status, session.seats_taken) == ("cancelled", "cancelled", 0)


def test_times_follow_the_office_hours_and_slots(agent, register, org):
    person = register()
    org["office"].opening_hours = {
        "mon": [["09:00", "12:00"]],
        "tue": [["09:00", "12:00"]],
        "wed": [["09:00", "12:00"]],
        "thu": [["09:00", "12:00"]],
        "fri": [["09:00", "12:00"]],
    }
    db.session.add(AgendaSettings(office_id=org["office"].id, slot_minutes=30, no_show_threshold=2))
    db.session.commit()
    monday = next_week_at(10, days=7 - next_week_at(10, days=0).weekday())  # a Monday
    for start, field in (
        (monday.replace(hour=13), "starts_at"),  # closed in the afternoon
        (monday.replace(hour=11, minute=30), "starts_at"),  # 90 minutes do not fit before noon
        (monday.replace(minute=10), "starts_at"),  # off the 30-minute grid
        (monday + timedelta(days=5), "starts_at"),  # Saturday
    ):
        with pytest.raises(AgendaError) as refused:
            agenda.book(agent, kind="social_assessment", person_id=person.id, agent_id=agent.id, starts_at=start)
        db.session.rollback()
        assert refused.value.field == field
    with pytest.raises(AgendaError, match="whole number of slots"):
        agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=monday, minutes=45)
    db.session.rollback()
    with pytest.raises(AgendaError, match="already past"):
        agenda.book(
            agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=monday - timedelta(days=14)
        )
    db.session.rollback()
    assert agenda.book(agent, kind="social_assessment", person_id=person.id, agent_id=agent.id, starts_at=monday)


def test_interpreter_language_comes_from_the_file_or_the_form(agent, register, open_case):
    case = open_case()
    at = next_week_at(10)
    booked = agenda.book(
        agent,
        kind="reception",
        person_id=case.person_id,
        agent_id=agent.id,
        starts_at=at,
        case_id=case.id,
        interpreter_required=True,
    )
    assert (booked.interpreter_language, booked.case_id) == ("ar", case.id)
    other = agenda.book(
        agent,
        kind="reception",
        person_id=case.person_id,
        agent_id=agent.id,
        starts_at=at + timedelta(hours=1),
        interpreter_required=True,
        interpreter_language="prs",
    )
    assert other.interpreter_language == "prs"
    with pytest.raises(AgendaError) as refused:
        agenda.book(
            agent,
            kind="reception",
            person_id=case.person_id,
            agent_id=agent.id,
            starts_at=at + timedelta(hours=2),
            interpreter_required=True,
            interpreter_language="zz",
        )
    assert refused.value.field == "interpreter_language"
    db.session.rollback()


def test_outside_the_office_nothing_is_reachable(agent, other_agent, register):
    person = register()
    with pytest.raises(NotFound):
        agenda.book(
            other_agent, kind="reception", person_id=person.id, agent_id=other_agent.id, starts_at=next_week_at(10)
        )
    db.session.rollback()
    booked = _book(agent, person, next_week_at(10))
    with pytest.raises(NotFound):
        agenda.get_appointment(other_agent, booked.id)
    # An agent of another office is not an agent of this agenda.
    with pytest.raises(AgendaError) as refused:
        agenda.book(agent, kind="reception", person_id=person.id, agent_id=other_agent.id, starts_at=next_week_at(11))
    db.session.rollback()
    assert refused.value.field == "agent_id"
