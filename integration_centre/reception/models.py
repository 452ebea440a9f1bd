"""Reception module records: social assessment, information sessions, positioning tests,
procedure tasks, certificates of attendance and third-party notifications.

What stays in clear is bookkeeping (case, office, dates, codes). The social assessment is
special-category data: every domain is its own encrypted field under the person's key, never
indexed, never sent in an event, never exported. A certificate keeps in clear only what the
public verification page shows (code, issue date, issuing centre, revocation date); the modules
and the identity printed on it are an encrypted snapshot.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import Centre, User
from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.fields import EncryptedField

ASSESSMENT_DOMAINS = (
    "housing",
    "health",
    "children",
    "employment",
    "training",
    "diplomas",
    "family",
    "legal",
    "leisure",
)
NEED_LEVELS = ("none", "to_follow", "urgent")


class SocialAssessment(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """The social assessment of a case (one per case, updated in place).

    Each domain is an encrypted JSON value ``{"level": <NEED_LEVELS>, "detail": str}``.
    """

    __tablename__ = "reception_assessment"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    housing_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    health_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    children_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    employment_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    training_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    diplomas_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    legal_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    leisure_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    housing = EncryptedField("json", bucket=64)
    health = EncryptedField("json", bucket=64)
    children = EncryptedField("json", bucket=64)
    employment = EncryptedField("json", bucket=64)
    training = EncryptedField("json", bucket=64)
    diplomas = EncryptedField("json", bucket=64)
    family = EncryptedField("json", bucket=64)
    legal = EncryptedField("json", bucket=64)
    leisure = EncryptedField("json", bucket=64)
    notes = EncryptedField("str", bucket=64)

    recorded_by: Mapped[User | None] = relationship()


class InformationSession(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A rights-and-duties information session the person attended."""

    __tablename__ = "reception_information_session"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    held_on: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(16))
    themes: Mapped[list] = mapped_column(JSON, default=list)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    language_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    interpreter_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    language = EncryptedField("str", bucket=8)
    interpreter = EncryptedField("bool", bucket=8)


class PositioningTest(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A French positioning test result (the CEFR level is also the language step's result)."""

    __tablename__ = "reception_positioning_test"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(8))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    note = EncryptedField("str")


class ProcedureTask(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """Help with an administrative procedure: a task with a kind, a due date and a done date."""

    __tablename__ = "reception_procedure_task"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    title_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    title = EncryptedField("str")


class Certificate(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A certificate of attendance: code, issue date, centre and revocation in clear (what
    ``/verify/<code>`` shows); identity and modules as an encrypted snapshot."""

    __tablename__ = "reception_certificate"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    snapshot_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    revocation_note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    snapshot = EncryptedField("json")
    revocation_note = EncryptedField("str")

    centre: Mapped[Centre] = relationship()

    @property
    def is_revoked(self) -> bool:
        """True once revoked."""
        return self.revoked_at is not None


class ThirdPartyNotification(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A letter or export to the municipality or the CPAS in the outbox (minimal data, encrypted)."""

    __tablename__ = "reception_notification"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    payload = EncryptedField("json", bucket=64)
