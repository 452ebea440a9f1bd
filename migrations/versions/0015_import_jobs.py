"""background jobs and import uploads (issue 18)

The ``jobs`` queue of the background worker (kind, payload of ids, status, progress, attempts,
lock), and ``intake_upload``: a list uploaded through the import pages, kept sealed until its
import ends (the row holds the file's wrapped key, the chosen columns and the runs).

Revision ID: 0015_import_jobs
Revises: 0014_interpreters
Create Date: 2026-12-03 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_import_jobs'
down_revision = '0014_interpreters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=80), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)

    op.create_table('intake_upload',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filename_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=8), nullable=False),
    sa.Column('rows_estimated', sa.Integer(), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('mapping_id', sa.Integer(), nullable=True),
    sa.Column('dry_run_id', sa.Uuid(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_intake_upload_actor_id_user_account')),
    sa.ForeignKeyConstraint(['dry_run_id'], ['intake_run.id'], name=op.f('fk_intake_upload_dry_run_id_intake_run')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_intake_upload_job_id_jobs')),
    sa.ForeignKeyConstraint(['mapping_id'], ['intake_mapping.id'], name=op.f('fk_intake_upload_mapping_id_intake_mapping'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_intake_upload_office_id_office')),
    sa.ForeignKeyConstraint(['run_id'], ['intake_run.id'], name=op.f('fk_intake_upload_run_id_intake_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_upload'))
    )
    with op.batch_alter_table('intake_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_upload_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_upload_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_upload_status'))
        batch_op.drop_index(batch_op.f('ix_intake_upload_office_id'))

    op.drop_table('intake_upload')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_jobs_kind'))

    op.drop_table('jobs')
