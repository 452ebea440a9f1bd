"""space: the person's optional account (e-mail, password, optional TOTP) (issue 20)

One table: ``space_account`` — at most one per person; the e-mail address and the TOTP secret
encrypted under the person's key, a keyed digest of the address to find it at login, the
password as an argon2id hash.

Revision ID: 0019_space_accounts
Revises: 0018_space_requests
Create Date: 2026-12-03 16:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_space_accounts"
down_revision = "0018_space_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "space_account",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("email_ct", sa.LargeBinary(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret_ct", sa.LargeBinary(), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("totp_last_counter", sa.Integer(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["newcomer.id"], name=op.f("fk_space_account_person_id_newcomer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_account")),
        sa.UniqueConstraint("email_key", name=op.f("uq_space_account_email_key")),
        sa.UniqueConstraint("person_id", name=op.f("uq_space_account_person_id")),
    )


def downgrade():
    op.drop_table("space_account")
