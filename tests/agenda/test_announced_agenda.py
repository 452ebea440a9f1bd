"""Issue 18, the agenda's side: the case opens from a reception appointment the person came to;
the agenda's anonymous facts (first appointment wait, presentation within 3 months or late,
no-shows, interpreter languages) reach ``stats`` as plain payloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from integration_centre import clock
from integration_centre.agenda import presentation
from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway.models import Case
from integration_centre.stats.models import Fact
from tests.agenda.conftest import next_week_at
from tests.conftest import login


def _recent(days_ago: int) -> dict:
    registered = clock.today() - timedelta(days=days_ago)
    return {"registration_date": registered, "permit_order_date": registered - timedelta(days=7)}


def test_booking_emits_the_wait_and_the_interpreter_language(agent, register):
    person = register(**_recent(20))
    with events.collect() as received:
        agenda.book(
            agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10),
            interpreter_required=True, interpreter_language="ar",
        )  # fmt: skip
        agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(11))
        db.session.commit()
    kinds = [(e.type, e.reason) for e in received]
    # 27 days from the registration to the appointment; the second reception appointment is not a first
    assert kinds == [("interpreter_requested", "ar"), ("first_appointment_booked", "wait_d015_030")]
    for event in received:
        assert str(person.id) not in str(event.as_dict())
    facts = db.session.scalars(select(Fact.event_type, Fact.outcome).where(Fact.event_type != "x")).all()
    assert facts  # written by the stats listener in the same transaction
    assert set(db.session.execute(select(Fact.event_type, Fact.outcome)).all()) == set(kinds)


def test_attendance_emits_presentation_and_no_shows_and_the_case_opens_from_the_appointment(agent, register):
    person = register(**_recent(20))
    missed = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(9))
    came = agenda.book(
        agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10, days=8)
    )
    db.session.commit()
    with time_machine.travel(came.starts_at + timedelta(minutes=5), tick=False):
        with events.collect() as received:
            agenda.record_attendance(agent, missed, attended=False)
            with pytest.raises(AgendaError, match="came to"):
                presentation.open_case_from_appointment(agent, missed)
            agenda.record_attendance(agent, came, attended=True)
            db.session.commit()
        assert [(e.type, e.reason) for e in received] == [
            ("appointment_no_show", "reception"),
            ("presentation_recorded", "within_deadline"),
        ]
        assert presentation.can_open_case(agent, came)
        case = presentation.open_case_from_appointment(agent, came)
        db.session.commit()
    assert case.person_id == person.id and case.entry_channel == "commune"
    assert case.opened_on == came.starts_at.astimezone(clock.zone()).date()
    assert came.case_id == case.id and not presentation.can_open_case(agent, came)
    with pytest.raises(AgendaError, match="already linked"):
        presentation.open_case_from_appointment(agent, came)


def test_a_late_presentation_is_counted_late(agent, register):
    person = register(**_recent(120))  # the three months have passed
    came = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    with time_machine.travel(came.starts_at + timedelta(minutes=5), tick=False), events.collect() as received:
        agenda.record_attendance(agent, came, attended=True)
        db.session.commit()
    assert [(e.type, e.reason) for e in received] == [("presentation_recorded", "late")]


def test_the_appointment_page_opens_the_case_in_one_action(app, agent, other_agent, register):
    person = register(**_recent(20))
    came = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(10))
    db.session.commit()
    client, other = app.test_client(), app.test_client()
    login(client, agent)
    assert 'data-testid="open-case"' not in client.get(f"/agenda/appointments/{came.id}").text
    with time_machine.travel(came.starts_at + timedelta(minutes=5), tick=True):
        client, other = app.test_client(), app.test_client()  # sessions of that day
        login(client, agent)
        login(other, other_agent)
        agenda.record_attendance(agent, came, attended=True)
        db.session.commit()
        page = client.get(f"/agenda/appointments/{came.id}")
        assert 'data-testid="open-case"' in page.text
        assert other.post(f"/agenda/appointments/{came.id}/open-case").status_code == 404
        response = client.post(f"/agenda/appointments/{came.id}/open-case")
        assert response.status_code == 302
        case = db.session.scalar(select(Case).where(Case.person_id == person.id))
        assert response.headers["Location"].endswith(f"/cases/{case.id}")
        assert client.post(f"/agenda/appointments/{came.id}/open-case").status_code == 400


def test_the_booking_page_preselects_the_announced_person(app, agent, register):
    person = register(**_recent(20))
    client = app.test_client()
    login(client, agent)
    page = client.get(f"/agenda/book?person={person.id}&kind=reception")
    assert f'value="{person.id}"' in page.text
