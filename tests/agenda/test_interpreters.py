"""Interpreters (issue 18): a booking that needs an interpreter writes to the social-interpreting
service through the outbox — reference, time, duration, office, language; no name, no national
number, no file number — a move sends an update, a cancellation a cancellation; the agent records
the answer, shown on the appointment and, while pending, in the agenda's day and week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from integration_centre.agenda import interpreters
from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import InterpreterRequest
from integration_centre.core.outbox import OutboxMessage
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at
from tests.conftest import login

SERVICE = "setis@interpretes.example"
NISS = "95031412345"


@pytest.fixture
def service_address(app, monkeypatch, org):
    monkeypatch.setitem(app.config, "INTERPRETER_SERVICE_EMAIL", SERVICE)
    org["office"].address = "Rue Lucien Namèche 2bis, 5000 Namur"
    db.session.commit()


def client_for(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _book(agent, person, at, **fields):
    appointment = agenda.book(
        agent, kind="social_assessment", person_id=person.id, agent_id=agent.id, starts_at=at, **fields
    )
    db.session.commit()
    return appointment


def test_a_booking_with_an_interpreter_writes_to_the_service_without_personal_data(agent, register, service_address):
    person = register()
    at = next_week_at(10)
    appointment = _book(agent, person, at, interpreter_required=True)  # language from the file: Arabic
    item = interpreters.request_of(appointment)
    assert item.status == "requested" and item.language == "ar" and item.reference.startswith("INT-")
    [message] = _messages()
    assert message.recipient == SERVICE and message.channel == "email"
    assert item.reference in message.subject
    body = message.body
    assert item.reference in body
    assert "10:00" in body and "90" in body  # a social assessment lasts 90 minutes
    assert "arabe" in body.lower()  # the service's language: French
    assert "Bureau de Namur" in body and "Rue Lucien Namèche 2bis, 5000 Namur" in body
    for personal in ("Al-Hassan", "Amira", NISS, agenda.file_number(person.id), str(person.id), "+32 470"):
        assert personal not in body and personal not in message.subject


def test_no_request_without_an_interpreter(agent, register, service_address):
    _book(agent, register(), next_week_at(10))
    assert _messages() == [] and db.session.scalar(select(InterpreterRequest)) is None


def test_a_move_sends_an_update_and_waits_for_a_new_confirmation(agent, register, service_address):
    appointment = _book(agent, register(), next_week_at(10), interpreter_required=True)
    interpreters.record_answer(agent, appointment, True)
    db.session.commit()
    assert interpreters.request_of(appointment).status == "confirmed"
    agenda.move(agent, appointment, starts_at=next_week_at(14))
    db.session.commit()
    item = interpreters.request_of(appointment)
    assert item.status == "requested" and item.answered_at is None
    _request, update = _messages()
    assert item.reference in update.subject and "14:00" in update.body and update.recipient == SERVICE


def test_a_cancellation_tells_the_service_and_takes_no_answer(agent, register, service_address):
    appointment = _book(agent, register(), next_week_at(10), interpreter_required=True)
    agenda.cancel(agent, appointment, "person_request")
    db.session.commit()
    assert interpreters.request_of(appointment).status == "cancelled"
    item = interpreters.request_of(appointment)
    subject, _body = interpreters.message_text(item, appointment, interpreters.CANCELLATION)
    assert [m.subject for m in _messages()][1] == subject and item.reference in subject
    with pytest.raises(AgendaError):
        interpreters.record_answer(agent, appointment, True)
    db.session.rollback()


def test_a_refusal_is_recorded_by_an_agent_of_the_office_only(agent, other_agent, register, service_address):
    appointment = _book(agent, register(), next_week_at(10), interpreter_required=True)
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        interpreters.record_answer(other_agent, appointment, False)
    db.session.rollback()
    item = interpreters.record_answer(agent, appointment, False)
    db.session.commit()
    assert item.status == "refused" and item.answered_by_id == agent.id


def test_without_a_service_address_the_request_is_kept_and_flagged(agent, register, app, org):
    appointment = _book(agent, register(), next_week_at(10), interpreter_required=True)
    assert interpreters.request_of(appointment).messages_sent == 0 and _messages() == []
    page = client_for(app, agent).get(f"/agenda/appointments/{appointment.id}").get_data(as_text=True)
    assert "not configured" in page


def test_the_pages_show_pending_requests_and_the_answer(app, agent, register, service_address):
    at = next_week_at(10)
    appointment = _book(agent, register(), at, interpreter_required=True)
    reference = interpreters.request_of(appointment).reference
    client = client_for(app, agent)
    day = client.get(f"/agenda?day={at.date().isoformat()}").get_data(as_text=True)
    assert 'data-testid="pending-interpreters"' in day and reference in day
    week = client.get(f"/agenda?day={at.date().isoformat()}&span=week").get_data(as_text=True)
    assert reference in week and "requested, waiting for the service" in week
    response = client.post(f"/agenda/appointments/{appointment.id}/interpreter", data={"answer": "confirmed"})
    assert response.status_code == 302
    page = client.get(f"/agenda/appointments/{appointment.id}").get_data(as_text=True)
    assert "confirmed by the service" in page and reference in page
    day = client.get(f"/agenda?day={at.date().isoformat()}").get_data(as_text=True)
    assert 'data-testid="pending-interpreters"' not in day
    assert (
        client.post(f"/agenda/appointments/{appointment.id}/interpreter", data={"answer": "maybe"}).status_code == 200
    )


def test_a_seat_in_a_group_session_gets_a_request_and_moves_with_it(agent, register, service_address):
    session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=next_week_at(9), capacity=5)
    seat = agenda.book_seat(agent, session, person_id=register().id, interpreter_required=True)
    db.session.commit()
    agenda.move_session(agent, session, starts_at=next_week_at(9) + timedelta(days=1))
    db.session.commit()
    assert interpreters.request_of(seat).status == "requested" and len(_messages()) == 2
    agenda.cancel_session(agent, session)
    db.session.commit()
    assert interpreters.request_of(seat).status == "cancelled" and len(_messages()) == 3
