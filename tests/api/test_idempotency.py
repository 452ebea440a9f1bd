"""Acceptance 3 (first part): one Idempotency-Key, the same confirmation twice → one completion;
the same key with another body is refused; keys belong to one token. Also the per-token rate limit."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.api.models import IdempotencyRecord
from integration_centre.extensions import db
from integration_centre.operators.models import ReferralEvent
from integration_centre.pathway.models import TimelineEntry
from tests.accounts.helpers import second_app
from tests.api.conftest import bearer, problem_of


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _started(client, headers, referral) -> None:
    assert client.post(f"/api/v1/referrals/{referral.id}/accept", headers=headers).status_code == 200
    response = client.post(
        f"/api/v1/referrals/{referral.id}/attendance", json={"sessions": 40, "hours": 400}, headers=headers
    )
    assert response.status_code == 200


def test_same_confirmation_twice_with_one_key_records_one_completion(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    _started(client, bearer(secret), referral)
    headers = bearer(secret, Idempotency_Key="confirm-8f1c2a")
    first = client.post(f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2"}, headers=headers)
    second = client.post(f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.get_json() == second.get_json()
    assert _count(ReferralEvent, ReferralEvent.action == "complete") == 1
    assert _count(TimelineEntry, TimelineEntry.action.like("referral.%"), TimelineEntry.to_state == "completed") == 1

    # the same key with another body: refused, nothing written
    other = client.post(f"/api/v1/referrals/{referral.id}/complete", json={"result": "B1"}, headers=headers)
    assert other.status_code == 422
    assert problem_of(other)["code"] == "idempotency_key_reused"
    # the same key on another path: refused too
    path = client.post(f"/api/v1/referrals/{referral.id}/accept", headers=headers)
    assert path.status_code == 422
    # a new key: the rule answers (already completed)
    fresh = client.post(
        f"/api/v1/referrals/{referral.id}/complete", json={"result": "A2"}, headers=bearer(secret, Idempotency_Key="k2")
    )
    assert fresh.status_code == 409
    assert _count(ReferralEvent, ReferralEvent.action == "complete") == 1


def test_a_refusal_is_replayed_too_and_keys_are_per_token(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    other_secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    headers = bearer(secret, Idempotency_Key="same-key")
    refused = client.post(f"/api/v1/referrals/{referral.id}/complete", json={}, headers=headers)
    assert refused.status_code == 409  # sent, not in progress
    replay = client.post(f"/api/v1/referrals/{referral.id}/complete", json={}, headers=headers)
    assert replay.status_code == 409 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == refused.get_json()
    # another token may use the same key for its own request
    other_headers = bearer(other_secret, Idempotency_Key="same-key")
    accepted = client.post(f"/api/v1/referrals/{referral.id}/accept", headers=other_headers)
    assert accepted.status_code == 200
    assert _count(IdempotencyRecord) == 2


def test_records_hold_no_personal_data(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    client.post(f"/api/v1/referrals/{referral.id}/accept", headers=bearer(secret, Idempotency_Key="a1"))
    record = db.session.scalar(select(IdempotencyRecord))
    assert (record.resource_kind, record.resource_id, record.problem) == ("referral", str(referral.id), None)
    text = repr(db.session.execute(select(IdempotencyRecord.__table__)).all())
    assert "Amira" not in text and "Al-Hassan" not in text


def test_malformed_keys_are_refused(client, make_token, make_referral, org):
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    for key in ("", "x" * 256, "with space", "é"):
        response = client.post(
            f"/api/v1/referrals/{referral.id}/accept", headers={**bearer(secret), "Idempotency-Key": key}
        )
        assert response.status_code == 400, key
        assert "Idempotency-Key" in problem_of(response)["errors"]
    db.session.expire_all()
    assert _count(ReferralEvent, ReferralEvent.action == "accept") == 0


def test_rate_limit_is_per_token(request, db_url, app, tmp_path, make_token, org):
    limited = second_app(
        request, db_url, tmp_path / "limited", RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute",
        BABEL_DEFAULT_LOCALE="en",
    )  # fmt: skip
    first, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    second, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    client = limited.test_client()
    statuses = [client.get("/api/v1/referrals", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/referrals", headers=bearer(first))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "wait" in problem_of(response)["detail"]
    assert client.get("/api/v1/referrals", headers=bearer(second)).status_code == 200
