"""Workspace fixtures: the pathway's newcomer and case helpers, French messages (the default)."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.workspace import services
from tests.conftest import login
from tests.pathway.conftest import RECEPTION, agent, finish_reception, newcomer_data, other_agent, register

__all__ = ["RECEPTION", "agent", "finish_reception", "newcomer_data", "other_agent", "register"]


@pytest.fixture
def agent_client(app, agent):
    """A logged-in client of the test agent."""
    client = app.test_client()
    assert login(client, agent).status_code == 302
    return client


@pytest.fixture
def open_case(agent, register):
    """Factory: a newcomer registered and a case opened, started and scheduled (committed)."""

    def factory(on: date = date(2025, 3, 1), start: bool = True, **overrides):
        newcomer = register(**overrides)
        case = pathway.open_case(agent, newcomer, on=on)
        if start:
            pathway.transition_case(agent, case, "start", on=on)
        services.sync_schedule(agent, case)
        db.session.commit()
        return case

    return factory
