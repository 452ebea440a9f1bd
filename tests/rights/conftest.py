"""Fixtures of the admin's audit log tests: English messages, an administrator, a registered person."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration
from tests.pathway.conftest import newcomer_data


@pytest.fixture(autouse=True)
def english_messages(app):
    """Assert on the English msgids (the French catalogs are filled separately)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def admin(login_as):
    """A logged-in administrator: (client, user)."""
    return login_as(Role.ADMIN, display_name="Dana Admin")


@pytest.fixture
def person(make_user, org):
    """A newcomer registered by an agent of the test office (committed)."""
    agent = make_user(Role.AGENT, display_name="Alex Agent")
    newcomer = registration.register_newcomer(
        agent,
        newcomer_data(family_name="Zylberstein", given_names="Ottilie"),
        org["office"],
        confirm_duplicate=True,
        today=date(2028, 1, 1),
    )
    db.session.commit()
    return agent, newcomer
