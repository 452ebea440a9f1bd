"""Issue 15, finding 5 (API): a finished referral answers without the person (``person`` null)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from integration_centre.accounts.models import Role
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators.models import Referral
from tests.api.conftest import bearer

PERSONAL = ("Amira", "Al-Hassan", "470 12 34 56", "amira@example.org")


def _assert_no_person(response, referral) -> dict:
    assert response.status_code == 200, response.get_json()
    text = response.get_data(as_text=True)
    for marker in PERSONAL:
        assert marker not in text, marker
    body = response.get_json()
    assert body["person"] is None and body["reference"] == referral.reference and body["sent_on"]
    assert all(event["actor_role"] == "operator" for event in body["history"])
    return body


@pytest.mark.parametrize(
    "action, payload", [("decline", {"reason": "no_places"}), ("abandon", {"reason": "never_came"})]
)
def test_declined_or_abandoned_referral_has_no_person(client, make_token, make_referral, org, action, payload):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    assert client.get(f"/api/v1/referrals/{referral.id}", headers=headers).get_json()["person"]["name"]
    if action == "abandon":
        assert client.post(f"/api/v1/referrals/{referral.id}/accept", headers=headers).status_code == 200
    _assert_no_person(client.post(f"/api/v1/referrals/{referral.id}/{action}", json=payload, headers=headers), referral)
    _assert_no_person(client.get(f"/api/v1/referrals/{referral.id}", headers=headers), referral)


def test_withdrawn_referral_has_no_person(client, make_token, make_referral, agent, org):
    from integration_centre.operators import services

    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    services.withdraw(agent, referral.id, "person_request")
    db.session.commit()
    body = _assert_no_person(client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(secret)), referral)
    assert body["state"] == "withdrawn"


def test_completed_referral_loses_the_person_after_the_grace_period(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    client.post(f"/api/v1/referrals/{referral.id}/accept", headers=headers)
    client.post(f"/api/v1/referrals/{referral.id}/attendance", json={"sessions": 40, "hours": 400}, headers=headers)
    done = client.post(f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["person"]["name"] == "Amira Al-Hassan"
    db.session.execute(
        update(Referral).where(Referral.id == referral.id).values(updated_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    body = _assert_no_person(client.get(f"/api/v1/referrals/{referral.id}", headers=headers), referral)
    assert body["result"] == "A2" and body["state"] == "completed"
