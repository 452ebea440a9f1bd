"""Acceptance 5: malformed JSON, wrong types, unknown fields, wrong media type and huge bodies get a
4xx problem+json with a clear detail (and field errors), and nothing is written."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from integration_centre.accounts.models import Role
from tests.accounts.helpers import fr, row_counts
from tests.api.conftest import bearer, problem_of

NEWCOMER = {
    "family_name": "Durand",
    "given_names": "Léa",
    "date_of_birth": "1990-05-17",
    "sex": "F",
    "nationality": "CD",
    "residence_category": "family_reunification",
    "permit_order_date": "2025-02-03",
}

CASES = [
    # (path kind, body bytes or json, content type, status, field expected in errors or None)
    ("attendance", b'{"sessions": 3, "hours": ', "application/json", 400, None),
    ("attendance", b"\xff\xfe not utf-8", "application/json", 400, None),
    ("attendance", {"sessions": "ten", "hours": "many"}, None, 422, "sessions"),
    ("attendance", {"sessions": 3.5, "hours": 2}, None, 422, "sessions"),
    ("attendance", {"sessions": -1, "hours": 2}, None, 422, "sessions"),
    ("attendance", {"sessions": 3, "hours": 2, "bonus": True}, None, 422, "bonus"),
    ("attendance", {"sessions": 3, "hours": 2, "attended_from": "yesterday"}, None, 422, "attended_from"),
    ("attendance", {"sessions": 3, "hours": "NaN"}, None, 422, "hours"),
    ("attendance", [1, 2, 3], None, 422, "_body"),
    ("attendance", b'{"sessions": 3, "hours": 2}', "text/plain", 415, None),
    ("attendance", b"", "application/json", 400, None),
    ("decline", {"reason": 42}, None, 422, "reason"),
    ("decline", {"reason": "no_places", "expected_version": "1"}, None, 422, "expected_version"),
    ("complete", {"result": "A2", "course_format": "telepathy"}, None, 422, "course_format"),
    ("newcomers", {**NEWCOMER, "date_of_birth": "17/05/1990"}, None, 422, "date_of_birth"),
    ("newcomers", {**NEWCOMER, "sex": "female"}, None, 422, "sex"),
    ("newcomers", {**NEWCOMER, "favourite_colour": "blue"}, None, 422, "favourite_colour"),
    ("newcomers", {k: v for k, v in NEWCOMER.items() if k != "family_name"}, None, 422, "family_name"),
    ("newcomers", {**NEWCOMER, "nationality": "BE"}, None, 422, "nationality"),
    ("newcomers", {**NEWCOMER, "niss": "12345678901"}, None, 422, "niss"),
    ("newcomers", {**NEWCOMER, "date_of_birth": "2999-01-01"}, None, 422, "date_of_birth"),
    ("search", {"niss": "90051700000", "family_name": "Durand"}, None, 422, "_schema"),
    ("search", {"family_name": "Durand"}, None, 422, "given_names"),
    ("search", {"niss": "not a number"}, None, 422, "niss"),
]


@pytest.fixture
def targets(make_token, make_referral, org):
    referral = make_referral()
    operator_secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    agent_secret, _ = make_token(Role.AGENT)
    paths = {
        "attendance": (f"/api/v1/referrals/{referral.id}/attendance", operator_secret),
        "decline": (f"/api/v1/referrals/{referral.id}/decline", operator_secret),
        "complete": (f"/api/v1/referrals/{referral.id}/complete", operator_secret),
        "newcomers": ("/api/v1/newcomers", agent_secret),
        "search": ("/api/v1/newcomers/search", agent_secret),
    }
    return paths


@pytest.mark.parametrize(("kind", "payload", "content_type", "status", "field"), CASES)
def test_bad_input_is_refused_without_writing(client, targets, kind, payload, content_type, status, field):
    path, secret = targets[kind]
    before = row_counts()
    if isinstance(payload, bytes):
        response = client.post(path, data=payload, content_type=content_type, headers=bearer(secret))
    else:
        response = client.post(path, json=payload, headers=bearer(secret, Idempotency_Key=f"bad-{kind}"))
    assert response.status_code == status, response.get_json()
    document = problem_of(response)
    if field is not None:
        assert field in document["errors"], document
        assert all(message for message in document["errors"][field])
    assert row_counts() == before


def test_huge_bodies_get_413_before_anything_is_read(client, targets):
    path, secret = targets["attendance"]
    before = row_counts()
    huge = b'{"sessions": 1, "hours": 1, "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post(path, data=huge, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 413
    assert "limit" in problem_of(response)["detail"]
    path, secret = targets["newcomers"]
    response = client.post(path, data=huge, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 413
    assert row_counts() == before


def test_unknown_api_paths_and_methods_answer_problems(client, targets):
    _path, secret = targets["newcomers"]
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert missing.status_code == 404
    problem_of(missing)
    wrong_method = client.delete("/api/v1/newcomers", headers=bearer(secret))
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    problem_of(wrong_method)


def test_problems_are_translated(app, client, targets):
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    refresh()  # the test's application context cached the English catalog
    path, secret = targets["decline"]
    response = client.post(path, json={"expected_version": "x"}, headers=bearer(secret))
    document = problem_of(response)
    assert document["errors"]["reason"] == [fr("This field is required.")] == ["Ce champ est obligatoire."]
    assert document["errors"]["expected_version"] == [fr("Enter a whole number.")]
    assert document["detail"] == fr("Some fields are invalid: see errors.") != "Some fields are invalid: see errors."
