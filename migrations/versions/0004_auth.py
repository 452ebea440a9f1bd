"""auth hardening: TOTP secrets sealed, recovery codes keyed, login throttle without lock-out

Issue 15, finding 3: ``user_account.totp_secret`` (base32 in clear) becomes
``totp_secret_ct``, the secret sealed with AES-256-GCM under the keyring's derived key
"totp-secret" and bound to the user id; every ``recovery_code.code_hash`` (a plain SHA-256)
becomes an HMAC of that digest under the keyring's derived key "recovery-code", bound to the
user, so the codes already printed keep working.

The conversion needs the keyring: the migration runs inside the application (Flask-Migrate),
whose start-up loaded the keyring and checked it against the database's key-check values, and
uses the privacy core's versioned formats (``crypto.seal_secret`` / ``keyed_digest``, format 1,
never changed in place). On SQLite the rows are rewritten with ``secure_delete`` on and the WAL
is checkpointed and truncated at the end, so the clear secrets do not linger in free pages or
old WAL frames.

Issue 15, finding 7: ``login_attempt.source_key`` (digest of the address or device cookie),
``login_known_source`` (where each user completed a login) and ``login_alert`` (repeated
failures shown to the administrators).

Downgrade decrypts the secrets back into ``totp_secret``; keyed digests cannot be turned back
into the old plain digests, so the recovery codes are deleted (users make new ones on their
security page).

Revision ID: 0004_auth
Revises: 0003
Create Date: 2026-12-02 11:20:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0004_auth'
down_revision = '0003'
branch_labels = None
depends_on = None

TOTP_PURPOSE = "totp-secret"
RECOVERY_PURPOSE = "recovery-code"

users = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("totp_secret", sa.String),
    sa.column("totp_secret_ct", sa.LargeBinary),
)
codes = sa.table(
    "recovery_code", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer), sa.column("code_hash", sa.String)
)


def _keyring(bind):
    """The application's keyring, checked against this database (fail closed)."""
    from integration_centre.privacy import runtime

    state = current_app.extensions[runtime.EXTENSION]
    if not state.verified:
        runtime.verify(state.keyring, bind)
    return state.keyring


def _owner(user_id) -> str:
    return f"user_account:{user_id}"


def _write_index_check(bind, ring) -> None:
    """The index key's check value (the derived keys come from it): a wrong keyring is then
    refused at start instead of failing at the first login."""
    checks = sa.table(
        "privacy_key_check",
        sa.column("name", sa.String),
        sa.column("value", sa.LargeBinary),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    if bind.execute(sa.select(checks.c.name).where(checks.c.name == "index")).first() is None:
        now = datetime.now(UTC)
        bind.execute(checks.insert().values(name="index", value=ring.check_value("index"), created_at=now))


def _secure_delete(bind, on: bool) -> None:
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")


def _scrub_sqlite_wal(bind) -> None:
    """Copy the WAL into the database and truncate it (outside the migration's transaction)."""
    if bind.dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        bind.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _create_throttle_tables():
    """Issue 15, finding 7: the source of each login attempt, the devices and addresses users
    logged in from, and the alerts of repeated failures."""
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_key', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_attempt_source_key'), ['source_key'], unique=False)
    op.create_table('login_known_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_known_source_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_known_source')),
    sa.UniqueConstraint('user_id', 'source_key', name=op.f('uq_login_known_source_user_id'))
    )
    with op.batch_alter_table('login_known_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_known_source_user_id'), ['user_id'], unique=False)
    op.create_table('login_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('sources', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seen_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['seen_by_id'], ['user_account.id'], name=op.f('fk_login_alert_seen_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_alert_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_alert'))
    )
    with op.batch_alter_table('login_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_alert_user_id'), ['user_id'], unique=False)


def _drop_throttle_tables():
    with op.batch_alter_table('login_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_alert_user_id'))
    op.drop_table('login_alert')
    with op.batch_alter_table('login_known_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_known_source_user_id'))
    op.drop_table('login_known_source')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_source_key'))
        batch_op.drop_column('source_key')


def upgrade():
    from integration_centre.privacy import crypto

    _create_throttle_tables()
    bind = op.get_bind()
    _secure_delete(bind, True)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_ct', sa.LargeBinary(), nullable=True))
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))).all()
    code_rows = bind.execute(sa.select(codes.c.id, codes.c.user_id, codes.c.code_hash)).all()
    if rows or code_rows:
        ring = _keyring(bind)
        _write_index_check(bind, ring)
        totp_key, code_key = ring.derived_key(TOTP_PURPOSE), ring.derived_key(RECOVERY_PURPOSE)
        for user_id, secret in rows:
            sealed = crypto.seal_secret(totp_key, secret.encode(), purpose=TOTP_PURPOSE, bound_to=_owner(user_id))
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret_ct=sealed, totp_secret=None))
        for code_id, user_id, digest in code_rows:
            keyed = crypto.keyed_digest(
                code_key, bytes.fromhex(digest), purpose=RECOVERY_PURPOSE, bound_to=_owner(user_id)
            )
            bind.execute(codes.update().where(codes.c.id == code_id).values(code_hash=keyed))
    # Native ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), never a table copy: dropping the old
    # user_account table would cascade to its recovery codes and sessions.
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret')
    _secure_delete(bind, False)
    _scrub_sqlite_wal(bind)


def downgrade():
    from integration_centre.privacy import crypto

    bind = op.get_bind()
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
    rows = bind.execute(
        sa.select(users.c.id, users.c.totp_secret_ct).where(users.c.totp_secret_ct.is_not(None))
    ).all()
    if rows:
        key = _keyring(bind).derived_key(TOTP_PURPOSE)
        for user_id, sealed in rows:
            secret = crypto.open_secret(key, bytes(sealed), purpose=TOTP_PURPOSE, bound_to=_owner(user_id))
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=secret.decode()))
    bind.execute(codes.delete())
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret_ct')
    _drop_throttle_tables()
