"""space: the newcomer's personal links and space sessions (issue 20)

Two tables: ``space_link`` (a personal link: the SHA-256 of a random token, the office that issued
it, revocation, failed dates of birth and the lock) and ``space_session`` (a short server-side
session opened with a link).

Revision ID: 0017_space
Revises: 0016_batch_import
Create Date: 2026-12-03 15:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_space"
down_revision = "0016_batch_import"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "space_link",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["user_account.id"], name=op.f("fk_space_link_issued_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name=op.f("fk_space_link_office_id_office")),
        sa.ForeignKeyConstraint(["person_id"], ["newcomer.id"], name=op.f("fk_space_link_person_id_newcomer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_link")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_space_link_token_digest")),
    )
    with op.batch_alter_table("space_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_link_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_space_link_person_id"), ["person_id"], unique=False)

    op.create_table(
        "space_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["space_link.id"], name=op.f("fk_space_session_link_id_space_link")),
        sa.ForeignKeyConstraint(["person_id"], ["newcomer.id"], name=op.f("fk_space_session_person_id_newcomer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_session")),
    )
    with op.batch_alter_table("space_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_session_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_space_session_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("space_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_session_person_id"))
        batch_op.drop_index(batch_op.f("ix_space_session_link_id"))
    op.drop_table("space_session")
    with op.batch_alter_table("space_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_link_person_id"))
        batch_op.drop_index(batch_op.f("ix_space_link_office_id"))
    op.drop_table("space_link")
