"""Fixtures of the privacy tests: the test-only tables and an actor."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import pytest

from integration_centre.extensions import db
from integration_centre.privacy.context import Actor
from tests.privacy.models import Person, TestBase

AGENT = Actor(id="7", role="agent")


@pytest.fixture
def tables(app) -> Iterator[None]:
    """Create the test-only tables (own metadata) for one test, then drop them."""
    TestBase.metadata.create_all(db.engine)
    yield
    db.session.rollback()
    TestBase.metadata.drop_all(db.engine)


@pytest.fixture
def actor() -> Actor:
    """An agent acting in the tests."""
    return AGENT


def new_person(**fields) -> Person:
    """A person row with a fresh id, fields assigned inside a "create" access context."""
    from integration_centre.privacy.access import access

    person = Person(id=uuid.uuid4())
    with access(AGENT, "test.create", [person.id], action="create"):
        for name, value in fields.items():
            setattr(person, name, value)
    db.session.add(person)
    return person


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect after each test so a leaked connection is reported against the test that leaked it."""
    yield
    gc.collect()
