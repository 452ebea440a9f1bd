"""The first administrator of an installation, created from the command line.

``integration-centre users create-admin EMAIL`` creates an admin account with no usable password
and a one-time setup link: a random token (only its SHA-256 is stored) that expires after
``SETUP_LIFETIME`` and works once. On the link the administrator chooses a password (the
password policy) and enrols TOTP; the link is then spent. Every step is audited.

Services flush but never commit; the caller (one request, one CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from integration_centre.accounts import services
from integration_centre.accounts.models import Role, SetupToken, User
from integration_centre.clock import utcnow
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.context import Actor

SETUP_LIFETIME = timedelta(hours=24)
CLI_ACTOR = Actor.system("cli")


class SetupError(DomainError):
    """A rule refused the action; ``code`` names it, the message is one line for the CLI."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)


@dataclass(frozen=True)
class IssuedLink:
    """A setup link just issued: the raw token is shown once and never stored."""

    user: User
    token: str
    expires_at: datetime
    created: bool


def digest(token: str) -> str:
    """SHA-256 of a setup token (what the database keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_base_url(base_url: str) -> str:
    """The public address of the application (``https://host[/prefix]/``); ``SetupError`` if not one."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SetupError(
            "base_url_invalid",
            f"{base_url!r} is not a base URL: give the address users type, e.g. https://ic.example.be/",
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def setup_pending(user: User) -> bool:
    """True for an administrator created by ``create-admin`` whose setup was never completed."""
    tokens = db.session.scalars(select(SetupToken).where(SetupToken.user_id == user.id)).all()
    return (
        user.role == Role.ADMIN
        and bool(tokens)
        and all(token.used_at is None for token in tokens)
        and not user.totp_enabled
    )


def create_admin(email: str, display_name: str, *, reset: bool = False) -> IssuedLink:
    """Create an admin with no usable password and a setup link.

    An existing e-mail address is refused, unless ``reset`` is given for an administrator whose
    setup was never completed: then a new link replaces the old ones (which stop working).
    """
    email = services.normalise_email(email)
    user = services.find_user_by_email(email)
    created = user is None
    if user is not None:
        if not reset:
            raise SetupError(
                "email_taken",
                f"a user with the e-mail address {email} already exists; nothing changed "
                "(--reset issues a new link only for an administrator whose setup was never completed)",
            )
        if not setup_pending(user):
            raise SetupError(
                "setup_done",
                f"{email} is not an administrator waiting for setup (setup completed, or not created by "
                "create-admin); nothing changed: use the password reset in /admin/users instead",
            )
        now = utcnow()
        db.session.execute(
            update(SetupToken)
            .where(SetupToken.user_id == user.id, SetupToken.used_at.is_(None), SetupToken.expires_at > now)
            .values(expires_at=now)
        )
    else:
        try:
            # A random password nobody ever sees: the account cannot log in before the setup.
            user = services.create_user(
                email=email,
                display_name=display_name,
                role=Role.ADMIN,
                password=secrets.token_urlsafe(32),
                must_change_password=False,
            )
        except services.AccountError as error:
            messages = {"email_invalid": f"{email!r} is not an e-mail address", "name_required": "the name is empty"}
            raise SetupError(error.code, messages.get(error.code, error.code)) from None
        audit.record("create", "user", user.id, purpose="setup", actor=CLI_ACTOR)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + SETUP_LIFETIME
    db.session.add(SetupToken(user_id=user.id, token_hash=digest(token), expires_at=expires_at))
    db.session.flush()
    audit.record("setup_link_created", "user", user.id, purpose="setup", actor=CLI_ACTOR)
    return IssuedLink(user=user, token=token, expires_at=expires_at, created=created)


def valid_token(token_hash: str | None) -> SetupToken | None:
    """The setup token with this digest when it is unused, unexpired and its user enabled."""
    if not token_hash:
        return None
    row = db.session.scalar(select(SetupToken).where(SetupToken.token_hash == token_hash))
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.user.is_enabled:
        return None
    return row


def set_password(row: SetupToken, password: str) -> None:
    """First step on the link: the password (policy checked; ``AccountError`` otherwise)."""
    services.set_password(row.user, password)
    row.password_set_at = utcnow()
    audit.record("setup_password_set", "user", row.user_id, purpose="setup", actor=row.user)


def complete(row: SetupToken) -> None:
    """Spend the link (once, even against a concurrent request); ``SetupError`` when already spent."""
    result = db.session.execute(
        update(SetupToken)
        .where(SetupToken.id == row.id, SetupToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise SetupError("used", "this setup link was already used")
    audit.record("setup_completed", "user", row.user_id, purpose="setup", actor=row.user)
