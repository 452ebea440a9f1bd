"""Tables of the data-protection desk: notice versions, notice given, requests, exports and
rectification history (restrictions are privacy's own table).

Free text about a person (answers, reasons, previous values, export files) is encrypted under
the person's key, so it is crypto-shredded with the person. What stays in clear is bookkeeping:
kinds, states, dates and pseudonymous ids.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.fields import EncryptedField

REQUEST_KINDS = ("access", "rectification", "erasure", "restriction", "objection", "portability")
REQUEST_STATUSES = ("received", "in_progress", "extended", "answered", "refused")
OPEN_STATUSES = ("received", "in_progress", "extended")
# How a request reached the register: recorded at the desk (None) or filed by the person in
# their own space ("space").
REQUEST_CHANNELS = ("space",)


class NoticeVersion(db.Model):
    """One version of the privacy notice: its text in each language (not personal data)."""

    __tablename__ = "privacy_notice_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)  # {language: {"title": ..., "body": ...}}
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    change_note: Mapped[str | None] = mapped_column(String(200))


class NoticeGiven(UUIDPrimaryKeyMixin, db.Model):
    """The privacy notice was given to a person: when, which version; the language encrypted."""

    __tablename__ = "privacy_notice_given"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    given_on: Mapped[date] = mapped_column(Date)
    notice_version: Mapped[int] = mapped_column(ForeignKey("privacy_notice_version.version"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    language_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    language = EncryptedField("str", bucket=8)


class SubjectRequest(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A data-subject request (GDPR Art. 15-21) and its handling; one month to answer."""

    __tablename__ = "privacy_subject_request"
    __table_args__ = (UniqueConstraint("reference", name="uq_privacy_subject_request_reference"),)

    reference: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_months: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    channel: Mapped[str | None] = mapped_column(String(16))  # None: recorded at the desk
    details_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    extension_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    answer_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    details = EncryptedField("str")
    extension_reason = EncryptedField("str")
    answer = EncryptedField("str")

    @property
    def is_open(self) -> bool:
        """Still to be answered."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        """Open and past its deadline."""
        return self.is_open and self.due_on < today


class ExportFile(UUIDPrimaryKeyMixin, db.Model):
    """An access/portability export waiting for its single download by the admin who made it."""

    __tablename__ = "privacy_export_file"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("privacy_subject_request.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))  # "json" | "pdf"
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    size: Mapped[int] = mapped_column(Integer, default=0)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    content = EncryptedField("str")  # JSON text, or the PDF base64-encoded


class RectificationEntry(UUIDPrimaryKeyMixin, db.Model):
    """A rectified field: the previous and the new value, encrypted (Art. 16 history)."""

    __tablename__ = "privacy_rectification"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("privacy_subject_request.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    rectified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    previous_value_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    new_value_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    previous_value = EncryptedField("json")
    new_value = EncryptedField("json")
