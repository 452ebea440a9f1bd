"""Test-only models with encrypted fields, on their OWN metadata (never in db.metadata)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, LargeBinary, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from integration_centre.privacy.fields import EncryptedField


class TestBase(DeclarativeBase):
    """Separate declarative base: the migrations check only sees real models."""

    __test__ = False
    metadata = MetaData()


class Person(TestBase):
    """A data subject: the row is the person (person_id == id)."""

    __tablename__ = "test_privacy_person"
    __privacy_person_attr__ = "id"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    office: Mapped[str | None] = mapped_column(String(20))
    family_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    given_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    birth_date_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    niss_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    gender_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    children_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    consent_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    family_name = EncryptedField(kind="str")
    given_name = EncryptedField(kind="str")
    birth_date = EncryptedField(kind="date")
    niss = EncryptedField(kind="str")
    address = EncryptedField(kind="json")
    notes = EncryptedField(kind="str")
    gender = EncryptedField(kind="str", bucket=16)
    children = EncryptedField(kind="int")
    consent = EncryptedField(kind="bool")


class Note(TestBase):
    """A row belonging to a person (person_id is the data subject)."""

    __tablename__ = "test_privacy_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("test_privacy_person.id"))
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    title_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    body = EncryptedField(kind="str")
    title = EncryptedField(kind="str")
