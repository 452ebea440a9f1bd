"""Issue 18: the demo's announced persons at Namur, one past its date with the procedure started."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Role, User
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo as pathway_demo
from integration_centre.workspace import announced, announced_demo
from integration_centre.workspace.models import NoncomplianceProcedure


def test_announced_demo(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    announced_demo.load(report)
    db.session.commit()
    office = demo_office()
    agent = db.session.scalar(select(User).where(User.office_id == office.id, User.role == Role.AGENT).limit(1))
    rows = announced.announced_list(agent).rows
    names = {row.name for row in rows}
    assert {"MANSOUR, Layla", "DIALLO, Mamadou", "TESFAYE, Selam", "HAKIMI, Farid"} <= names
    late = next(row for row in rows if row.name == "HAKIMI, Farid")
    assert late.overdue and late.procedure_status == "notice_sent"
    announced_demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count(NoncomplianceProcedure.id))) == 1
