"""Newcomers, cases, steps, timeline entries, dispensations and evidence documents.

Every personal field is an ``EncryptedField`` (privacy core): the ``*_ct`` columns hold
ciphertext bound to table, column, row and person; reading or writing needs an open access
context. What stays in clear is pathway bookkeeping (codes, states, dates of transitions, office
ids), never a name, a number or free text about the person. Statistical attributes are derived
from the encrypted fields when an event is emitted, never stored in clear.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import Office, User
from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.pathway.states import CaseStatus, Participation, StepState
from integration_centre.privacy.blobs import EncryptedFileField
from integration_centre.privacy.fields import EncryptedField

SEXES = ("F", "M", "X")
RESIDENCE_CATEGORIES = (
    "refugee",
    "subsidiary_protection",
    "regularisation_9bis",
    "regularisation_9ter",
    "family_reunification",
    "family_of_eu_citizen",
    "temporary_protection",
    "work",
    "study",
    "other",
)
EDUCATION_LEVELS = ("none", "primary", "lower_secondary", "upper_secondary", "higher", "unknown")


def _enum(kind) -> Enum:
    return Enum(
        kind, native_enum=False, length=16, validate_strings=True, values_callable=lambda e: [m.value for m in e]
    )


class Newcomer(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A person (the data subject). All personal fields are encrypted under the person's key."""

    __tablename__ = "newcomer"
    __privacy_person_attr__ = "id"

    registered_by_office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)

    family_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    given_names_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    sex_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    nationality_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    niss_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    municipality_code_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    languages_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    preferred_language_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    interpreter_language_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    residence_category_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    permit_order_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    permit_validity_months_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    registration_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    education_level_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    family_name = EncryptedField("str")
    given_names = EncryptedField("str")
    date_of_birth = EncryptedField("date")
    sex = EncryptedField("str", bucket=8)
    nationality = EncryptedField("str", bucket=8)
    niss = EncryptedField("str", bucket=16)
    address = EncryptedField("str")
    municipality_code = EncryptedField("str", bucket=8)
    phone = EncryptedField("str", bucket=32)
    email = EncryptedField("str")
    languages = EncryptedField("json", bucket=64)
    preferred_language = EncryptedField("str", bucket=8)
    interpreter_language = EncryptedField("str", bucket=8)
    residence_category = EncryptedField("str", bucket=32)
    permit_order_date = EncryptedField("date")
    permit_validity_months = EncryptedField("int")
    registration_date = EncryptedField("date")
    education_level = EncryptedField("str", bucket=32)

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    cases: Mapped[list[Case]] = relationship(back_populates="person", order_by="Case.opened_on")

    @property
    def person_id(self) -> uuid.UUID:
        """The data subject of this row (the newcomer itself)."""
        return self.id


class Case(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One pathway enrolment of one person at one office, on one definition version forever."""

    __tablename__ = "pathway_case"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    definition_code: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.OPEN, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(64))  # coarse code (see pathway.reasons)
    status_reason_detail_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    participation: Mapped[Participation] = mapped_column(_enum(Participation))
    # The obligation status decided when the case opened (or on an explicit re-assessment), kept:
    # ``obliged``, ``dispensed``, ``excluded`` or ``voluntary``, with the reason code when there is one.
    assessed_status: Mapped[str | None] = mapped_column(String(16))
    assessed_reason: Mapped[str | None] = mapped_column(String(64))
    assessed_on: Mapped[date | None] = mapped_column(Date)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    responsible_agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    entry_channel: Mapped[str | None] = mapped_column(String(32))  # how the person came (see pathway.labels)
    purpose: Mapped[str | None] = mapped_column(String(32))  # why the person follows it (see pathway.labels)
    opened_on: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    obligation_ended_on: Mapped[date | None] = mapped_column(Date)
    deadline_extended_months: Mapped[int] = mapped_column(Integer, default=0)
    transferred_to_office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    successor_case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_change_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    # The precise closure/suspension reason when it is sensitive (health…); see pathway.reasons.
    status_reason_detail = EncryptedField("str", bucket=32)

    person: Mapped[Newcomer] = relationship(back_populates="cases")
    office: Mapped[Office] = relationship(foreign_keys=[office_id])
    responsible_agent: Mapped[User | None] = relationship(foreign_keys=[responsible_agent_id])
    steps: Mapped[list[StepInstance]] = relationship(
        back_populates="case", order_by="StepInstance.order", cascade="all, delete-orphan"
    )
    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="case", order_by="TimelineEntry.at", cascade="all, delete-orphan"
    )

    def step(self, code: str) -> StepInstance:
        """The step instance ``code`` (KeyError when absent)."""
        for step in self.steps:
            if step.step_code == code:
                return step
        raise KeyError(code)


class StepInstance(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One step of a case, in one state; hours, result, confirmation and an encrypted note."""

    __tablename__ = "pathway_step"
    __table_args__ = (UniqueConstraint("case_id", "step_code", name="uq_pathway_step_case_step"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    step_code: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer)
    state: Mapped[StepState] = mapped_column(_enum(StepState), default=StepState.PENDING)
    state_reason: Mapped[str | None] = mapped_column(String(64))
    planned_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    result: Mapped[str | None] = mapped_column(String(32))
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator_organisation.id"), index=True)
    service_type: Mapped[str | None] = mapped_column(String(64))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    note = EncryptedField("str")

    case: Mapped[Case] = relationship(back_populates="steps")
    confirmed_by: Mapped[User | None] = relationship()


class TimelineEntry(UUIDPrimaryKeyMixin, db.Model):
    """Who did what to a case and when; codes only, the optional note encrypted."""

    __tablename__ = "pathway_timeline_entry"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    step_code: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))  # coarse code (see pathway.reasons)
    reason_detail_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    reason_detail = EncryptedField("str", bucket=32)  # the precise reason when it is sensitive
    note = EncryptedField("str")

    case: Mapped[Case] = relationship(back_populates="timeline")
    actor: Mapped[User | None] = relationship()


class Dispensation(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A dispensation recorded for a person; the reason may be health data, so it is encrypted."""

    __tablename__ = "pathway_dispensation"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_case.id"), index=True)
    definition_code: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    validated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    legal_basis_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    reason = EncryptedField("str", bucket=32)
    legal_basis = EncryptedField("str", bucket=64)
    note = EncryptedField("str")

    validated_by: Mapped[User] = relationship(foreign_keys=[validated_by_id])
    documents: Mapped[list[EvidenceDocument]] = relationship(back_populates="dispensation")


class DuplicateReview(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A possible duplicate found in another office by a registration's duplicate check: a task
    for the centre's coordinator (the admin role). File references only — no personal data."""

    __tablename__ = "pathway_duplicate_review"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    person_ids: Mapped[list] = mapped_column(JSON, default=list)  # the existing files (UUID strings)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship(foreign_keys=[office_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class EvidenceDocument(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """An uploaded evidence document (PDF, JPEG or PNG), encrypted at rest like every personal field.

    The content is one ``bytes`` field sealed under the person's key and bound to this row; the
    ``kind`` says what it proves (``DOCUMENT_KINDS``); a medical certificate is special-category
    data, readable by the office's agents only.
    """

    __tablename__ = "pathway_evidence_document"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_case.id"), index=True)
    dispensation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_dispensation.id"), index=True)
    step_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_step.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    filename = EncryptedField("str")
    content_type = EncryptedField("str", bucket=64)
    content = EncryptedFileField()  # sealed as a file of the document store, see privacy.blobs

    dispensation: Mapped[Dispensation | None] = relationship(back_populates="documents")


class TransferRequest(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """A case's transfer to another office (the person moved): requested by the sending office,
    accepted or refused by the receiving one. Office and case references only."""

    __tablename__ = "pathway_transfer_request"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    from_office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    to_office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    successor_case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    case: Mapped[Case] = relationship()
    from_office: Mapped[Office] = relationship(foreign_keys=[from_office_id])
    to_office: Mapped[Office] = relationship(foreign_keys=[to_office_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class MergeRecord(UUIDPrimaryKeyMixin, db.Model):
    """Two files of the same person merged: what moved to the kept file. The removed file's id is
    kept as a reference only (its row and its keys are gone)."""

    __tablename__ = "pathway_merge_record"

    kept_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), index=True)
    removed_person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    moved: Mapped[dict] = mapped_column(JSON, default=dict)  # counts per kind (cases, documents…)


def register_reason_columns() -> None:
    """Declare the pathway's reason columns whose sensitive codes are kept encrypted (``reasons``)."""
    reasons.register_column(Case, "status_reason", "status_reason_detail")
    reasons.register_column(TimelineEntry, "reason", "reason_detail")
