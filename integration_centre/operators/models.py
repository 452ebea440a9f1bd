"""The partner directory, referrals to partner operators, their history, and the e-mail outbox.

Nothing here holds personal data in clear: a referral points at a case step (ids, codes, dates,
hours, CEFR level); the person's contact details are read from the encrypted newcomer file when
an operator opens the referral (``services.operator_view``). Outbox messages name no person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import OperatorOrganisation, User
from integration_centre.clock import utcnow
from integration_centre.core.outbox import OutboxMessage  # noqa: F401 — moved to core, re-exported
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db


class OperatorProfile(TimestampMixin, db.Model):
    """The directory entry of one operator organisation (one row per organisation)."""

    __tablename__ = "operator_profile"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("operator_organisation.id", ondelete="CASCADE"), primary_key=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    service_types: Mapped[list] = mapped_column(JSON, default=list)
    municipalities: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    formats: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(200))
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[OperatorOrganisation] = relationship()


class OperatorService(TimestampMixin, db.Model):
    """One service an organisation offers: a service type, its places, languages, schedule, area.

    Once an organisation has services, its directory entry's services, places, languages and
    municipalities are derived from them (``network.sync_profile``).
    """

    __tablename__ = "operator_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("operator_organisation.id", ondelete="CASCADE"), index=True)
    service_type: Mapped[str] = mapped_column(String(64))
    places: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    schedule: Mapped[str | None] = mapped_column(Text)
    territory: Mapped[list] = mapped_column(JSON, default=list)

    organisation: Mapped[OperatorOrganisation] = relationship()


class ReferralSequence(db.Model):
    """The last reference number given per year (``R-2026-000123``)."""

    __tablename__ = "operator_referral_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Referral(UUIDPrimaryKeyMixin, db.Model):
    """A case step referred to an operator organisation, and what the operator reported."""

    __tablename__ = "operator_referral"
    __table_args__ = (
        Index("ix_operator_referral_inbox", "operator_id", "state", "updated_at"),
        # The inbox lists page by page in this order (change time, then id, both read backwards);
        # state and service are read from the index.
        Index("ix_operator_referral_listing", "operator_id", "updated_at", "id", "state", "service_type"),
        # The inbox filtered by service counts and lists from this index alone.
        Index("ix_operator_referral_service", "operator_id", "service_type", "state", "updated_at", "id"),
    )

    reference: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_step.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator_organisation.id"))
    step_code: Mapped[str] = mapped_column(String(64))
    service_type: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[date | None] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    attended_from: Mapped[date | None] = mapped_column(Date)
    attended_until: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(32))
    course_format: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    operator: Mapped[OperatorOrganisation] = relationship()
    history: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.at", cascade="all, delete-orphan"
    )


class ReferralEvent(UUIDPrimaryKeyMixin, db.Model):
    """One change of a referral (its own history, shown to the operator and the agent)."""

    __tablename__ = "operator_referral_event"
    __table_args__ = (Index("ix_operator_referral_event_office_at", "office_id", "actor_role", "at"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operator_referral.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    sessions: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(String(32))

    referral: Mapped[Referral] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


class UpdatesSeen(db.Model):
    """When an agent last acknowledged the operator updates of their office (dashboard panel)."""

    __tablename__ = "operator_updates_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
