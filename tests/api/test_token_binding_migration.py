"""Migration 0006_tokens: existing tokens and sessions get their user's current role and attachment."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from integration_centre.extensions import db
from tests.test_migrations import fresh_database_url, migration_app  # noqa: F401  (fixtures)

NOW = "2026-01-01 00:00:00"


def test_existing_tokens_and_sessions_are_bound_to_their_users_current_access(migration_app):  # noqa: F811
    upgrade(revision="0005_network")
    statements = [
        "INSERT INTO centre (id, code, name, mfa_required, created_at, updated_at)"
        " VALUES (1, 'C', 'Centre', false, :now, :now)",
        "INSERT INTO operator_organisation (id, name, centre_id, created_at, updated_at)"
        " VALUES (7, 'School', 1, :now, :now)",
        "INSERT INTO user_account (id, email, display_name, role, password_hash, password_changed_at,"
        " must_change_password, is_enabled, centre_id, operator_id, totp_enabled, created_at, updated_at)"
        " VALUES (3, 'op@test.example', 'Op', 'operator', 'x', :now, false, true, 1, 7, false, :now, :now)",
        "INSERT INTO api_token (id, prefix, secret_hash, name, user_id, scopes, created_at, expires_at)"
        " VALUES (5, 'abc', 'h', 'lms', 3, '[]', :now, :now)",
        "INSERT INTO user_session (id, user_id, created_at, last_seen_at, authenticated_at)"
        " VALUES ('s1', 3, :now, :now, :now)",
    ]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": NOW})
    upgrade()
    with db.engine.connect() as connection:
        token = connection.execute(
            text("SELECT bound_role, bound_office_id, bound_operator_id, revoked_reason FROM api_token")
        ).one()
        session = connection.execute(
            text("SELECT bound_role, bound_office_id, bound_operator_id, bound_centre_id FROM user_session")
        ).one()
    assert tuple(token) == ("operator", None, 7, None)
    assert tuple(session) == ("operator", None, 7, 1)
    downgrade(revision="0005_network")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
