"""The workspace demo: the demo agent's dashboard shows every situation, idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.models import User
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo as pathway_demo
from integration_centre.pathway.models import Case
from integration_centre.workspace import demo, services
from integration_centre.workspace.models import CaseSchedule, DeadlineExtension, NoncomplianceProcedure


def test_demo_dashboard_has_every_situation(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    demo.load(report)
    db.session.commit()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    board = services.dashboard(agent, services.DashboardQuery(view="today"))
    for view in ("today", "overdue", "soon", "evaluations", "mine", "recent"):
        assert board.counts[view] >= 1, view
    assert db.session.scalar(select(func.count()).select_from(DeadlineExtension)) == 1
    statuses = set(db.session.scalars(select(NoncomplianceProcedure.status)))
    assert statuses == {"notice_sent", "referred"}
    cases = db.session.scalar(select(func.count()).select_from(Case))
    assert db.session.scalar(select(func.count()).select_from(CaseSchedule)) == cases
    demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Case)) == cases
