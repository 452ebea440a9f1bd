"""The erasure ledger: which persons were erased and when (person id and date only).

The same entries are appended to a file outside the database (``ERASURE_LEDGER_FILE``), so a
database restored from an older backup can be brought back in line (``privacy.erasure``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.db import UTCDateTime, utcnow
from integration_centre.extensions import db


class ErasureLedgerEntry(db.Model):
    """One erased person: pseudonymous id, date, and how (request, retention, replay)."""

    __tablename__ = "privacy_erasure_ledger"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    erased_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ground: Mapped[str] = mapped_column(String(32))
