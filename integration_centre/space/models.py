"""The personal link a person opens their space with, and the short sessions it starts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.space.request_models import SpaceRequest  # noqa: F401  # the person's requests (space-requests)


class SpaceLink(UUIDPrimaryKeyMixin, db.Model):
    """A personal link handed to a person by their office: a random token, stored hashed.

    One link is live per person: issuing a new one revokes the previous. Five wrong dates of birth
    lock it (``locked_at``) and the office is told; the office re-issues it.
    """

    __tablename__ = "space_link"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_live(self) -> bool:
        """Neither revoked nor locked."""
        return self.revoked_at is None and self.locked_at is None


class SpaceSession(db.Model):
    """A person's open space session; the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "space_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    link_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("space_link.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
