"""dashboard sort indexes

One index per dashboard sort on the case schedule, each covering every date a list filters on;
the schedule's copies of the case's opening date and last change become NOT NULL (filled from
the case first, for any row written before the sync hook set them). The operator inbox's listing
index puts the id right after the change time (the inbox order, read backwards without a sort).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:03:10.072881

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE workspace_case_schedule SET opened_on = (SELECT pathway_case.opened_on FROM pathway_case"
        " WHERE pathway_case.id = workspace_case_schedule.case_id) WHERE opened_on IS NULL"
    )
    op.execute(
        "UPDATE workspace_case_schedule SET last_change_at = (SELECT pathway_case.last_change_at FROM pathway_case"
        " WHERE pathway_case.id = workspace_case_schedule.case_id) WHERE last_change_at IS NULL"
    )
    with op.batch_alter_table('workspace_case_schedule', schema=None) as batch_op:
        batch_op.alter_column('opened_on',
               existing_type=sa.DATE(),
               nullable=False)
        batch_op.alter_column('last_change_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.drop_index(batch_op.f('ix_workspace_schedule_action_sorts'))
        batch_op.create_index('ix_workspace_schedule_action_sorts', ['office_id', 'next_action_on', 'case_id', 'opened_on', 'last_change_at', 'completion_deadline', 'next_evaluation_on'], unique=False)
        batch_op.drop_index(batch_op.f('ix_workspace_schedule_deadline_sorts'))
        batch_op.create_index('ix_workspace_schedule_deadline_sorts', ['office_id', 'completion_deadline', 'case_id', 'opened_on', 'last_change_at', 'next_action_on', 'next_evaluation_on'], unique=False)
        batch_op.drop_index(batch_op.f('ix_workspace_schedule_evaluation_sorts'))
        batch_op.create_index('ix_workspace_schedule_evaluation_sorts', ['office_id', 'next_evaluation_on', 'case_id', 'opened_on', 'last_change_at', 'completion_deadline', 'next_action_on'], unique=False)
        batch_op.create_index('ix_workspace_schedule_changed_sorts', ['office_id', 'last_change_at', 'case_id', 'completion_deadline', 'next_action_on', 'next_evaluation_on'], unique=False)
        batch_op.create_index('ix_workspace_schedule_opened_sorts', ['office_id', 'opened_on', 'case_id', 'completion_deadline', 'next_action_on', 'next_evaluation_on'], unique=False)



    with op.batch_alter_table('operator_referral', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_referral_listing')
        batch_op.create_index(
            'ix_operator_referral_listing', ['operator_id', 'updated_at', 'id', 'state', 'service_type'], unique=False
        )


def downgrade():
    with op.batch_alter_table('operator_referral', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_referral_listing')
        batch_op.create_index(
            'ix_operator_referral_listing', ['operator_id', 'updated_at', 'state', 'service_type', 'id'], unique=False
        )
    with op.batch_alter_table('workspace_case_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_workspace_schedule_opened_sorts')
        batch_op.drop_index('ix_workspace_schedule_changed_sorts')
        batch_op.drop_index('ix_workspace_schedule_evaluation_sorts')
        batch_op.create_index(batch_op.f('ix_workspace_schedule_evaluation_sorts'), ['office_id', 'next_evaluation_on', 'case_id', 'opened_on', 'last_change_at'], unique=False)
        batch_op.drop_index('ix_workspace_schedule_deadline_sorts')
        batch_op.create_index(batch_op.f('ix_workspace_schedule_deadline_sorts'), ['office_id', 'completion_deadline', 'case_id', 'opened_on', 'last_change_at'], unique=False)
        batch_op.drop_index('ix_workspace_schedule_action_sorts')
        batch_op.create_index(batch_op.f('ix_workspace_schedule_action_sorts'), ['office_id', 'next_action_on', 'case_id', 'opened_on', 'last_change_at'], unique=False)
        batch_op.alter_column('last_change_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.alter_column('opened_on',
               existing_type=sa.DATE(),
               nullable=True)

