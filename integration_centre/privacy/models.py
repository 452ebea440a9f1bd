"""Tables owned by the privacy core: wrapped person keys, key checks, blind indexes, audit log,
restrictions of processing (and, from ``erasure_models``, the erasure ledger and audit anchor)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.erasure_models import AuditAnchor, ErasureLedgerEntry

__all__ = [
    "AuditAnchor",
    "AuditHead",
    "AuditRecord",
    "BlindIndexEntry",
    "ErasureLedgerEntry",
    "KeyCheck",
    "PersonKey",
    "Restriction",
]

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class PersonKey(db.Model):
    """A person's data key, stored only wrapped by a KEK of the keyring.

    ``wrapped`` is NULL once the key is destroyed (erasure by crypto-shredding); the row stays
    as a tombstone so a later read says "erased" rather than "missing".
    """

    __tablename__ = "privacy_person_key"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    kek_id: Mapped[str | None] = mapped_column(String(64), index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KeyCheck(db.Model):
    """A key-check value per KEK (a wrapped canary) and for the index and audit keys.

    At start the app verifies its keyring against these rows: a keyring that is not the one
    this database was written with is refused before anything is written.
    """

    __tablename__ = "privacy_key_check"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BlindIndexEntry(db.Model):
    """One truncated HMAC of a normalised value of a person, for exact-match search."""

    __tablename__ = "privacy_blind_index"
    __table_args__ = (
        # person_id first: it serves deletion by person, and leaves (index_name, value) as the
        # only index starting with index_name, so the planner uses it for lookups.
        UniqueConstraint("person_id", "index_name", "value", name="uq_privacy_blind_index_entry"),
        Index("ix_privacy_blind_index_lookup", "index_name", "value"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    index_name: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    value: Mapped[int] = mapped_column(BigInteger)


class AuditRecord(db.Model):
    """One audit event. Insert-only; each record's MAC chains over the previous one.

    Never holds personal data, ciphertext or index values: only codes and pseudonymous ids.
    """

    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    purpose: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The chain head (one row): its row lock serialises writers, and it detects a cut tail."""

    __tablename__ = "privacy_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    mac: Mapped[str] = mapped_column(String(64))


class Restriction(UUIDPrimaryKeyMixin, db.Model):
    """A restriction of processing (Art. 18): the file is read-only and hidden while active."""

    __tablename__ = "privacy_restriction"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("privacy_subject_request.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
