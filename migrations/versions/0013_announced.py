"""workspace: non-compliance without a case; the timeline of a person without a case (issue 18)

The non-compliance procedure may run for a person announced by a commune who never presented
(``case_id`` nullable, ``office_id`` the office it belongs to, filled from the case for the
existing rows). ``workspace_person_event``: codes only (reminders, procedure steps).

Revision ID: 0013_announced
Revises: 0012_appointments
Create Date: 2026-12-03 11:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_announced'
down_revision = '0012_appointments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workspace_person_event',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_workspace_person_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_workspace_person_event_office_id_office')),
    sa.ForeignKeyConstraint(['person_id'], ['newcomer.id'], name=op.f('fk_workspace_person_event_person_id_newcomer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace_person_event'))
    )
    with op.batch_alter_table('workspace_person_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_person_event_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workspace_person_event_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('workspace_noncompliance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f('ix_workspace_noncompliance_office_id'), ['office_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_workspace_noncompliance_office_id_office'), 'office', ['office_id'], ['id'])
    op.execute(
        "UPDATE workspace_noncompliance SET office_id = "
        "(SELECT office_id FROM pathway_case WHERE pathway_case.id = workspace_noncompliance.case_id)"
    )


def downgrade():
    op.execute("DELETE FROM workspace_noncompliance WHERE case_id IS NULL")
    with op.batch_alter_table('workspace_noncompliance', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workspace_noncompliance_office_id_office'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_workspace_noncompliance_office_id'))
        batch_op.alter_column('case_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('office_id')

    with op.batch_alter_table('workspace_person_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_person_event_person_id'))
        batch_op.drop_index(batch_op.f('ix_workspace_person_event_office_id'))

    op.drop_table('workspace_person_event')
