"""The demo agenda: next week's appointments at Namur, a group session with seats; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.agenda import demo as agenda_demo
from integration_centre.agenda.models import Appointment, GroupSession
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
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.interpreter_language == "ar")) == 1
    agenda_demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count(Appointment.id))) == count
