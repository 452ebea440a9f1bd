"""Issue 16, rule 7: the hours of a step followed at several operators add up.

A French course of 400 h minimum (wallonia-2018 and wallonia-2025) followed for 250 h at one
school, then (the first referral withdrawn: the person moved to another school) for 150 h at a
second one: the step has 250 + 150 = 400 h and meets the minimum. A correction of the first
school's total to 200 h gives 200 + 150 = 350 h, below the minimum again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.operators.models import Referral
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.states import StepState
from tests.operators.conftest import ON

# The permit dates that put the case under each Walloon version (applies_to of the definitions).
VERSIONS = {
    "2018": {"permit_order_date": date(2024, 6, 3), "registration_date": date(2024, 6, 10)},
    "2025": {"permit_order_date": date(2025, 2, 3), "registration_date": date(2025, 2, 10)},
}


def _step(case_id) -> StepInstance:
    db.session.expire_all()
    return db.session.get(Case, case_id).step("french_course")


def _minimum(case_id) -> Decimal:
    case = db.session.get(Case, case_id)
    return Decimal(str(pathway.definition_of(case).step("french_course").min_hours))


@pytest.fixture
def second_operator_user(make_user, org):
    """An operator user of the second school."""
    return make_user(Role.OPERATOR, operator_id=org["other_operator"].id)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_two_schools_add_up_and_a_correction_lowers_the_total(
    version, agent, org, case_ready, profiles, operator_user, second_operator_user
):
    case = case_ready(**VERSIONS[version])
    assert case.definition_version == version
    first = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    services.accept(operator_user, first, on=ON)
    services.record_attendance(operator_user, first, sessions=80, hours="250", on=ON)
    db.session.commit()
    assert _step(case.id).hours == Decimal("250")

    # The person moves to another school: the first referral is withdrawn, its 250 h stay.
    services.withdraw(agent, first.id, "referred_elsewhere", on=ON)
    db.session.commit()
    assert _step(case.id).hours == Decimal("250")
    case = db.session.get(Case, case.id)
    second = services.refer(agent, case, "french_course", org["other_operator"].id, on=ON)
    services.accept(second_operator_user, second, on=ON)
    services.record_attendance(second_operator_user, second, sessions=50, hours="150", on=ON)
    db.session.commit()

    # 250 + 150 = 400 h: the minimum of 400 h is met (before: the 150 h replaced the 250 h).
    step = _step(case.id)
    assert step.hours == Decimal("400")
    assert _minimum(case.id) == Decimal("400") and step.hours >= _minimum(case.id)

    # The first school corrects its total downwards: 200 + 150 = 350 h.
    services.record_attendance(operator_user, first.id, sessions=66, hours="200", on=ON)
    db.session.commit()
    assert db.session.get(Referral, first.id).state == "withdrawn"
    assert _step(case.id).hours == Decimal("350")
    with pytest.raises(services.ReferralError, match=r"350 hours recorded.*at least 400"):
        services.complete(second_operator_user, second.id, result="A2", on=ON)
    db.session.rollback()

    # The second school confirms completion with 200 h: 200 + 200 = 400 h, the step completes.
    services.complete(second_operator_user, second.id, result="A2", hours="200", on=ON)
    db.session.commit()
    step = _step(case.id)
    assert (step.state, step.hours, step.result) == (StepState.COMPLETED, Decimal("400"), "A2")

    # Once the step is completed its hours are confirmed: a late correction is refused.
    with pytest.raises(services.ReferralError, match="hours can no longer change"):
        services.record_attendance(operator_user, first.id, sessions=60, hours="180", on=ON)
    db.session.rollback()
    assert _step(case.id).hours == Decimal("400")


def test_abandoned_referral_hours_count(agent, org, case_ready, profiles, operator_user, second_operator_user):
    case = case_ready()
    first = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    services.accept(operator_user, first, on=ON)
    services.record_attendance(operator_user, first, sessions=30, hours="90.5", on=ON)
    services.abandon(operator_user, first.id, "stopped_attending", on=ON)
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.step("french_course").state == StepState.FAILED
    pathway.transition_step(agent, case, "french_course", "retry", on=ON)
    second = services.refer(agent, case, "french_course", org["other_operator"].id, on=ON)
    services.accept(second_operator_user, second, on=ON)
    services.record_attendance(second_operator_user, second, sessions=100, hours="309.5", on=ON)
    db.session.commit()
    # 90.5 (attended before abandoning) + 309.5 = 400 h.
    assert _step(case.id).hours == Decimal("400")


def test_a_completed_referral_cannot_be_corrected_as_attendance(referral, operator_user):
    services.accept(operator_user, referral.id, on=ON)
    services.record_attendance(operator_user, referral.id, sessions=80, hours=400, on=ON)
    services.complete(operator_user, referral.id, result="A2", on=ON)
    db.session.commit()
    with pytest.raises(services.InvalidTransition):
        services.record_attendance(operator_user, referral.id, sessions=80, hours=300, on=ON)
    db.session.rollback()
    assert _step(referral.case_id).hours == Decimal("400")


def test_demo_shows_a_french_course_at_two_schools(app):
    from sqlalchemy import select

    from integration_centre.accounts import demo as accounts_demo
    from integration_centre.demo import DemoReport
    from integration_centre.operators import demo
    from integration_centre.pathway import demo as pathway_demo

    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    pathway_demo.load(report)
    db.session.commit()
    demo.load(report)
    db.session.commit()
    first = db.session.scalars(
        select(Referral).where(Referral.step_code == "french_course", Referral.state == "withdrawn")
    ).one()
    second = db.session.scalars(
        select(Referral).where(Referral.step_id == first.step_id, Referral.state == "in_progress")
    ).one()
    assert first.operator_id != second.operator_id
    # 150 h at the first school + 250 h at the demo school = 400 h on the step.
    assert (first.hours, second.hours) == (Decimal("150"), Decimal("250"))
    assert db.session.get(StepInstance, first.step_id).hours == Decimal("400")


def test_the_portal_offers_the_correction_on_a_withdrawn_referral(
    app, client, agent, org, case_ready, profiles, operator_user
):
    from tests.conftest import login

    case = case_ready()
    first = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    services.accept(operator_user, first, on=ON)
    services.record_attendance(operator_user, first, sessions=80, hours="250", on=ON)
    services.withdraw(agent, first.id, "referred_elsewhere", on=ON)
    db.session.commit()
    login(client, operator_user)
    page = client.get(f"/operator/referrals/{first.id}").get_data(as_text=True)
    assert "Correct the attendance" in page
    version = db.session.get(Referral, first.id).version
    response = client.post(
        f"/operator/referrals/{first.id}/attendance",
        data={"sessions": "66", "hours": "200", "version": str(version)},
    )
    assert response.status_code == 302
    assert _step(case.id).hours == Decimal("200")  # 250 corrected to 200; no other referral yet


def test_hours_attended_before_a_transfer_still_count(
    agent, make_user, org, case_ready, profiles, operator_user, second_operator_user
):
    case = case_ready()
    first = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    services.accept(operator_user, first, on=ON)
    services.record_attendance(operator_user, first, sessions=80, hours="250", on=ON)
    services.withdraw(agent, first.id, "referred_elsewhere", on=ON)
    db.session.commit()
    # The person moves: the case continues at the other office (steps and hours carried over).
    pathway.transition_case(agent, db.session.get(Case, case.id), "transfer", target_office=org["other_office"], on=ON)
    db.session.commit()
    successor = db.session.get(Case, db.session.get(Case, case.id).successor_case_id)
    assert successor.step("french_course").hours == Decimal("250")
    other_agent = make_user(Role.AGENT, office_id=org["other_office"].id)
    second = services.refer(other_agent, successor, "french_course", org["other_operator"].id, on=ON)
    services.accept(second_operator_user, second, on=ON)
    services.record_attendance(second_operator_user, second, sessions=50, hours="150", on=ON)
    db.session.commit()
    # 250 h before the transfer + 150 h after = 400 h (not 150).
    assert _step(successor.id).hours == Decimal("400")
