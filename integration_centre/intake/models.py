"""The import's tables: named column mappings (presets), import runs and their reports, and one
fingerprint per imported row (idempotence).

Nothing here holds personal data in clear: a mapping holds column headers and field codes; a
run's report holds line numbers, field codes and reasons; a row fingerprint is a keyed hash
(HMAC-SHA256 under a key derived from the keyring, truncated to 128 bits) of the row's
normalised values, linked to the file it created so that erasure and merges can follow it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import Office
from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.jobs import models as _jobs_models  # noqa: F401 - the jobs table (foreign key)


class ImportMapping(TimestampMixin, db.Model):
    """A named preset for one source (a commune's list, an old spreadsheet) of one office:
    which column feeds which field, and the values used when the file has no such column."""

    __tablename__ = "intake_mapping"
    __table_args__ = (UniqueConstraint("office_id", "name", name="uq_intake_mapping_office_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # {normalised column header: field code}; a header mapped to "" is ignored on purpose.
    columns: Mapped[dict] = mapped_column(JSON, default=dict)
    # {field code: value} for fields the file does not carry (e.g. residence_category).
    defaults: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    office: Mapped[Office] = relationship()


class ImportRun(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One dry run or import of one file at one office, with its report (codes and line numbers)."""

    __tablename__ = "intake_run"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("intake_mapping.id", ondelete="SET NULL"))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # running, completed, failed (a batch could not be written), interrupted (found running later)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    file_digest: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the file's bytes
    source_kind: Mapped[str] = mapped_column(String(8))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    batches_committed: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportedRow(db.Model):
    """A row already written by an import: its fingerprint, the file it created, where it came from."""

    __tablename__ = "intake_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_run.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)


class ImportSeenKey(db.Model):
    """A duplicate key met in the file of a run still going, with the first line holding it.

    The in-file duplicate check keeps its keys here rather than in memory, so that the memory of
    an import stays flat whatever the number of rows. A key is a keyed hash (63 bits, HMAC-SHA256
    under a key derived from the keyring) of a NISS or of a normalised family name with a date of
    birth, never a value in clear; the keys of a run are deleted when it ends (or is found
    interrupted).
    """

    __tablename__ = "intake_seen_key"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_run.id"), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    line: Mapped[int] = mapped_column(Integer)


# An upload's life: uploaded → (checking →) checked (dry run shown) → queued/running → completed | failed;
# abandoned when the agent cancels it or it stayed unfinished too long (its file is then deleted).
UPLOAD_STATUSES = ("uploaded", "checking", "checked", "queued", "running", "completed", "failed", "abandoned")
OPEN_STATUSES = ("uploaded", "checked")


class ImportUpload(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A list uploaded through the import pages, from upload to the end of its import.

    The file itself is kept sealed in the import store (``intake.staging``): AES-256-GCM under a
    random key of its own, stored here wrapped by the keyring; the key and the file are destroyed
    when the import ends or is abandoned. The file name is sealed too (it may name someone).
    """

    __tablename__ = "intake_upload"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    filename_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once the file is destroyed
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    source_kind: Mapped[str] = mapped_column(String(8), default="csv")
    rows_estimated: Mapped[int | None] = mapped_column(Integer)
    # [{"header": column header, "field": field code or ""}], in the file's order: the mapping chosen.
    columns: Mapped[list] = mapped_column(JSON, default=list)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("intake_mapping.id", ondelete="SET NULL"))
    dry_run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intake_run.id"))
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intake_run.id"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    dry_run: Mapped[ImportRun | None] = relationship(foreign_keys=[dry_run_id])
    run: Mapped[ImportRun | None] = relationship(foreign_keys=[run_id])
