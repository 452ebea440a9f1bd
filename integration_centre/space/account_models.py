"""The person's optional account: an e-mail address and a password (and optionally a TOTP code)
to enter their space without the personal link."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from integration_centre.database import TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from integration_centre.extensions import db
from integration_centre.privacy.fields import EncryptedField


class SpaceAccount(UUIDPrimaryKeyMixin, TimestampMixin, db.Model):
    """One per person at most. The e-mail address and the TOTP secret are encrypted under the
    person's key (an erasure makes them unreadable); ``email_key`` is a keyed digest of the
    normalised address, the only way a login finds the account; the password is an argon2id hash.
    """

    __tablename__ = "space_account"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("newcomer.id"), unique=True)
    email_key: Mapped[str] = mapped_column(String(64), unique=True)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    email = EncryptedField("str")
    totp_secret = EncryptedField("str", bucket=64)
