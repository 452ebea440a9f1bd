"""Organisation structure (centres, offices, operator organisations), users and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.clock import utcnow
from integration_centre.database import TimestampMixin, UTCDateTime
from integration_centre.extensions import db
from integration_centre.privacy import sealed

TOTP_SECRET_PURPOSE = "totp-secret"  # noqa: S105 - the name of a key purpose, not a secret


class AccessBinding(NamedTuple):
    """The role and attachment a session or an API token was granted for (a snapshot)."""

    role: str
    office_id: int | None
    operator_id: int | None
    centre_id: int | None


class Role(enum.StrEnum):
    """What a user is; each role has its own home page and permissions."""

    AGENT = "agent"
    OPERATOR = "operator"
    COMMITTEE = "committee"
    ADMIN = "admin"


class Centre(TimestampMixin, db.Model):
    """A regional integration centre (CRI)."""

    __tablename__ = "centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mfa_required: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(300))
    # NIS codes of the municipalities the centre covers (see accounts/network.py).
    territory: Mapped[list] = mapped_column(JSON, default=list)
    # Which region's pathway definitions the centre runs (``wallonia``, ``brussels``, ``flanders``).
    jurisdiction: Mapped[str] = mapped_column(String(32), default="wallonia", server_default="wallonia")

    offices: Mapped[list[Office]] = relationship(back_populates="centre", order_by="Office.name")


class Office(TimestampMixin, db.Model):
    """A reception office (bureau d'accueil) of a centre."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(300))
    # Per weekday ("mon" … "sun") a list of [opens, closes] "HH:MM" pairs; a day absent is closed.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # NIS codes of the municipalities it serves, within its centre's territory.
    territory: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    centre: Mapped[Centre] = relationship(back_populates="offices")


class OperatorOrganisation(TimestampMixin, db.Model):
    """A partner operator organisation (language school, citizenship trainer, FOREM…)."""

    __tablename__ = "operator_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    centre: Mapped[Centre | None] = relationship()


class User(TimestampMixin, db.Model):
    """A person who logs in: staff of a centre, of an operator or of the committee."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, validate_strings=True))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator_organisation.id"), index=True)
    # The TOTP secret, sealed (AES-256-GCM) under a keyring key and bound to this user's id;
    # read and set it through ``totp_secret``.
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)

    centre: Mapped[Centre | None] = relationship()
    office: Mapped[Office | None] = relationship()
    operator: Mapped[OperatorOrganisation | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in clear (base32), for the code that checks or shows it; never stored so."""
        if self.totp_secret_ct is None:
            return None
        bound_to = sealed.owner(self.__tablename__, self.id)
        return sealed.unseal(TOTP_SECRET_PURPOSE, bound_to, self.totp_secret_ct).decode()

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        if secret is None:
            self.totp_secret_ct = None
            return
        bound_to = sealed.owner(self.__tablename__, self.id)
        self.totp_secret_ct = sealed.seal(TOTP_SECRET_PURPOSE, bound_to, secret.encode())

    @property
    def mfa_required(self) -> bool:
        """TOTP is compulsory for admins and for everyone in a centre that enforces it."""
        if self.role == Role.ADMIN:
            return True
        centres = [self.centre]
        if self.office is not None:
            centres.append(self.office.centre)
        if self.operator is not None:
            centres.append(self.operator.centre)
        return any(centre is not None and centre.mfa_required for centre in centres)

    @property
    def access_binding(self) -> AccessBinding:
        """What the user's access rests on: role, office, organisation and centre (sessions and
        API tokens are bound to it when they start; any change ends them)."""
        return AccessBinding(self.role.value, self.office_id, self.operator_id, self.centre_id)

    @property
    def attached_centre(self) -> Centre | None:
        """The centre the user belongs to, directly or through the office or organisation."""
        if self.centre is not None:
            return self.centre
        if self.office is not None:
            return self.office.centre
        return self.operator.centre if self.operator is not None else None


class RecoveryCode(db.Model):
    """A one-time TOTP recovery code, stored only as a keyed digest (HMAC under a keyring key,
    bound to the user) of the SHA-256 of the normalised code."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserSession(db.Model):
    """A server-side login session; the cookie holds only its random token.

    Revoking the row (logout, password change, disablement, "end sessions") makes any copy of
    the cookie worthless.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    # The role and attachment of the user at login (a snapshot, compared at every request).
    bound_role: Mapped[str] = mapped_column(String(16))
    bound_office_id: Mapped[int | None] = mapped_column(Integer)
    bound_operator_id: Mapped[int | None] = mapped_column(Integer)
    bound_centre_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship()

    @property
    def binding(self) -> AccessBinding:
        """The role and attachment this session was opened for."""
        return AccessBinding(self.bound_role, self.bound_office_id, self.bound_operator_id, self.bound_centre_id)

    def bind_to(self, user: User) -> None:
        """Record ``user``'s current role and attachment on the session."""
        (self.bound_role, self.bound_office_id, self.bound_operator_id, self.bound_centre_id) = user.access_binding


class LoginAttempt(db.Model):
    """One login attempt (password or second factor); no password and no personal data.

    ``account_key`` is a keyed digest of the normalised e-mail typed, so an unknown address is
    throttled exactly like a known one and nothing readable is stored.
    """

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    # Where it came from: "a:" + keyed digest of the client address, or "d:" + digest of a
    # device cookie the user logged in with before (no address in clear).
    source_key: Mapped[str | None] = mapped_column(String(80), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    stage: Mapped[str] = mapped_column(String(16))  # password, totp, recovery
    succeeded: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text)


class KnownLoginSource(db.Model):
    """A device (cookie) or an address from which a user completed a login, and when last.

    A login from a known source is not held by the account-wide throttle (an attacker elsewhere
    cannot lock the user out); its own failures are still throttled. ``source_key`` is a digest
    (``LoginAttempt.source_key``), never the address or the cookie itself.
    """

    __tablename__ = "login_known_source"
    __table_args__ = (UniqueConstraint("user_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(80))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginAlert(db.Model):
    """Repeated failed logins on one account, shown to the administrators until one marks it seen."""

    __tablename__ = "login_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    failures: Mapped[int] = mapped_column(Integer)
    sources: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SetupToken(db.Model):
    """A one-time link for an administrator created from the command line to set a password and
    enrol TOTP; only the SHA-256 of the random token is stored."""

    __tablename__ = "account_setup_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
