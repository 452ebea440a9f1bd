"""Reminders (issue 18): N days before, one e-mail and one text message per appointment through
the outbox, in the person's language, with the minimum — date, time, office, file number, never
the name; the address and phone number sealed in the outbox, the SMS file holding the message only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from integration_centre.agenda import letters
from integration_centre.agenda import services as agenda
from integration_centre.agenda.models import AppointmentReminder
from integration_centre.agenda.reminders import send_appointment_reminders
from integration_centre.core import outbox, sms
from integration_centre.core.outbox import OutboxMessage
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at
from tests.operators.smtp_server import SMTPServer

ADDRESS_AR = "٢ مكرر شارع لوسيان نامش، ٥٠٠٠ نامور"


@pytest.fixture
def sms_file(monkeypatch, tmp_path):
    path = tmp_path / "sms.jsonl"
    monkeypatch.setattr(sms, "file_path", lambda: path)
    return path


@pytest.fixture
def office(org, agent):
    org["office"].address = "Rue Lucien Namèche 2bis, 5000 Namur"
    agenda.set_settings(agent, slot_minutes=30, no_show_threshold=2, letter_addresses={"ar": ADDRESS_AR})
    db.session.commit()
    return org["office"]


def _book(agent, person, at, kind="reception"):
    appointment = agenda.book(agent, kind=kind, person_id=person.id, agent_id=agent.id, starts_at=at)
    db.session.commit()
    return appointment


def _messages():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_reminder_is_queued_once_by_email_and_sms_sealed_in_the_outbox(agent, register, office):
    person = register()
    appointment = _book(agent, person, next_week_at(10))
    assert send_appointment_reminders(appointment.starts_at - timedelta(days=3)) == 0  # too early
    now = appointment.starts_at - timedelta(days=1)
    assert send_appointment_reminders(now) == 1
    db.session.commit()
    email, text_message = _messages()
    assert (email.channel, text_message.channel) == ("email", "sms")
    for message in (email, text_message):
        assert message.recipient == "" and message.body == ""  # nothing in clear
    raw = db.session.execute(text("SELECT recipient_ct, body_ct FROM outbox_personal_message")).all()
    for recipient_ct, body_ct in raw:
        assert b"amira" not in recipient_ct and b"+32" not in recipient_ct and "نامور".encode() not in body_ct
    assert send_appointment_reminders(now) == 0  # once
    assert db.session.scalar(select(AppointmentReminder.channels)) == "email+sms"
    # A moved appointment is reminded again for its new time.
    agenda.move(agent, appointment, starts_at=appointment.starts_at + timedelta(hours=4))
    db.session.commit()
    assert send_appointment_reminders(now) == 1


def test_sending_reminders_in_the_persons_language_without_the_name(app, agent, register, office, sms_file):
    person = register(family_name="Al-Hassan", given_names="Amira")
    appointment = _book(agent, person, next_week_at(10, 30))
    send_appointment_reminders(appointment.starts_at - timedelta(days=1))
    db.session.commit()
    number = agenda.file_number(person.id)
    with SMTPServer() as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        try:
            report = outbox.send_due(appointment.starts_at - timedelta(days=1))
        finally:
            app.config.update(SMTP_HOST=None, SMTP_PORT=25)
        assert report.sent == 2 and report.failed == 0
        [(_sender, recipients, email)] = server.messages
    assert recipients == ["amira@example.org"]
    body = email.get_content()
    assert email["Subject"] == "تذكير بموعد"
    assert "10:30" in body and number in body and ADDRESS_AR in body and "Bureau de Namur" in body
    assert letters.local_date(appointment.starts_at, "ar") in body
    assert "Al-Hassan" not in body and "Amira" not in body
    [line] = sms_file.read_text(encoding="utf-8").splitlines()
    stored = json.loads(line)
    assert set(stored) == {"to", "text"} and stored["to"] == "…456"  # +32 470 12 34 56: the last digits only
    assert number in stored["text"] and "10:30" in stored["text"]
    for personal in ("Al-Hassan", "Amira", "470", str(person.id)):
        assert personal not in line
    assert all(m.sent_at is not None for m in _messages())


def test_french_when_no_letter_exists_in_the_persons_language_and_no_channel_without_contact(
    agent, register, office, sms_file
):
    person = register(preferred_language="ti", phone=None, niss=None)
    appointment = _book(agent, person, next_week_at(9))
    quiet = register(phone=None, email=None, family_name="Haddad", niss=None)
    _book(agent, quiet, next_week_at(11))
    assert send_appointment_reminders(appointment.starts_at - timedelta(days=1)) == 2
    db.session.commit()
    [email] = _messages()
    assert email.channel == "email"
    channels = sorted(db.session.scalars(select(AppointmentReminder.channels)))
    assert channels == ["email", "none"]


def test_sms_are_sent_even_without_smtp_and_the_cli_queues_reminders(app, agent, register, office, sms_file):
    person = register(email=None)
    appointment = _book(agent, person, next_week_at(10))
    send_appointment_reminders(appointment.starts_at - timedelta(days=1))
    db.session.commit()
    report = outbox.send_due(appointment.starts_at - timedelta(days=1))
    assert report.sent == 1 and len(sms_file.read_text(encoding="utf-8").splitlines()) == 1
    result = app.test_cli_runner().invoke(args=["agenda", "remind"])
    assert result.exit_code == 0 and "reminders queued for" in result.output


def test_a_restricted_file_gets_no_reminder(agent, register, office):
    from integration_centre.privacy import restrictions
    from integration_centre.privacy.context import Actor

    person = register()
    appointment = _book(agent, person, next_week_at(10))
    restrictions.restrict(person.id, actor=Actor.system("test"))
    db.session.commit()
    assert send_appointment_reminders(appointment.starts_at - timedelta(days=1)) == 0
    assert _messages() == []
