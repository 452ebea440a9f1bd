"""Fixtures of the erasure, retention and backup tests: agents, persons at chosen stages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration, services
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.registration import PERSONAL_FIELDS
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from tests.pathway.conftest import newcomer_data

ADMIN_ACTOR = Actor.system("test")
PDF = services.UploadedDocument("contrat.pdf", "application/pdf", b"%PDF-1.4 employment contract of the person")


@pytest.fixture(autouse=True)
def english_messages(app):
    """Assert on the English msgids."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def agent(make_user):
    """An agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def person(agent, org):
    """Factory: register (and commit) a newcomer; ``stage`` none | open | closed | completed_doc."""

    def factory(family_name: str, given_names: str = "Amira", *, stage: str = "none", ended: date = date(2025, 3, 1),
                **overrides) -> Newcomer:  # fmt: skip
        newcomer = registration.register_newcomer(
            agent,
            newcomer_data(family_name=family_name, given_names=given_names, **overrides),
            org["office"],
            confirm_duplicate=True,
            today=date(2025, 2, 20),
        )
        if stage != "none":
            case = services.open_case(agent, newcomer, on=date(2025, 2, 25))
            if stage in {"closed", "closed_doc"}:
                if stage == "closed_doc":
                    services.record_dispensation(agent, newcomer, "work", date(2025, 2, 26), case=case, document=PDF)
                services.transition_case(agent, case, "close", reason="moved_away", on=ended)
        db.session.commit()
        return newcomer

    return factory


def read_fields(person_id) -> dict:
    """Every personal field of a newcomer, decrypted (fresh from the database)."""
    db.session.expire_all()
    row = db.session.get(Newcomer, person_id)
    with access(ADMIN_ACTOR, "test.read", [person_id]):
        return {name: getattr(row, name) for name in PERSONAL_FIELDS}


def person_ids() -> list:
    """Every newcomer id."""
    return list(db.session.scalars(select(Newcomer.id).order_by(Newcomer.id)))
