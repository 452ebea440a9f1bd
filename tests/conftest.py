"""Fixture stack: one schema per test session, emptied after each test; clients per role.

The database is SQLite (a file in a temporary folder) unless ``TEST_DATABASE_URL`` names another
one (CI sets it to a fresh PostgreSQL database), so the same suite runs on both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from integration_centre import create_app
from integration_centre.accounts import services as account_services
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.extensions import db

TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-" + "x" * 48


def database_url(tmp_dir: Path) -> str:
    """The database for this test session."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite'}"


def is_postgres(url: str) -> bool:
    """True when ``url`` is a PostgreSQL URL."""
    return url.startswith("postgresql")


@contextmanager
def scratch_postgres_database(url: str, name: str) -> Iterator[str]:
    """Create an empty PostgreSQL database ``name`` on the server of ``url``; drop it afterwards."""
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_collection_modifyitems(config, items) -> None:
    """A test marked ``no_database`` (left out of CI's PostgreSQL pass) must not use the test
    database: refuse the run when one asks for ``db_url`` (directly or through ``app``…)."""
    wrong = [item.nodeid for item in items if item.get_closest_marker("no_database") and "db_url" in item.fixturenames]
    if wrong:
        raise pytest.UsageError(f"marked no_database but using the test database (db_url): {wrong}")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory, worker_id) -> Iterator[str]:
    """The URL of the test database (schema created once per session).

    Under pytest-xdist each worker gets its own database: a SQLite file in its own temporary
    folder, or a PostgreSQL database named after the worker (created here, dropped at the end).
    """
    url = database_url(tmp_path_factory.mktemp("db"))
    if not is_postgres(url) or worker_id == "master":
        yield url
        return
    with scratch_postgres_database(url, f"{make_url(url).database}_{worker_id}") as worker_url:
        yield worker_url


def make_app(db_url: str, instance: Path, **overrides) -> Flask:
    """Build a test application on ``db_url``; ``overrides`` are settings or Flask keys."""
    config = {
        "ENV": "testing",
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": TEST_SECRET_KEY,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheaper argon2id so hundreds of logins stay fast; production keeps the defaults.
        "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 8192, "parallelism": 1},
    }
    config.update(test_keyring_config(instance))
    config.update(overrides)
    return create_app(config)


def test_keyring_config(instance: Path) -> dict:
    """Settings that give the test app its keyring (filled in by the privacy core)."""
    from tests import keys

    return keys.keyring_settings(instance)


@pytest.fixture(scope="session")
def _schema(db_url, tmp_path_factory) -> Iterator[None]:
    app = make_app(db_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def empty_all_tables() -> None:
    """Delete every row (children first) so the next test starts from an empty schema."""
    engine = db.engine
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: truncating 60 tables takes about a second (new files, fsync)
            # where deleting the few rows a test wrote takes milliseconds. Sequences restart as
            # TRUNCATE ... RESTART IDENTITY would.
            connection.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))


@pytest.fixture
def app(db_url, _schema, tmp_path) -> Iterator[Flask]:
    """A test application on the session's database, emptied after the test."""
    application = make_app(db_url, tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def org(app):
    """A centre with an office and an operator organisation."""
    centre = Centre(code="CAI", name="Centre de Namur")
    db.session.add(centre)
    db.session.flush()
    office = Office(centre_id=centre.id, name="Bureau de Namur", municipality_code="92094")
    other_office = Office(centre_id=centre.id, name="Bureau de Dinant", municipality_code="91034")
    operator = OperatorOrganisation(name="École de Namur", centre_id=centre.id)
    other_operator = OperatorOrganisation(name="Forem Namur", centre_id=centre.id)
    db.session.add_all([office, other_office, operator, other_operator])
    db.session.commit()
    return {
        "centre": centre,
        "office": office,
        "other_office": other_office,
        "operator": operator,
        "other_operator": other_operator,
    }


@pytest.fixture
def make_user(app, org):
    """Factory: ``make_user(Role.AGENT, email=…)`` creates and commits a user."""
    counter = {"n": 0}

    def factory(role: Role = Role.AGENT, email: str | None = None, **fields) -> User:
        counter["n"] += 1
        user = account_services.create_user(
            email=email or f"{role.value}{counter['n']}@test.example",
            display_name=fields.pop("display_name", f"{role.value.title()} {counter['n']}"),
            role=role,
            password=fields.pop("password", TEST_PASSWORD),
            office_id=fields.pop("office_id", org["office"].id),
            operator_id=fields.pop("operator_id", org["operator"].id),
            centre_id=fields.pop("centre_id", org["centre"].id),
            must_change_password=fields.pop("must_change_password", False),
        )
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


def login(client: FlaskClient, user: User, password: str = TEST_PASSWORD, totp_code: str | None = None):
    """Log ``user`` in through the real login form (and the TOTP step when enrolled)."""
    response = client.post("/login", data={"email": user.email, "password": password})
    if user.totp_enabled:
        import pyotp

        code = totp_code or pyotp.TOTP(user.totp_secret).now()
        response = client.post("/login/code", data={"code": code})
    return response


@pytest.fixture
def login_as(app, make_user):
    """Factory: ``login_as(Role.AGENT)`` returns a logged-in client and its user."""

    def factory(role: Role = Role.AGENT, **fields) -> tuple[FlaskClient, User]:
        user = make_user(role, **fields)
        if role == Role.ADMIN and not user.totp_enabled:
            from integration_centre.accounts import totp

            totp.enable(user, totp.new_secret())
            db.session.commit()
        test_client = app.test_client()
        response = login(test_client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return test_client, user

    return factory


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)
