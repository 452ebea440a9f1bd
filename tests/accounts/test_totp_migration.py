"""Issue 15, finding 3: the migration encrypts the TOTP secrets already stored in clear and
re-keys the recovery-code digests; nothing readable stays in the SQLite file, its WAL or a dump.
The downgrade decrypts the secrets back (the recovery codes cannot be un-keyed: they are dropped
and the users make new ones)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from integration_centre.accounts import totp
from integration_centre.accounts.models import User
from integration_centre.extensions import db
from tests.accounts.test_totp_at_rest import leaks
from tests.conftest import is_postgres, make_app, scratch_postgres_database
from tests.privacy.markers import database_bytes

REVISION = "0004_auth"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LEGACY_CODE = "a1b2c-3d4e5"


@pytest.fixture
def fresh_database_url(db_url, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the test database."""
    if not is_postgres(db_url):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    with scratch_postgres_database(db_url, f"{make_url(db_url).database}_totp_migration") as url:
        yield url


@pytest.fixture
def migration_app(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _previous_revision(app) -> str:
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script.get_revision(REVISION).down_revision


def _insert_legacy_user() -> int:
    """A user as the code before the migration stored it: secret in clear, SHA-256 code digests."""
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    users = sa.table(
        "user_account",
        *(sa.column(name) for name in ("email", "display_name", "role", "password_hash", "must_change_password")),
        *(sa.column(name) for name in ("is_enabled", "totp_secret", "totp_enabled")),
        sa.column("password_changed_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    codes = sa.table("recovery_code", sa.column("user_id"), sa.column("code_hash"))
    with db.engine.begin() as connection:
        legacy = {
            "email": "admin@legacy.example",
            "display_name": "Legacy admin",
            "role": "ADMIN",
            "password_hash": "x",
            "must_change_password": False,
            "is_enabled": True,
            "totp_secret": SECRET,
            "totp_enabled": True,
            "password_changed_at": now,
            "created_at": now,
            "updated_at": now,
        }
        connection.execute(users.insert().values(**legacy))
        user_id = connection.execute(sa.text("SELECT id FROM user_account")).scalar_one()
        digest = hashlib.sha256(LEGACY_CODE.replace("-", "").encode()).hexdigest()
        connection.execute(codes.insert().values(user_id=user_id, code_hash=digest))
    return user_id


def test_migration_encrypts_existing_secrets_and_recovery_codes(migration_app, fresh_database_url):
    previous = _previous_revision(migration_app)
    upgrade(revision=previous)
    user_id = _insert_legacy_user()

    upgrade(revision=REVISION)

    user = db.session.get(User, user_id)
    assert user.totp_secret == SECRET
    assert totp.verify_and_consume(user, pyotp.TOTP(SECRET).now())
    assert totp.use_recovery_code(user, LEGACY_CODE.upper())  # the user's printed code still works once
    assert not totp.use_recovery_code(user, LEGACY_CODE)
    db.session.commit()
    db.session.remove()
    blob = database_bytes(fresh_database_url)  # the SQLite file and its WAL, or a pg_dump
    assert leaks(blob, SECRET) == []
    assert hashlib.sha256(LEGACY_CODE.replace("-", "").encode()).hexdigest().encode() not in blob

    downgrade(revision=previous)
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT totp_secret FROM user_account")).scalar_one() == SECRET
        assert connection.execute(sa.text("SELECT count(*) FROM recovery_code")).scalar_one() == 0
    upgrade()
    db.session.remove()
    assert db.session.get(User, user_id).totp_secret == SECRET
