"""Fixtures of the data-subject rights tests: the pathway's newcomers and cases, an admin (DPO)."""

from __future__ import annotations

from datetime import date

import pytest

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.rights import requests as rights_requests
from tests.pathway.conftest import (  # noqa: F401  (fixtures shared with the pathway tests)
    agent,
    english_messages,
    newcomer_data,
    other_agent,
    register,
    started_case,
)

NISS = "95031400242"  # valid, matches 1995-03-14, F


@pytest.fixture
def admin(make_user):
    """The data protection officer: an admin."""
    return make_user(Role.ADMIN)


@pytest.fixture
def record(admin):
    """Factory: record (and commit) a request for a person."""

    def factory(person_id, kind="access", received_on=None, **kwargs):
        item = rights_requests.record_request(admin, person_id, kind, received_on or date.today(), **kwargs)
        db.session.commit()
        return item

    return factory
