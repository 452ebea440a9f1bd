"""The office's agenda set-up: slot length, no-show threshold, rooms; and their page."""

from __future__ import annotations

import pytest

from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import Appointment
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at
from tests.conftest import login


def test_settings_and_rooms(agent, org):
    settings = agenda.set_settings(agent, slot_minutes=15, no_show_threshold=3)
    db.session.commit()
    assert (agenda.settings_of(org["office"].id).slot_minutes, settings.no_show_threshold) == (15, 3)
    for slot, threshold, field in ((7, 2, "slot_minutes"), (30, 0, "no_show_threshold"), (30, 11, "no_show_threshold")):
        with pytest.raises(AgendaError) as refused:
            agenda.set_settings(agent, slot_minutes=slot, no_show_threshold=threshold)
        db.session.rollback()
        assert refused.value.field == field
    room = agenda.add_room(agent, "  Salle   bleue ")
    db.session.commit()
    assert room.name == "Salle bleue"
    with pytest.raises(AgendaError, match="already has a room"):
        agenda.add_room(agent, "salle bleue")
    db.session.rollback()
    agenda.remove_room(agent, room.id)
    db.session.commit()
    assert agenda.office_rooms(org["office"].id) == []
    assert agenda.add_room(agent, "Salle bleue").id == room.id  # brought back


def test_settings_page_and_move_form(app, agent, register):
    client = app.test_client()
    assert login(client, agent).status_code == 302
    assert client.post("/agenda/settings", data={"slot_minutes": "15", "no_show_threshold": "2"}).status_code == 302
    assert client.post("/agenda/rooms", data={"name": "Salle 2"}).status_code == 302
    assert "Salle 2" in client.get("/agenda/settings").get_data(as_text=True)
    refused = client.post("/agenda/settings", data={"slot_minutes": "7", "no_show_threshold": "2"})
    assert refused.status_code == 200
    person = register()
    booked = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    page = client.get(f"/agenda/appointments/{booked.id}").get_data(as_text=True)
    assert "Move the appointment" in page
    moved = client.post(
        f"/agenda/appointments/{booked.id}/move",
        data={"agent": str(agent.id), "day": next_week_at(10).date().isoformat(), "start": "14:15", "room": ""},
    )
    assert moved.status_code == 302, moved.get_data(as_text=True)
    item = db.session.get(Appointment, booked.id)
    db.session.refresh(item)
    assert (item.starts_at, item.status) == (next_week_at(14, 15), "moved")
