"""The ``jobs`` table: one row per piece of background work, its state and progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class Job(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A job: ``kind`` says who runs it, ``payload`` holds ids and codes (no personal data).

    ``locked_by``/``locked_at`` name the worker running it; a lock older than the queue's
    ``STALE_LOCK`` is taken as a dead worker's and the job is offered again (``attempts`` counts).
    """

    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))  # an exception's class name, never a value
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
