"""Models and migrations agree; upgrade → downgrade → upgrade works (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from integration_centre.extensions import db
from tests.conftest import is_postgres, make_app, scratch_postgres_database


@pytest.fixture
def fresh_database_url(db_url, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the test database."""
    if not is_postgres(db_url):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    with scratch_postgres_database(db_url, f"{make_url(db_url).database}_migrations") as url:
        yield url


@pytest.fixture
def migration_app(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, tmp_path)
    with app.app_context():
        yield app
        db.engine.dispose()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def test_single_head(migration_app):
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_models_and_migrations_agree(migration_app):
    upgrade()
    assert _differences() == []


def test_upgrade_downgrade_upgrade(migration_app):
    upgrade()
    tables_after_upgrade = set(inspect(db.engine).get_table_names())
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(inspect(db.engine).get_table_names()) == tables_after_upgrade
    assert _differences() == []
