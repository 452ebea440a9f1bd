"""Operator endpoints: list, get, accept, decline, attendance, completion, abandonment — and isolation
(acceptance 2, API part: another organisation's referral answers 404, guessed ids too)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators.models import Referral, ReferralEvent
from integration_centre.pathway.models import StepInstance, TimelineEntry
from integration_centre.pathway.states import StepState
from tests.api.conftest import bearer, problem_of

ACTIONS = {
    "accept": {},
    "decline": {"reason": "no_places"},
    "attendance": {"sessions": 3, "hours": 9},
    "complete": {"result": "A2", "hours": 400},
    "abandon": {"reason": "never_came"},
}


def _state(referral_id) -> str:
    db.session.expire_all()
    return db.session.get(Referral, referral_id).state


def test_operator_walks_a_referral_through_to_completion(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)

    listing = client.get("/api/v1/referrals", headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1
    assert body["items"][0]["reference"] == referral.reference
    assert "person" not in body["items"][0]

    one = client.get(f"/api/v1/referrals/{referral.id}", headers=headers).get_json()
    assert one["state"] == "sent" and one["person"]["name"] == "Amira Al-Hassan"
    assert one["person"]["interpreter_needed"] is True
    assert [h["action"] for h in one["history"]] == ["send"]

    accepted = client.post(f"/api/v1/referrals/{referral.id}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["state"] == "accepted"

    attendance = client.post(
        f"/api/v1/referrals/{referral.id}/attendance",
        json={"sessions": 10, "hours": "30.5", "attended_from": "2025-04-02", "attended_until": "2025-05-02"},
        headers=headers,
    )
    assert attendance.status_code == 200, attendance.get_json()
    assert attendance.get_json()["state"] == "in_progress"
    assert attendance.get_json()["hours"] == "30.50"

    done = client.post(
        f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2", "hours": 400}, headers=headers
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "completed" and done.get_json()["result"] == "A2"
    db.session.expire_all()
    step = db.session.get(StepInstance, referral.step_id)
    assert step.state == StepState.COMPLETED and step.result == "A2"
    moves = db.session.execute(
        select(TimelineEntry.action, TimelineEntry.to_state).where(TimelineEntry.case_id == referral.case_id)
    ).all()
    referral_states = [to_state for action, to_state in moves if action.startswith("referral.")]
    assert referral_states.count("completed") == 1 and "accepted" in referral_states

    again = client.post(f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2"}, headers=headers)
    assert again.status_code == 409
    assert "completed" in problem_of(again)["detail"]


def test_decline_and_abandon_need_a_listed_reason(client, make_token, make_referral, org):
    first, second = make_referral(), make_referral(family_name="Haddad", given_names="Omar")
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    refused = client.post(f"/api/v1/referrals/{first.id}/decline", json={"reason": "lazy"}, headers=headers)
    assert refused.status_code == 422 and "reason" in problem_of(refused)["errors"]
    missing = client.post(f"/api/v1/referrals/{first.id}/decline", json={}, headers=headers)
    assert missing.status_code == 422 and "reason" in problem_of(missing)["errors"]
    assert _state(first.id) == "sent"
    declined = client.post(f"/api/v1/referrals/{first.id}/decline", json={"reason": "no_places"}, headers=headers)
    assert declined.status_code == 200 and declined.get_json()["reason"] == "no_places"

    client.post(f"/api/v1/referrals/{second.id}/accept", headers=headers)
    abandoned = client.post(f"/api/v1/referrals/{second.id}/abandon", json={"reason": "moved_away"}, headers=headers)
    assert abandoned.status_code == 200 and abandoned.get_json()["state"] == "abandoned"


def test_list_filters_by_state_and_updated_since_and_pages(client, make_token, make_referral, org):
    items = [make_referral(family_name=f"Person{n}", given_names="Test") for n in range(3)]
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    client.post(f"/api/v1/referrals/{items[0].id}/accept", headers=headers)
    accepted = client.get("/api/v1/referrals?state=accepted", headers=headers).get_json()
    assert [item["id"] for item in accepted["items"]] == [str(items[0].id)]
    assert client.get("/api/v1/referrals?state=sent", headers=headers).get_json()["total"] == 2

    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (
        client.get("/api/v1/referrals", query_string={"updated_since": future}, headers=headers).get_json()["total"]
        == 0
    )
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (
        client.get("/api/v1/referrals", query_string={"updated_since": past}, headers=headers).get_json()["total"] == 3
    )

    page = client.get("/api/v1/referrals?per_page=2&page=2", headers=headers).get_json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 1
    for bad in ("state=lost", "per_page=0", "per_page=1000", "page=x", "updated_since=yesterday",
                "updated_since=2025-01-01T00:00:00", "colour=blue"):  # fmt: skip
        response = client.get(f"/api/v1/referrals?{bad}", headers=headers)
        assert response.status_code == 422, bad
        assert problem_of(response)["errors"], bad


def test_list_items_say_what_the_referral_itself_says(client, make_token, make_referral, org):
    """The list reads its items as plain rows (labels joined from the case's rule version): each
    item equals the same fields of the single referral, read through the entity."""
    made = [make_referral(family_name=f"Person{n}", given_names="Test") for n in range(3)]
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    client.post(f"/api/v1/referrals/{made[1].id}/accept", headers=headers)
    listed = client.get("/api/v1/referrals", headers=headers).get_json()["items"]
    assert {item["id"] for item in listed} == {str(item.id) for item in made}
    assert listed[0]["id"] == str(made[1].id)  # most recently changed first
    for item in listed:
        single = client.get(f"/api/v1/referrals/{item['id']}", headers=headers).get_json()
        assert {name: single[name] for name in item} == item
        assert item["step_label"] and item["step_label"] != item["step_code"]


def test_other_organisation_gets_404_for_reads_and_writes(client, make_token, make_referral, org):
    mine = make_referral()
    theirs = make_referral(operator="other_operator", family_name="Other", given_names="Person")
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret)
    listing = client.get("/api/v1/referrals", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [str(mine.id)]
    for target in (theirs.id, uuid.uuid4()):
        response = client.get(f"/api/v1/referrals/{target}", headers=headers)
        assert response.status_code == 404
        problem_of(response)
        for action, payload in ACTIONS.items():
            response = client.post(f"/api/v1/referrals/{target}/{action}", json=payload, headers=headers)
            assert response.status_code == 404, (action, response.status_code)
            problem_of(response)
    assert _state(theirs.id) == "sent"
    assert db.session.scalar(select(func.count()).select_from(ReferralEvent)) == 2  # the two "send" rows


def test_scopes_roles_and_sessions(client, make_token, make_referral, login_as, org):
    referral = make_referral()
    read_only, _ = make_token(Role.OPERATOR, scopes=["referrals:read"], operator_id=org["operator"].id)
    assert client.get("/api/v1/referrals", headers=bearer(read_only)).status_code == 200
    refused = client.post(f"/api/v1/referrals/{referral.id}/accept", headers=bearer(read_only))
    assert refused.status_code == 403
    assert "referrals:write" in problem_of(refused)["detail"]
    assert _state(referral.id) == "sent"

    agent_token, _ = make_token(Role.AGENT)
    assert client.get("/api/v1/referrals", headers=bearer(agent_token)).status_code == 403

    session_client, _ = login_as(Role.OPERATOR, operator_id=org["operator"].id)
    assert session_client.get("/api/v1/referrals").status_code == 401
    response = session_client.post(f"/api/v1/referrals/{referral.id}/accept")
    assert response.status_code == 401
    assert "session" in problem_of(response)["detail"]
    assert _state(referral.id) == "sent"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ic_unknown_token", "Token x"])
def test_bad_authorization_headers_get_401(client, header):
    response = client.get("/api/v1/referrals", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem_of(response)
