"""The casework demo: two agents share Namur's cases, Liège's transfer waits for Namur, two files to merge."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.models import User
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import caseload, merge, transfers
from integration_centre.pathway import demo as pathway_demo
from integration_centre.pathway.models import DuplicateReview, Newcomer, TransferRequest
from integration_centre.workspace import casework_demo
from integration_centre.workspace import demo as workspace_demo


def test_casework_demo(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    workspace_demo.load(report)
    casework_demo.load(report)
    db.session.commit()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    loads = {load.agent.email: load.count for load in caseload.office_caseload(agent) if load.agent}
    assert loads["agent@demo.example"] >= 1 and loads["agent2@demo.example"] >= 1
    [incoming] = transfers.incoming(agent)
    assert incoming.from_office.name == "Bureau d'accueil de Liège"
    review = db.session.scalar(select(DuplicateReview).where(DuplicateReview.status == "open"))
    first = db.session.get(Newcomer, uuid.UUID(review.person_ids[0]))
    assert len(merge.candidates(agent, first)) == 1
    casework_demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(TransferRequest)) == 1
