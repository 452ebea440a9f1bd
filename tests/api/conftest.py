"""API fixtures: tokens for operator and agent accounts, a JSON client helper."""

from __future__ import annotations

import pytest

from integration_centre.accounts.models import Role
from integration_centre.api import tokens
from integration_centre.extensions import db

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
