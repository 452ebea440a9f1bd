"""API fixtures: tokens for operator and agent accounts, a JSON client helper."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.api import tokens
from integration_centre.extensions import db
from integration_centre.operators import services as referrals
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from tests.pathway.conftest import finish_reception, newcomer_data

OPERATOR_SCOPES = ["referrals:read", "referrals:write"]
AGENT_SCOPES = ["newcomers:read", "newcomers:write", "cases:read", "cases:write"]


@pytest.fixture(autouse=True)
def english_messages(request):
    """Assert on the English msgids."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def make_token(make_user):
    """Factory: ``make_token(Role.OPERATOR, scopes=…, user=…)`` → (clear token, ApiToken)."""

    def factory(role: Role = Role.OPERATOR, *, scopes=None, user=None, lifetime_days: int = 30, **user_fields):
        user = user or make_user(role, **user_fields)
        if scopes is None:
            scopes = OPERATOR_SCOPES if user.role == Role.OPERATOR else AGENT_SCOPES
        created = tokens.create_token(user, f"test {user.email}", scopes, lifetime_days=lifetime_days)
        db.session.commit()
        return created.secret, created.token

    return factory


def bearer(secret: str, **extra) -> dict:
    """Headers for a token (and extra headers, ``Idempotency_Key`` spelled with underscores)."""
    headers = {"Authorization": f"Bearer {secret}"}
    headers.update({name.replace("_", "-"): value for name, value in extra.items()})
    return headers


ON = date(2025, 4, 1)


@pytest.fixture
def agent(make_user):
    """An agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def directory(app, org, make_user):
    """Directory entries for both organisations (so referrals can be sent)."""
    admin = make_user(Role.ADMIN)
    for organisation in (org["operator"], org["other_operator"]):
        referrals.save_profile(
            admin,
            organisation,
            referrals.ProfileData(
                service_types=["french_course", "citizenship", "orientation"],
                municipalities=["92094"],
                languages=["fr", "ar"],
                formats=["day", "evening"],
                capacity=100,
                contact_email="school@test.example",
            ),
        )
    db.session.commit()


@pytest.fixture
def make_referral(agent, org, directory):
    """Factory: a case in progress, reception done, its French course referred (committed).

    ``make_referral(operator="other_operator", **newcomer_overrides)``.
    """

    def factory(operator: str = "operator", step: str = "french_course", **overrides):
        newcomer = registration.register_newcomer(
            agent, newcomer_data(**overrides), org["office"], confirm_duplicate=True, today=date(2025, 3, 1)
        )
        case = pathway.open_case(agent, newcomer, on=date(2025, 3, 1))
        pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
        db.session.commit()
        finish_reception(agent, case)
        item = referrals.refer(agent, case, step, org[operator].id, on=ON)
        db.session.commit()
        return item

    return factory


def problem_of(response) -> dict:
    """The problem document of an error response (asserting its media type)."""
    assert response.content_type == "application/problem+json", (response.status_code, response.content_type)
    document = response.get_json()
    assert document["status"] == response.status_code
    assert document["detail"]
    return document
