"""API tokens and login sessions bound to the role and attachment they were granted for

Issue 15, finding 4: a token (and a session) records the role, office and organisation (and,
for sessions, the centre) of its user when it was created; a change of any of them revokes it.
Existing tokens and sessions get their user's current values. Tokens also record why they were
revoked.

Revision ID: 0006_tokens
Revises: 0005_network
Create Date: 2026-12-02 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_tokens'
down_revision = '0005_network'
branch_labels = None
depends_on = None


def _fill(table: str, columns: dict[str, str]) -> None:
    """Copy the user's current values into ``table``'s new columns (``column: user column``)."""
    assignments = ", ".join(
        f"{column} = (SELECT user_account.{source} FROM user_account WHERE user_account.id = {table}.user_id)"
        for column, source in columns.items()
    )
    op.execute(f"UPDATE {table} SET {assignments}")


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('bound_role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('bound_office_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bound_operator_id', sa.Integer(), nullable=True))
    _fill('api_token', {'bound_role': 'role', 'bound_office_id': 'office_id', 'bound_operator_id': 'operator_id'})
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('bound_role', existing_type=sa.String(length=16), nullable=False)

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bound_role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('bound_office_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bound_operator_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bound_centre_id', sa.Integer(), nullable=True))
    _fill(
        'user_session',
        {
            'bound_role': 'role',
            'bound_office_id': 'office_id',
            'bound_operator_id': 'operator_id',
            'bound_centre_id': 'centre_id',
        },
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.alter_column('bound_role', existing_type=sa.String(length=16), nullable=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('bound_centre_id')
        batch_op.drop_column('bound_operator_id')
        batch_op.drop_column('bound_office_id')
        batch_op.drop_column('bound_role')

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('bound_operator_id')
        batch_op.drop_column('bound_office_id')
        batch_op.drop_column('bound_role')
        batch_op.drop_column('revoked_reason')
