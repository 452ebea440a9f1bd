"""Issue 15, finding 10c: which scope each API endpoint requires, as one declared table.

Every ``/api/v1`` endpoint of ``app.url_map`` must be in ``REQUIRED_SCOPES`` (a new endpoint
without an entry fails here). For each endpoint with a scope, a token of the endpoint's account
kind holding every other scope of that kind but not this one gets 403 ``insufficient_scope``;
the same token with the scope added does not get 403. A mutant declaring ``open case`` with
``cases:read`` (or any other weaker scope) fails this test.
"""

from __future__ import annotations

import pytest
from flask import url_for

from integration_centre.accounts.models import Role
from integration_centre.api import tokens
from tests.api.conftest import bearer

PUBLIC = "public"  # no token needed
ANY_TOKEN = "any token"  # a token of either kind, whatever its scopes

# endpoint -> (required scope, account kind of the token)
REQUIRED_SCOPES: dict[str, tuple[str, Role | None]] = {
    "api.openapi_document": (PUBLIC, None),
    "api.openapi_page": (PUBLIC, None),
    "api.token_info": (ANY_TOKEN, None),
    "api.create_newcomer": ("newcomers:write", Role.AGENT),
    "api.search_newcomers": ("newcomers:read", Role.AGENT),
    "api.open_case": ("cases:write", Role.AGENT),
    "api.get_case": ("cases:read", Role.AGENT),
    "api.list_referrals": ("referrals:read", Role.OPERATOR),
    "api.get_referral": ("referrals:read", Role.OPERATOR),
    "api.accept_referral": ("referrals:write", Role.OPERATOR),
    "api.decline_referral": ("referrals:write", Role.OPERATOR),
    "api.post_attendance": ("referrals:write", Role.OPERATOR),
    "api.complete_referral": ("referrals:write", Role.OPERATOR),
    "api.abandon_referral": ("referrals:write", Role.OPERATOR),
}
BODIES = {
    "api.create_newcomer": {},
    "api.search_newcomers": {"niss": "85073003328"},
    "api.decline_referral": {"reason": "no_places"},
    "api.post_attendance": {"sessions": 1, "hours": 2},
    "api.abandon_referral": {"reason": "never_came"},
}


def _api_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture
def seeded(app, make_referral, make_user, org):
    """A referral to the test organisation (its case and newcomer belong to the test office)."""
    referral = make_referral()
    return {"referral_id": referral.id, "case_id": referral.case_id, "newcomer_id": referral.person_id}


def _url(app, rule, seeded) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: seeded[name] for name in rule.arguments})


def _call(client, method: str, url: str, endpoint: str, secret: str | None):
    headers = bearer(secret) if secret else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, json=BODIES.get(endpoint, {}), headers=headers)


def test_every_api_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in _api_rules(app)}
    assert endpoints - set(REQUIRED_SCOPES) == set(), "declare the scope of the new API endpoint here"
    assert set(REQUIRED_SCOPES) - endpoints == set(), "remove the entry of an endpoint that no longer exists"
    for scope, kind in REQUIRED_SCOPES.values():
        assert scope in (PUBLIC, ANY_TOKEN) or (scope in tokens.SCOPES and scope in tokens.ROLE_SCOPES[kind])


def test_a_token_lacking_exactly_the_required_scope_gets_403(app, client, make_token, make_user, seeded, org):
    users = {
        Role.OPERATOR: make_user(Role.OPERATOR, operator_id=org["operator"].id),
        Role.AGENT: make_user(Role.AGENT, office_id=org["office"].id),
    }
    checked = 0
    for rule in _api_rules(app):
        scope, kind = REQUIRED_SCOPES[rule.endpoint]
        if scope in (PUBLIC, ANY_TOKEN):
            continue
        url = _url(app, rule, seeded)
        others = [s for s in tokens.ROLE_SCOPES[kind] if s != scope]
        lacking, _ = make_token(kind, user=users[kind], scopes=others)
        holding, _ = make_token(kind, user=users[kind], scopes=[*others, scope])
        for method in _methods(rule):
            refused = _call(client, method, url, rule.endpoint, lacking)
            assert refused.status_code == 403, (rule.endpoint, method, refused.status_code)
            assert refused.get_json()["code"] == "insufficient_scope", rule.endpoint
            assert scope in refused.headers["WWW-Authenticate"], rule.endpoint
            allowed = _call(client, method, url, rule.endpoint, holding)
            assert allowed.status_code not in (401, 403), (rule.endpoint, method, allowed.get_json())
            checked += 1
    assert checked == sum(1 for _s, kind in REQUIRED_SCOPES.values() if kind is not None)


def test_public_endpoints_need_no_token_and_token_info_takes_any_token(app, client, make_token, seeded, org):
    for rule in _api_rules(app):
        scope, _kind = REQUIRED_SCOPES[rule.endpoint]
        url = _url(app, rule, seeded)
        if scope == PUBLIC:
            assert client.get(url).status_code == 200, rule.endpoint
        elif scope == ANY_TOKEN:
            assert client.get(url).status_code == 401, rule.endpoint
            for kind in (Role.OPERATOR, Role.AGENT):
                for single in tokens.ROLE_SCOPES[kind]:
                    secret, _ = make_token(kind, scopes=[single])
                    assert client.get(url, headers=bearer(secret)).status_code == 200, (rule.endpoint, single)
