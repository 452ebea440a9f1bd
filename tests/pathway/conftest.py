"""Pathway fixtures: agents, a registered newcomer, cases at a chosen stage."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration, services
from integration_centre.pathway.registration import NewcomerData


@pytest.fixture(autouse=True)
def english_messages(request):
    """Assert on the English msgids: French catalogs evolve independently of these tests."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
    return None


def newcomer_data(**overrides) -> NewcomerData:
    """A valid obliged newcomer (Syrian refugee, 30 years old, permit ordered in 2025)."""
    values = {
        "family_name": "Al-Hassan",
        "given_names": "Amira",
        "date_of_birth": date(1995, 3, 14),
        "sex": "F",
        "nationality": "SY",
        "residence_category": "refugee",
        "permit_order_date": date(2025, 2, 3),
        "registration_date": date(2025, 2, 10),
        "municipality_code": "92094",
        "address": "Rue de Fer 12, 5000 Namur",
        "phone": "+32 470 12 34 56",
        "email": "amira@example.org",
        "languages": ["ar", "en"],
        "preferred_language": "ar",
        "interpreter_language": "ar",
        "education_level": "upper_secondary",
    }
    values.update(overrides)
    return NewcomerData(**values)


@pytest.fixture
def agent(make_user):
    """An agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def other_agent(make_user, org):
    """An agent of another office."""
    return make_user(Role.AGENT, office_id=org["other_office"].id)


@pytest.fixture
def register(agent, org):
    """Factory: register (and commit) a newcomer at the agent's office."""

    def factory(today: date = date(2028, 1, 1), **overrides):
        newcomer = registration.register_newcomer(
            agent, newcomer_data(**overrides), org["office"], confirm_duplicate=True, today=today
        )
        db.session.commit()
        return newcomer

    return factory


@pytest.fixture
def started_case(agent, register):
    """Factory: an open case moved to in progress (committed)."""

    def factory(on: date = date(2025, 3, 1), **overrides):
        newcomer = register(**overrides)
        case = services.open_case(agent, newcomer, on=on)
        services.transition_case(agent, case, "start", on=on)
        db.session.commit()
        return case

    return factory


RECEPTION = ("social_assessment", "rights_and_duties", "language_test", "admin_help")


def finish_reception(agent, case, *, level: str = "A1", on: date = date(2025, 3, 5)) -> None:
    """Complete the reception module and sign the agreement (Wallonia definitions)."""
    from integration_centre.pathway.services import StepChange, transition_step

    for code in RECEPTION:
        transition_step(agent, case, code, "start", on=on)
        result = level if code == "language_test" else None
        transition_step(agent, case, code, "complete", StepChange(result=result), on=on)
    transition_step(agent, case, "agreement", "start", on=on)
    transition_step(agent, case, "agreement", "complete", StepChange(evidence=("signed_agreement",)), on=on)
    db.session.commit()
