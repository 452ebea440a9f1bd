"""API tokens: create (shown once), look up by prefix and SHA-256, revoke, list.

A token reads ``ic_<prefix>_<secret>``: the prefix (public, unique) finds the row, the SHA-256
of the whole token is compared in constant time. Creation and revocation are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from integration_centre.accounts.models import Role, User
from integration_centre.api.models import ApiToken
from integration_centre.clock import utcnow
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.context import Actor

SCOPES = {
    "referrals:read": _l("Read the organisation's referrals"),
    "referrals:write": _l("Accept, decline, record attendance, confirm or abandon referrals"),
    "newcomers:read": _l("Search the office's newcomer files"),
    "newcomers:write": _l("Create newcomer files"),
    "cases:read": _l("Read case summaries"),
    "cases:write": _l("Open cases"),
}
# Which scopes make sense for which kind of account.
ROLE_SCOPES = {
    Role.OPERATOR: ("referrals:read", "referrals:write"),
    Role.AGENT: ("newcomers:read", "newcomers:write", "cases:read", "cases:write"),
}
MAX_LIFETIME_DAYS = 730
DEFAULT_LIFETIME_DAYS = 365
TOKEN_PREFIX = "ic_"  # noqa: S105 - the public start of every token, not a secret
# last_used_at is written at most this often, so reads stay reads.
TOUCH_INTERVAL = timedelta(seconds=60)


class TokenError(DomainError, ValueError):
    """A token cannot be created as asked; ``field`` names the input at fault."""

    code = "invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, {field: message} if field else None)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is the only copy of the clear token."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """SHA-256 hex of a clear token (the token is 256 random bits: no slow hash needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_request(user: User | None, scopes: list[str], lifetime_days: int) -> None:
    """Refuse a token for a user of another role, unknown or unsuitable scopes, or a bad lifetime."""
    from flask_babel import gettext as _

    if user is None or user.role not in ROLE_SCOPES:
        raise TokenError(_("Choose an operator or agent account: the token acts as that user."), "user_id")
    attachment = user.operator_id if user.role == Role.OPERATOR else user.office_id
    if attachment is None:
        raise TokenError(_("This account is attached to no organisation or office."), "user_id")
    if not user.is_enabled:
        raise TokenError(_("This account is disabled."), "user_id")
    if not scopes:
        raise TokenError(_("Choose at least one scope."), "scopes")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise TokenError(_("Unknown scope: %(scope)s.", scope=", ".join(unknown)), "scopes")
    unsuitable = [scope for scope in scopes if scope not in ROLE_SCOPES[user.role]]
    if unsuitable:
        raise TokenError(
            _("These scopes do not fit this account's role: %(scopes)s.", scopes=", ".join(unsuitable)), "scopes"
        )
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise TokenError(_("The lifetime is between 1 and %(days)s days.", days=MAX_LIFETIME_DAYS), "lifetime_days")


def create_token(
    user: User, name: str, scopes: list[str], *, lifetime_days: int = DEFAULT_LIFETIME_DAYS, acting: User | None = None
) -> NewToken:
    """Create a token for ``user`` (flushed, not committed); the clear value is returned once."""
    from flask_babel import gettext as _

    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_("Enter a name that says which integration uses the token."), "name")
    check_request(user, scopes, lifetime_days)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        prefix=prefix,
        secret_hash=digest(secret),
        name=name[:100],
        user_id=user.id,
        scopes=sorted(set(scopes)),
        created_at=utcnow(),
        created_by_id=acting.id if acting is not None else None,
        expires_at=utcnow() + timedelta(days=lifetime_days),
    )
    token.bind_to(user)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_create", "api_token", token.id, purpose="api_administration", actor=acting)
    return NewToken(token, secret)


def revoke_token(
    token: ApiToken,
    *,
    acting: User | Actor | None = None,
    reason: str = "revoked",
    purpose: str = "api_administration",
) -> bool:
    """Revoke ``token`` now (flushed, not committed), audited under ``acting`` with ``purpose``;
    False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = acting.id if acting is not None and not isinstance(acting, Actor) else None
    token.revoked_reason = reason
    db.session.flush()
    audit.record("api_token_revoke", "api_token", token.id, purpose=purpose, actor=acting)
    return True


def revoke_user_tokens(user: User, reason: str, acting: User | None = None) -> int:
    """Revoke every token of ``user`` (each audited): their role, attachment or enabled status
    changed, and a token acts only for the access it was created for. Returns how many.

    ``api.register`` hooks it to ``accounts.services.on_access_change``."""
    open_tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
    ).all()
    for token in open_tokens:
        revoke_token(token, acting=acting, reason=reason, purpose="access_change")
    return len(open_tokens)


def find_token(secret: str) -> ApiToken | None:
    """The token whose clear value is ``secret`` (revoked or expired included), else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None or not hmac.compare_digest(token.secret_hash, digest(secret)):
        return None
    return token


def authenticate(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token for ``secret`` (None when unknown, revoked, expired or its user disabled).

    Marks the token used (at most once a minute, in its own committed statement).
    """
    now = now or utcnow()
    token = find_token(secret)
    if token is None or token.revoked_at is not None or now >= token.expires_at or token.user is None:
        return None
    if not token.user.is_enabled or not token.fits(token.user):
        # Its user was disabled or moved without the services revoking the token (they do):
        # the token was granted for the old access, so it is revoked here, audited.
        reason = "disabled" if not token.user.is_enabled else "binding_mismatch"
        revoke_token(token, acting=Actor.system("token_check"), reason=reason, purpose="access_change")
        db.session.commit()
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token


def tokens_listing() -> list[ApiToken]:
    """Every token, newest first (the admin page)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def active_count(now: datetime | None = None) -> int:
    """How many tokens are in force: neither revoked nor expired (the admin home's card)."""
    now = now or utcnow()
    query = select(func.count()).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    return db.session.scalar(query) or 0
