"""The erasure ledger: which persons were erased and when (person id and date only).

The same entries are appended to a file outside the database (``ERASURE_LEDGER_FILE``), so a
database restored from an older backup can be brought back in line (``privacy.erasure``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import UTCDateTime
from integration_centre.extensions import db


class ErasureLedgerEntry(db.Model):
    """One erased person: pseudonymous id, date, and how (request, retention, replay)."""

    __tablename__ = "privacy_erasure_ledger"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    erased_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ground: Mapped[str] = mapped_column(String(32))


class AuditAnchor(db.Model):
    """Where the audit chain starts after old records were purged (retention of the audit log).

    One row: the first kept sequence number and the MAC it chains from, sealed with an HMAC
    under the audit key, so cutting the head of the chain without the key is still detected.
    """

    __tablename__ = "privacy_audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_mac: Mapped[str] = mapped_column(String(64))
    purged_before: Mapped[datetime] = mapped_column(UTCDateTime())
    mac: Mapped[str] = mapped_column(String(64))
