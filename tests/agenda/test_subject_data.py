"""The agenda in a person's access export, and appointments following a merged file."""

from __future__ import annotations

from integration_centre.agenda import services as agenda
from integration_centre.agenda import subject_data
from integration_centre.agenda.models import Appointment
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at


def test_export_lists_the_appointments(agent, register):
    person = register()
    assert subject_data.export(person.id) == {}
    agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    exported = subject_data.export(person.id)
    assert exported["appointments"][0]["kind"] == "reception"
    assert exported["appointments"][0]["office"] == "Bureau de Namur"


def test_appointments_follow_the_kept_file(agent, register):
    kept, removed = register(), register(family_name="Haddad", niss=None)
    booked = agenda.book(agent, kind="reception", person_id=removed.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    moved = subject_data.merge_person(agent, removed.id, kept.id)
    db.session.commit()
    assert moved == {"agenda": 1}
    assert db.session.get(Appointment, booked.id).person_id == kept.id
