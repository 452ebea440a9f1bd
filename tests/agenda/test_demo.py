"""The demo agenda: next week's appointments at Namur, a group session with seats; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.models import User
from integration_centre.agenda import demo as agenda_demo
from integration_centre.agenda.convocation import convocation, letter_facts
from integration_centre.agenda.models import Appointment, GroupSession, InterpreterRequest
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo as pathway_demo
from integration_centre.workspace import casework_demo
from integration_centre.workspace import demo as workspace_demo


def test_agenda_demo(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    workspace_demo.load(report)
    casework_demo.load(report)
    db.session.commit()
    agenda_demo.load(report)
    db.session.commit()
    count = db.session.scalar(select(func.count(Appointment.id)))
    assert count >= 5
    assert db.session.scalar(select(func.count(GroupSession.id))) == 1
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.interpreter_language == "ar")) == 2
    statuses = sorted(db.session.scalars(select(InterpreterRequest.status)))
    assert statuses == ["confirmed", "requested"]
    # Every appointment's convocation can be written; the Arabic one with the office's Arabic address.
    confirmed = db.session.scalar(select(InterpreterRequest).where(InterpreterRequest.status == "confirmed"))
    appointment = confirmed.appointment
    agent = db.session.get(User, appointment.agent_id)
    facts = letter_facts(appointment, "ar")
    assert facts["address"] == agenda_demo.ADDRESS_AR and facts["interpreter"] == "confirmed"
    with app.test_request_context():
        pdf, language = convocation(agent, appointment, "ar")
    assert language == "ar" and pdf.startswith(b"%PDF")
    agenda_demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count(Appointment.id))) == count
