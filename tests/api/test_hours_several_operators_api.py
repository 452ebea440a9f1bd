"""Issue 16, rule 7 through the operator API: two schools' hours add up on the step (250 + 150 =
400 h, the wallonia-2018 minimum), a correction of the first to 200 h gives 350 h."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.states import StepState
from tests.api.conftest import ON, bearer


def _step(case_id) -> StepInstance:
    db.session.expire_all()
    return db.session.get(Case, case_id).step("french_course")


def test_two_schools_add_up_through_the_operator_api(client, make_token, make_referral, agent, org):
    first = make_referral(permit_order_date=date(2024, 6, 3), registration_date=date(2024, 6, 10))
    case = db.session.get(Case, first.case_id)
    assert case.definition_version == "2018"
    first_secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    second_secret, _ = make_token(Role.OPERATOR, operator_id=org["other_operator"].id)
    base = f"/api/v1/referrals/{first.id}"
    assert client.post(f"{base}/accept", headers=bearer(first_secret)).status_code == 200
    response = client.post(f"{base}/attendance", json={"sessions": 80, "hours": 250}, headers=bearer(first_secret))
    assert response.status_code == 200, response.get_json()
    services.withdraw(agent, first.id, "referred_elsewhere", on=ON)
    db.session.commit()
    second = services.refer(agent, db.session.get(Case, case.id), "french_course", org["other_operator"].id, on=ON)
    db.session.commit()
    other = f"/api/v1/referrals/{second.id}"
    assert client.post(f"{other}/accept", headers=bearer(second_secret)).status_code == 200
    response = client.post(f"{other}/attendance", json={"sessions": 50, "hours": 150}, headers=bearer(second_secret))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["hours"] == "150.00"  # the referral keeps its own total
    assert _step(case.id).hours == Decimal("400")  # 250 + 150

    # The first school corrects to 200 through the API: 200 + 150 = 350.
    response = client.post(f"{base}/attendance", json={"sessions": 66, "hours": 200}, headers=bearer(first_secret))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "withdrawn"
    assert _step(case.id).hours == Decimal("350")
    refused = client.post(f"{other}/complete", json={"result": "A2"}, headers=bearer(second_secret))
    assert refused.status_code in (409, 422), refused.get_json()
    assert "350" in refused.get_json()["detail"]
    done = client.post(f"{other}/complete", json={"result": "A2", "hours": 200}, headers=bearer(second_secret))
    assert done.status_code == 200, done.get_json()
    step = _step(case.id)
    assert (step.state, step.hours) == (StepState.COMPLETED, Decimal("400"))  # 200 + 200
