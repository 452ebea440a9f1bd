"""account setup tokens

One-time setup links of administrators created by ``integration-centre users create-admin``:
only the SHA-256 of the random token is kept, with its expiry, the time the password was chosen
and the time the link was spent.

Revision ID: 0007_setup
Revises: 0006_tokens
Create Date: 2026-12-02 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_setup'
down_revision = '0006_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_setup_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_setup_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_setup_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_setup_token_token_hash'))
    )
    with op.batch_alter_table('account_setup_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_setup_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_setup_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_setup_token_user_id'))

    op.drop_table('account_setup_token')
