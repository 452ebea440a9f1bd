"""Operators fixtures: an agent, operator users of two organisations, a case with a referable step."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from tests.pathway.conftest import finish_reception, newcomer_data

ON = date(2025, 4, 1)


@pytest.fixture(autouse=True)
def english_messages(request):
    """Assert on the English msgids (tests named ``*_translated`` keep the default French interface)."""
    if "app" in request.fixturenames and not request.node.name.endswith("_translated"):
        request.getfixturevalue("app").config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def agent(make_user):
    """An agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def operator_user(make_user, org):
    """An operator user of the organisation referrals go to."""
    return make_user(Role.OPERATOR, operator_id=org["operator"].id)


@pytest.fixture
def other_operator_user(make_user, org):
    """An operator user of another organisation."""
    return make_user(Role.OPERATOR, operator_id=org["other_operator"].id)


@pytest.fixture
def profiles(app, org, make_user):
    """Directory entries for both organisations."""
    admin = make_user(Role.ADMIN)
    services.save_profile(
        admin,
        org["operator"],
        services.ProfileData(
            service_types=["french_course", "citizenship"],
            municipalities=["92094"],
            languages=["fr", "ar"],
            formats=["day", "evening"],
            capacity=30,
            contact_email="ecole@test.example",
        ),
    )
    services.save_profile(
        admin,
        org["other_operator"],
        services.ProfileData(service_types=["orientation", "french_course"], capacity=5, languages=["fr"]),
    )
    db.session.commit()


@pytest.fixture
def case_ready(agent, org):
    """Factory: a case in progress whose reception is done (French course and citizenship referable)."""

    def factory(level: str = "A1", **overrides):
        newcomer = registration.register_newcomer(
            agent, newcomer_data(**overrides), org["office"], confirm_duplicate=True, today=date(2025, 3, 1)
        )
        case = pathway.open_case(agent, newcomer, on=date(2025, 3, 1))
        pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
        db.session.commit()
        finish_reception(agent, case, level=level)
        return case

    return factory


@pytest.fixture
def referral(agent, org, case_ready, profiles):
    """A referral of the French course to the test operator (sent, committed)."""
    case = case_ready()
    item = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    db.session.commit()
    return item
