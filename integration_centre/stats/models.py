"""Statistics tables: anonymous facts and immutable releases.

No column here references a person, a case or a step: see the package docstring for what a fact
may hold and why it is enough to count people.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, SmallInteger, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.clock import utcnow
from integration_centre.database import UTCDateTime
from integration_centre.extensions import db


class Fact(db.Model):
    """One pathway event, anonymous: categories only, month/week precision, no identifier."""

    __tablename__ = "stats_fact"
    __table_args__ = (
        Index("ix_stats_fact_period_event", "period_month", "event_type"),
        Index("ix_stats_fact_centre_period", "centre_id", "period_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(40))
    step_code: Mapped[str | None] = mapped_column(String(40))
    period_month: Mapped[str] = mapped_column(String(7))  # "2026-07"
    iso_week: Mapped[str] = mapped_column(String(8))  # "2026-W28"
    cohort_month: Mapped[str | None] = mapped_column(String(7))
    age_band: Mapped[str] = mapped_column(String(8))
    sex: Mapped[str] = mapped_column(String(1))
    nationality_group: Mapped[str] = mapped_column(String(32))
    municipality_code: Mapped[str | None] = mapped_column(String(5))
    office_id: Mapped[int | None] = mapped_column(Integer)
    centre_id: Mapped[int | None] = mapped_column(Integer)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    dispensation_reason: Mapped[str | None] = mapped_column(String(40))
    residence_category: Mapped[str | None] = mapped_column(String(40))
    cefr_level: Mapped[str | None] = mapped_column(String(4))
    outcome: Mapped[str | None] = mapped_column(String(40))
    duration_days: Mapped[int | None] = mapped_column(Integer)
    # Casework (issue 16): the case's entry service and purpose, new or follow-up file, the
    # education level, and the nationality when it is one of the listed frequent ones (else "other").
    entry_channel: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(32))
    file_kind: Mapped[str | None] = mapped_column(String(16))
    education_level: Mapped[str | None] = mapped_column(String(24))
    nationality: Mapped[str | None] = mapped_column(String(8))
    milestone: Mapped[bool] = mapped_column(Boolean, default=True)
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)  # +1, or -1 for a retraction


class Release(db.Model):
    """A published set of protected tables for one period and scope; never updated.

    ``content`` is canonical JSON (sorted keys, no timestamps) holding every table with its
    labels and only the shown values — a hidden cell has no value stored. ``content_hash`` is its
    SHA-256. The live release of a (period, scope) is the most recent one.
    """

    __tablename__ = "stats_release"
    __table_args__ = (Index("ix_stats_release_period_scope", "period", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(Release, "before_update")
def _refuse_release_update(mapper, connection, target) -> None:
    raise ValueError("a statistics release is immutable: publish a new one instead")
