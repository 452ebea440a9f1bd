"""Fixtures of the person's space: a registered person, their personal link, an open space."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.space import links
from tests.conftest import csrf_token_from
from tests.pathway.conftest import newcomer_data

BIRTH_DATE = date(1995, 3, 14)


@pytest.fixture(autouse=True)
def english_messages(app):
    """Assert on the English msgids."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def person(make_user, org):
    """A newcomer registered by an agent of the test office: (agent, newcomer)."""
    agent = make_user(Role.AGENT, display_name="Alex Agent")
    # Preferred language English: the space opens in it, so pages read the msgids
    # (tests/space/test_languages.py sets Arabic where it tests the person's language).
    data = newcomer_data(date_of_birth=BIRTH_DATE, preferred_language="en")
    newcomer = registration.register_newcomer(
        agent, data, org["office"], confirm_duplicate=True, today=date(2026, 1, 1)
    )
    db.session.commit()
    return agent, newcomer


@pytest.fixture
def link(person, org):
    """A personal link of the person: (link, token)."""
    agent, newcomer = person
    issued = links.issue(newcomer.id, office_id=org["office"].id, issued_by_id=agent.id)
    db.session.commit()
    return issued


def open_space(client, token: str, birth_date: date = BIRTH_DATE):
    """Open the link in ``client`` with a date of birth; returns the POST's response."""
    page = client.get(f"/my/link/{token}")
    assert page.status_code == 200, page.status_code
    return client.post(
        f"/my/link/{token}",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "birth_date": birth_date.isoformat()},
    )


@pytest.fixture
def space(app, link):
    """A client inside the person's space."""
    client = app.test_client()
    response = open_space(client, link[1])
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/"), response.status_code
    return client


@pytest.fixture(autouse=True)
def quick_answers(app):
    """No answer floor for a date of birth in tests (``tests/space/test_enumeration.py`` sets one)."""
    app.config["SPACE_LINK_MIN_SECONDS"] = 0
