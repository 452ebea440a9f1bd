"""The agenda's pages: the office's day and week, booking, cancelling, attendance, a group
session's seats, the calendar address and its feed over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from integration_centre.agenda import services as agenda
from integration_centre.agenda.models import Appointment
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at
from tests.conftest import login


@pytest.fixture
def agent_client(app, agent):
    client = app.test_client()
    assert login(client, agent).status_code == 302
    return client


def test_book_then_see_the_day_and_the_week_without_names(agent_client, agent, register, room):
    person = register(family_name="Al-Hassan", given_names="Amira")
    at = next_week_at(10)
    response = agent_client.post(
        "/agenda/book",
        data={"kind": "reception", "person": str(person.id), "agent": str(agent.id), "day": at.date().isoformat(),
              "start": "10:00", "room": str(room.id), "interpreter_required": "y", "interpreter_language": "ar"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    booked = db.session.query(Appointment).one()
    assert (booked.starts_at, booked.interpreter_language, booked.room_id) == (at, "ar", room.id)
    for query in (f"?day={at.date()}", f"?day={at.date()}&span=week", f"?day={at.date()}&agent={agent.id}"):
        page = agent_client.get("/agenda" + query).get_data(as_text=True)
        assert agenda.file_number(person.id) in page and "10:00" in page
        assert "Al-Hassan" not in page and "Amira" not in page
    assert agenda.file_number(person.id) not in agent_client.get("/agenda?day=2020-01-01").get_data(as_text=True)
    assert agent_client.get("/agenda?day=not-a-date&span=x&agent=y").status_code == 200

    # The same agent at the same time: refused on the form, nothing written.
    again = agent_client.post(
        "/agenda/book",
        data={"kind": "reception", "person": str(register(family_name="Haddad", niss=None).id), "agent": str(agent.id),
              "day": at.date().isoformat(), "start": "10:00"},
    )  # fmt: skip
    assert again.status_code == 200 and "already has an appointment" in again.get_data(as_text=True)
    assert db.session.query(Appointment).count() == 1

    unknown = agent_client.post(
        "/agenda/book",
        data={"kind": "reception", "person": "3f2b8c1d", "agent": str(agent.id), "day": at.date().isoformat(),
              "start": "11:00"},
    )  # fmt: skip
    assert "No file with this number" in unknown.get_data(as_text=True)


def test_cancel_and_attendance_pages(agent_client, agent, register):
    person = register()
    booked = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    other = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(11))
    db.session.commit()
    page = agent_client.get(f"/agenda/appointments/{booked.id}").get_data(as_text=True)
    assert "once the appointment has started" in page
    response = agent_client.post(f"/agenda/appointments/{booked.id}/cancel", data={"reason": "person_request"})
    assert response.status_code == 302
    db.session.refresh(booked)
    assert booked.status == "cancelled"
    with time_machine.travel(other.starts_at + timedelta(minutes=10), tick=False):
        assert login(agent_client, agent).status_code == 302  # a week later: the session ended
        response = agent_client.post(f"/agenda/appointments/{other.id}/attendance", data={"outcome": "no_show"})
        assert response.headers["Location"].endswith(f"/agenda/appointments/{other.id}")
    db.session.refresh(other)
    assert other.status == "no_show"


def test_group_session_pages(agent_client, agent, register):
    people = [register(family_name=f"Nom{i}", niss=None) for i in range(2)]
    at = next_week_at(9)
    response = agent_client.post(
        "/agenda/sessions/new",
        data={"agent": str(agent.id), "day": at.date().isoformat(), "start": "09:00", "capacity": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session_url = response.headers["Location"]
    assert agent_client.post(f"{session_url}/seats", data={"person": str(people[0].id)}).status_code == 302
    full = agent_client.post(f"{session_url}/seats", data={"person": str(people[1].id)})
    assert full.status_code == 200 and "This group session is full." in full.get_data(as_text=True)
    assert agenda.file_number(people[0].id) in agent_client.get(session_url).get_data(as_text=True)


def test_calendar_address_and_feed(agent_client, agent, register, client):
    person = register()
    agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    page = agent_client.post("/agenda/feed", data={"action": "rotate"}).get_data(as_text=True)
    address = page.split('data-testid="feed-address">')[1].split("<")[0]
    path = address.replace("http://localhost", "")
    feed = client.get(path)  # no login: the address is the key
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert agenda.file_number(person.id) in feed.get_data(as_text=True)
    assert client.get("/agenda/feed/no-such-token.ics").status_code == 404
    agent_client.post("/agenda/feed", data={"action": "revoke"})
    assert client.get(path).status_code == 404
