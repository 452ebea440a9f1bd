"""Criterion 3 (operator and API parts): a social assessment whose every domain and note holds a
marker never appears on any page an operator can open, nor in any API response (operator and
office tokens). Every GET page open to operators and every API endpoint of the URL map is called,
so a new one fails here until it is exercised."""

from __future__ import annotations

import uuid
from datetime import date

from flask import current_app, url_for

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import allowed_roles
from integration_centre.extensions import db
from integration_centre.operators import services as operators
from integration_centre.operators.models import Referral
from integration_centre.reception import services
from tests.api.conftest import bearer, make_token  # noqa: F401 - fixture
from tests.conftest import login
from tests.privacy.markers import find_markers
from tests.reception.helpers import do_reception
from tests.reception.test_data_minimisation import ALL_MARKERS, seed_assessment

NEED_WORDS = ["Urgent need", "Need to follow up", "Besoin urgent", "Dringende nood"]


def _seed(agent, started_case, org):
    case = started_case(family_name="Tesfay", given_names="Mebrat")
    do_reception(agent, case)
    seed_assessment(agent, case, on=date(2025, 3, 6))
    db.session.commit()
    assert all(m in repr(services.assessment_for(agent, case)) for m in ALL_MARKERS)
    referral = operators.refer(agent, case, "citizenship", org["operator"].id, on=date(2025, 3, 7))
    db.session.commit()
    return case, referral


def _arguments(rule, values: dict) -> dict:
    """URL parameters: the seeded objects where the name is known, else a value of the right type."""
    arguments = {}
    for name in rule.arguments:
        converter = type(rule._converters.get(name)).__name__
        dummy = uuid.uuid4() if converter == "UUIDConverter" else 1 if converter == "IntegerConverter" else "x"
        arguments[name] = values.get(name, dummy)
    return arguments


def _scan(body: bytes, where: str) -> None:
    assert find_markers(body, ALL_MARKERS) == [], where
    text = body.decode("utf-8", "replace")
    for word in NEED_WORDS:
        assert word not in text, (where, word)


def test_no_operator_page_shows_the_assessment(app, client, agent, started_case, org, make_user):
    case, referral = _seed(agent, started_case, org)
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    login(client, operator)
    visited: set[str] = set()
    values = {"referral_id": referral.id, "case_id": case.id, "newcomer_id": case.person_id}
    for rule in app.url_map.iter_rules():
        roles = allowed_roles(rule.endpoint)
        if "GET" not in rule.methods or roles is None or Role.OPERATOR not in roles:
            continue
        if rule.endpoint in ("accounts.logout",):
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **_arguments(rule, values))
        response = client.get(path)
        assert response.status_code < 500, path
        _scan(response.get_data(), path)
        visited.add(rule.endpoint)
    assert "operators.referral" in visited and "operators.inbox" in visited
    # Searches and every action form an operator posts.
    reference = db.session.get(Referral, referral.id).reference
    found = client.post("/operator/referrals/search", data={"reference": reference}, follow_redirects=True)
    assert found.status_code == 200 and reference in found.get_data(as_text=True)
    assert "TESFAY, Mebrat" in found.get_data(as_text=True)  # the operator's page shows the name ("NOM, Prénom")
    _scan(found.get_data(), "search by reference")
    refused = client.post("/operator/referrals/search", data={"reference": "Tesfay"}, follow_redirects=True)
    _scan(refused.get_data(), "search refused")
    base = f"/operator/referrals/{referral.id}"
    for action, data in (
        ("accept", {}),
        ("start", {}),
        ("attendance", {"hours": "60", "sessions": "12", "attended_from": "2025-03-10"}),
        ("complete", {"result": "aoc"}),
    ):
        response = client.post(f"{base}/{action}", data=data, follow_redirects=True)
        assert response.status_code < 500, action
        _scan(response.get_data(), action)
    # The agent's own case page does show it (the scan would have found a leak).
    own = app.test_client()
    login(own, agent)
    assert all(m in own.get(f"/cases/{case.id}/reception/assessment").get_data(as_text=True) for m in ALL_MARKERS)


def test_no_api_response_carries_the_assessment(app, client, agent, started_case, org, make_token):  # noqa: F811
    case, referral = _seed(agent, started_case, org)
    operator_token, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    office_token, _ = make_token(Role.AGENT, user=agent)
    adapter = current_app.url_map.bind("localhost")
    called: set[str] = set()

    def call(method: str, path: str, secret: str, payload=None):
        response = client.open(path, method=method, json=payload, headers=bearer(secret))
        assert response.status_code < 500, (method, path)
        _scan(response.get_data(), f"{method} {path}")
        called.add(adapter.match(path.split("?")[0], method=method)[0])
        return response

    referral_path = f"/api/v1/referrals/{referral.id}"
    values = {"referral_id": referral.id, "case_id": case.id, "newcomer_id": case.person_id}
    api_gets = [
        rule
        for rule in current_app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "GET" in rule.methods and rule.endpoint != "api.openapi_page"
    ]
    assert api_gets
    for secret in (operator_token, office_token):
        for rule in api_gets:  # every API read, whatever is added later
            with current_app.test_request_context():
                call("GET", url_for(rule.endpoint, **_arguments(rule, values)), secret)
        call("GET", "/api/v1/referrals?state=sent", secret)
        call("POST", "/api/v1/newcomers/search", secret, {"family_name": "Tesfay", "given_names": "Mebrat",
                                                          "date_of_birth": "1995-03-14"})  # fmt: skip
    assert call("GET", f"/api/v1/cases/{case.id}", office_token).status_code == 200  # real data was scanned
    assert call("GET", referral_path, operator_token).status_code == 200
    call("POST", f"{referral_path}/accept", operator_token)
    call("POST", f"{referral_path}/attendance", operator_token, {"sessions": 10, "hours": 60})
    call("POST", f"{referral_path}/complete", operator_token, {"result": "aoc"})
    call("POST", f"{referral_path}/decline", operator_token, {"reason": "no_places"})
    call("POST", f"{referral_path}/abandon", operator_token, {"reason": "work"})
    call("POST", f"/api/v1/newcomers/{case.person_id}/cases", office_token, {})
    call("POST", "/api/v1/newcomers", office_token, {"family_name": "X"})
    assert {rule.endpoint for rule in api_gets} <= called
    assert {"api.get_referral", "api.get_case", "api.list_referrals", "api.search_newcomers"} <= called, sorted(called)
