"""API tokens and the stored outcome of idempotent requests.

A token is shown once; only its SHA-256 is kept, with a short public prefix to find the row.
An idempotency record holds no personal data: the status, the resource it produced (kind and
id, rendered afresh on replay) or the problem document of a refusal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integration_centre.accounts.models import User
from integration_centre.clock import utcnow
from integration_centre.database import UTCDateTime
from integration_centre.extensions import db


class ApiToken(db.Model):
    """A bearer token acting as ``user`` within ``scopes`` until ``expires_at`` or revocation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The role and attachment the token was created for (a snapshot of its user's, compared at
    # every use): a token never acts for another role, organisation or office.
    bound_role: Mapped[str] = mapped_column(String(16))
    bound_office_id: Mapped[int | None] = mapped_column(Integer)
    bound_operator_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def bind_to(self, user: User) -> None:
        """Record ``user``'s current role and attachment on the token."""
        self.bound_role, self.bound_office_id, self.bound_operator_id = binding_of(user)

    def fits(self, user: User | None) -> bool:
        """True when ``user`` (the token's) still has the role and attachment the token was made for."""
        return user is not None and (self.bound_role, self.bound_office_id, self.bound_operator_id) == binding_of(user)

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, its user enabled and still in the role and attachment it was made for."""
        return (
            self.revoked_at is None
            and now < self.expires_at
            and self.user is not None
            and self.user.is_enabled
            and self.fits(self.user)
        )


def binding_of(user: User) -> tuple[str, int | None, int | None]:
    """What a token of ``user`` is bound to: role, office, organisation."""
    binding = user.access_binding
    return binding.role, binding.office_id, binding.operator_id


class IdempotencyRecord(db.Model):
    """The first outcome of a POST sent with an ``Idempotency-Key`` (per token and key)."""

    __tablename__ = "api_idempotency_record"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_record_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    resource_kind: Mapped[str | None] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[dict | None] = mapped_column(JSON)
