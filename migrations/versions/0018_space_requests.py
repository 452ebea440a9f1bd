"""space requests: what a person asks of their office from their space (issue 20)

One table, ``space_request`` (an appointment confirmed or to move, a new address/phone/e-mail
waiting for the office's confirmation, a data-protection request filed in the register; what
the person wrote sealed under their key), and the channel of a data-subject request
(``privacy_subject_request.channel``: NULL at the desk, ``space`` from the person's space).

Revision ID: 0018_space_requests
Revises: 0017_space
Create Date: 2026-12-03 15:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_space_requests"
down_revision = "0017_space"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "space_request",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("subject_request_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("details_ct", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["agenda_appointment.id"], name=op.f("fk_space_request_appointment_id_agenda_appointment")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_space_request_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name=op.f("fk_space_request_office_id_office")),
        sa.ForeignKeyConstraint(["person_id"], ["newcomer.id"], name=op.f("fk_space_request_person_id_newcomer")),
        sa.ForeignKeyConstraint(
            ["subject_request_id"],
            ["privacy_subject_request.id"],
            name=op.f("fk_space_request_subject_request_id_privacy_subject_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_request")),
    )
    with op.batch_alter_table("space_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_request_appointment_id"), ["appointment_id"], unique=False)
        batch_op.create_index("ix_space_request_office_status", ["office_id", "status"], unique=False)
        batch_op.create_index("ix_space_request_person_status", ["person_id", "status"], unique=False)

    with op.batch_alter_table("privacy_subject_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("privacy_subject_request", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("space_request", schema=None) as batch_op:
        batch_op.drop_index("ix_space_request_person_status")
        batch_op.drop_index("ix_space_request_office_status")
        batch_op.drop_index(batch_op.f("ix_space_request_appointment_id"))
    op.drop_table("space_request")
