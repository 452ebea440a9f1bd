"""network administration

Centres get an address and a territory (NIS codes); reception offices an address, structured
opening hours, a territory and an active flag; operator organisations an address and an active
flag; operator organisations' services get their own table.

Revision ID: 0005_network
Revises: 0004_auth
Create Date: 2026-12-02 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_network'
down_revision = '0004_auth'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('centre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('territory', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('opening_hours', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('territory', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('operator_organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        'operator_service',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('service_type', sa.String(length=64), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('schedule', sa.Text(), nullable=True),
        sa.Column('territory', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['operator_organisation.id'],
                                name=op.f('fk_operator_service_organisation_id_operator_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_service')),
    )
    with op.batch_alter_table('operator_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_service_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    # Plain DROP COLUMN (SQLite >= 3.35): a batch table copy would drop tables that other rows
    # still reference (operator_organisation, office, centre) and fail on their foreign keys.
    with op.batch_alter_table('operator_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_service_organisation_id'))
    op.drop_table('operator_service')
    for table, columns in (
        ('operator_organisation', ('is_active', 'address')),
        ('office', ('is_active', 'territory', 'opening_hours', 'address')),
        ('centre', ('territory', 'address')),
    ):
        for column in columns:
            op.drop_column(table, column)
