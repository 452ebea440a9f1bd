"""The agent's workspace: deadline schedule, extensions, evaluation interviews, non-compliance.

``CaseSchedule`` is one row per case holding the dates the dashboard sorts and filters on
(completion deadline, report-by date, next evaluation, next action) with copies of the case's
opening date and last change to sort them by. They are pathway
bookkeeping dates, kept in clear like the case's own dates, so that the office dashboard is a
few indexed queries even with 100,000 persons; they are recomputed by
``workspace.schedule.sync_schedule`` from the encrypted permit-order and registration dates
whenever the case changes, whatever package changes it (``workspace.schedule_sync``). Free text
(extension notes, interview notes, non-compliance notes) is encrypted under the person's key.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import User
from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.pathway.models import Case
from integration_centre.privacy.fields import EncryptedField

NONCOMPLIANCE_STATUSES = ("notice_sent", "complied", "referred", "closed")
NONCOMPLIANCE_OUTCOMES = ("complied_late", "fine", "no_action", "case_closed", "withdrawn")

# The dashboard's "recently changed" and "my cases" lists read the case table by office: these
# indexes cover them (the status filter and the id are in the index, so neither the count nor the
# page of ids reads a table row; "my cases" is in last-change order, its default sort).
Index("ix_workspace_case_office_change_status", Case.office_id, Case.last_change_at, Case.status, Case.id)
Index(
    "ix_workspace_case_office_opener_change",
    Case.office_id,
    Case.opened_by_id,
    Case.last_change_at,
    Case.status,
    Case.id,
)
# Lists sorted by a case column (opening date, last change) join the page's candidates to their
# case by id: this index answers that join without reading the case rows.
Index("ix_workspace_case_id_sorts", Case.id, Case.opened_on, Case.last_change_at, Case.status)


class CaseSchedule(db.Model):
    """The dates of one case the dashboard works on (derived; see the module docstring)."""

    __tablename__ = "workspace_case_schedule"
    # One index per sort: (office, the sorted date, case), then every other date a list filters
    # on, so each list, in any of its sorts, is read in order from one index, without a sort or a
    # table row (the copies of the case's opening date and last change serve the last two sorts).
    __table_args__ = (
        Index(
            "ix_workspace_schedule_deadline_sorts",
            "office_id", "completion_deadline", "case_id", "opened_on", "last_change_at",
            "next_action_on", "next_evaluation_on",
        ),
        Index(
            "ix_workspace_schedule_evaluation_sorts",
            "office_id", "next_evaluation_on", "case_id", "opened_on", "last_change_at",
            "completion_deadline", "next_action_on",
        ),
        Index(
            "ix_workspace_schedule_action_sorts",
            "office_id", "next_action_on", "case_id", "opened_on", "last_change_at",
            "completion_deadline", "next_evaluation_on",
        ),
        Index(
            "ix_workspace_schedule_opened_sorts",
            "office_id", "opened_on", "case_id", "completion_deadline", "next_action_on", "next_evaluation_on",
        ),
        Index(
            "ix_workspace_schedule_changed_sorts",
            "office_id", "last_change_at", "case_id", "completion_deadline", "next_action_on", "next_evaluation_on",
        ),
    )  # fmt: skip

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    report_by: Mapped[date | None] = mapped_column(Date)
    completion_deadline: Mapped[date | None] = mapped_column(Date)
    next_evaluation_on: Mapped[date | None] = mapped_column(Date)
    next_action_on: Mapped[date | None] = mapped_column(Date)
    noncompliance_status: Mapped[str | None] = mapped_column(String(16))
    # Copies of the case's opening date and last change (for the date lists' other sorts).
    opened_on: Mapped[date] = mapped_column(Date)
    last_change_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()


class DeadlineExtension(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One extension of a case's completion deadline: ground, months, the new date, the agent."""

    __tablename__ = "workspace_deadline_extension"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    timeline_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    ground: Mapped[str] = mapped_column(String(32))  # coarse code (see pathway.reasons)
    ground_detail_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    months: Mapped[int] = mapped_column(Integer)
    previous_deadline: Mapped[date | None] = mapped_column(Date)
    new_deadline: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date] = mapped_column(Date)
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    ground_detail = EncryptedField("str", bucket=32)  # the precise ground when it is sensitive (illness…)
    note = EncryptedField("str")

    agent: Mapped[User] = relationship()


class EvaluationInterview(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """An evaluation interview held with the person (at least every six months)."""

    __tablename__ = "workspace_evaluation"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    notes_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    notes = EncryptedField("str")

    recorded_by: Mapped[User] = relationship()


class NoncomplianceProcedure(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """Non-compliance: notice sent, grace period, referral to the regional administration, outcome.

    For a person with a case, ``case_id`` is the case; for a person announced by a commune who
    never presented (no case), ``case_id`` is None and ``office_id`` is the office that received
    the announcement (the one the procedure belongs to in both cases).
    """

    __tablename__ = "workspace_noncompliance"

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    notice_sent_on: Mapped[date] = mapped_column(Date)
    grace_until: Mapped[date] = mapped_column(Date)
    referred_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    note = EncryptedField("str")

    opened_by: Mapped[User] = relationship()


class PersonEvent(UUIDPrimaryKeyMixin, db.Model):
    """The timeline of a person who has no case yet (announced, not presented): reminders sent,
    non-compliance steps. Codes only, like a case's timeline entries; the office it belongs to."""

    __tablename__ = "workspace_person_event"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(64))  # a code (the outcome, the channel)

    actor: Mapped[User | None] = relationship()


def register() -> None:
    """Declare the extension's ground as a reason column: a health-related ground is kept coarse
    in clear, precise in its encrypted field."""
    reasons.register_column(DeadlineExtension, "ground", "ground_detail")
