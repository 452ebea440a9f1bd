"""What a person asks of their office from their space: one row per request.

Kinds: an appointment confirmed ("I will come"), an appointment to move, a new address, phone or
e-mail (applied only once an agent of the office confirms it), a data-protection request (filed
in the rights register; this row links to it). What the person wrote (preferred days, the new
contact details) is sealed under the person's key (``details``): it is crypto-shredded with the
person, and the rows themselves are deleted at erasure (``space.request_data``). What stays in
clear is bookkeeping: kind, status, codes, dates and pseudonymous ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.fields import EncryptedField

# The kinds of request (codes stored; labels in ``space.request_labels``).
APPOINTMENT_CONFIRMATION = "appointment_confirmation"
APPOINTMENT_MOVE = "appointment_move"
CONTACT_CHANGE = "contact_change"
RIGHTS_REQUEST = "rights_request"
REQUEST_KINDS = (APPOINTMENT_CONFIRMATION, APPOINTMENT_MOVE, CONTACT_CHANGE, RIGHTS_REQUEST)
# The kinds an agent of the office reviews (the others need no decision of the office).
REVIEWED_KINDS = (APPOINTMENT_MOVE, CONTACT_CHANGE)

# The states: a reviewed request is pending until the office moves/applies it or declines it;
# a confirmation is noted at once; a data-protection request is filed in the register.
PENDING = "pending"
DONE = "done"
DECLINED = "declined"
NOTED = "noted"
FILED = "filed"
REQUEST_STATUSES = (PENDING, DONE, DECLINED, NOTED, FILED)


class SpaceRequest(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One request of a person from their space, addressed to an office."""

    __tablename__ = "space_request"
    __table_args__ = (
        Index("ix_space_request_office_status", "office_id", "status"),
        Index("ix_space_request_person_status", "person_id", "status"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_appointment.id"), index=True)
    subject_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("privacy_subject_request.id"))
    reason: Mapped[str | None] = mapped_column(String(32))  # the person's reason to move (a code)
    decline_reason: Mapped[str | None] = mapped_column(String(32))  # the office's reason (a code)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    details_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    # {"preferred": "..."} for a move; {"address": ..., "phone": ..., "email": ...} for a change.
    details = EncryptedField("json")

    @property
    def is_pending(self) -> bool:
        """Waiting for the office's decision."""
        return self.status == PENDING
