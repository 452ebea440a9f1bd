"""intake: the in-file duplicate keys of a running import (issue 18, flat memory)

One new table: ``intake_seen_key`` holds, while an import runs, each duplicate key met in its file
(a keyed hash, never a value in clear) with the first line holding it; the keys of a run are
deleted when it ends. It replaces an index in memory that grew with the file.

Revision ID: 0016_batch_import
Revises: 0015_import_jobs
Create Date: 2026-12-03 11:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_batch_import'
down_revision = '0015_import_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_seen_key',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['intake_run.id'], name=op.f('fk_intake_seen_key_run_id_intake_run')),
    sa.PrimaryKeyConstraint('run_id', 'key', name=op.f('pk_intake_seen_key'))
    )


def downgrade():
    op.drop_table('intake_seen_key')
