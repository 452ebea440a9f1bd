"""Demo API tokens: what the admin's token page looks like in use. Their values are never printed
(they are thrown away at creation): an integration gets its own token from the admin page or
``integration-centre api token create``. Idempotent: nothing is added when a token exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from integration_centre.accounts.models import Role, User
from integration_centre.api import tokens
from integration_centre.api.models import ApiToken
from integration_centre.clock import utcnow
from integration_centre.extensions import db

OPERATOR_SCOPES = ["referrals:read", "referrals:write"]
OFFICE_SCOPES = ["newcomers:read", "newcomers:write"]
DEMO_TOKENS = [
    # (account e-mail, name, scopes, days, used hours ago or None, revoked)
    ("operator@demo.example", "Plateforme de cours de l'école (démo)", OPERATOR_SCOPES, 365, 3, False),
    ("operator@demo.example", "Ancien export tableur (démo)", ["referrals:read"], 180, 900, True),
    ("agent@demo.example", "Registre de la population de Namur (démo)", OFFICE_SCOPES, 365, 26, False),
]


def load(report) -> None:
    """Create the demo tokens for the demo operator and agent (values discarded)."""
    if db.session.scalar(select(func.count()).select_from(ApiToken)):
        return
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
    for email, name, scopes, days, used_hours_ago, revoked in DEMO_TOKENS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or user.role not in (Role.OPERATOR, Role.AGENT):
            continue
        token = tokens.create_token(user, name, scopes, lifetime_days=days, acting=admin).token
        if used_hours_ago is not None:
            token.last_used_at = utcnow() - timedelta(hours=used_hours_ago)
        if revoked:
            tokens.revoke_token(token, acting=admin)
        report.count("API tokens")
