"""The operators demo: directory entries, and referrals of the demo operator in every state."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.operators import demo
from integration_centre.operators.models import OperatorProfile, Referral
from integration_centre.operators.referrals import ReferralState
from integration_centre.pathway import demo as pathway_demo
from integration_centre.pathway.models import StepInstance


def test_demo_referrals_in_every_state_consistent_with_the_steps(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    demo.load(report)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OperatorProfile)) == len(demo.ORGANISATIONS)
    referrals = db.session.scalars(select(Referral)).all()
    assert {r.state for r in referrals} == {s.value for s in ReferralState}
    step_state = {"sent": "referred", "accepted": "referred", "in_progress": "in_progress", "completed": "completed"}
    for referral in referrals:
        step = db.session.get(StepInstance, referral.step_id)
        if referral.state in step_state:
            assert step.state == step_state[referral.state], referral.reference
            assert step.operator_id == referral.operator_id
        assert referral.history, referral.reference
    assert len({r.reference for r in referrals}) == len(referrals)
    count = len(referrals)
    demo.load(report)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Referral)) == count
