"""The person's optional account: set an e-mail address and a password from inside the space,
optionally a TOTP second factor, then log in at ``/my/login`` without the personal link.

Passwords go through accounts' argon2id hashing and policy (length, common passwords); TOTP
through accounts' helpers (``accounts.totp``: secret, QR code, single-use check). Logins are
throttled like the staff's (``accounts.throttle``, per source and per account, growing delays,
no lock-out), under their own account keys. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts import passwords, throttle, totp
from integration_centre.accounts.services import account_key, normalise_email
from integration_centre.clock import utcnow
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.privacy import audit, sealed
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space.account_models import SpaceAccount

PURPOSE = "space.account"
EMAIL_KEY_PURPOSE = "space-account-email"
SYSTEM = Actor.system("space-login")


class AccountRefused(DomainError):
    """The account change was refused (messages on the fields)."""


@dataclass(frozen=True)
class LoginResult:
    """A login attempt: the account when it succeeded, else why not (``invalid``, ``code``,
    ``throttled``) and until when to wait."""

    account: SpaceAccount | None = None
    refusal: str | None = None
    retry_after: datetime | None = None


def _actor(person_id: uuid.UUID) -> Actor:
    return Actor(id=str(person_id), role="newcomer")


def email_key(email: str) -> str:
    """Keyed digest of a normalised e-mail address (under the keyring), the account's lookup key."""
    return sealed.digest(EMAIL_KEY_PURPOSE, "space_account", normalise_email(email).encode())


def throttle_key(email: str) -> str:
    """The key a login's attempts are counted under (distinct from a staff login's)."""
    return account_key("space:" + normalise_email(email))


def account_of(person_id: uuid.UUID) -> SpaceAccount | None:
    """The person's account, if they set one."""
    return db.session.scalar(select(SpaceAccount).where(SpaceAccount.person_id == person_id))


def email_of(account: SpaceAccount) -> str | None:
    """The account's e-mail address (decrypted, audited under the person's own access)."""
    with access(_actor(account.person_id), PURPOSE, [account.person_id]):
        return account.email


def set_credentials(person_id: uuid.UUID, email: str, password: str) -> SpaceAccount:
    """Create or change the person's account: e-mail address and password (policy checked)."""
    email = normalise_email(email or "")
    errors: dict[str, list[str]] = {}
    problems = passwords.password_problems(password or "")
    if "too_short" in problems:
        errors["password"] = [_("Use at least %(count)d characters.", count=passwords.MIN_LENGTH)]
    elif "too_common" in problems:
        errors["password"] = [_("This password is too common. Choose another one.")]
    key = email_key(email)
    taken = db.session.scalar(
        select(SpaceAccount.id).where(SpaceAccount.email_key == key, SpaceAccount.person_id != person_id)
    )
    if taken is not None:
        errors["email"] = [_("This e-mail address cannot be used. Choose another one.")]
    if errors:
        raise AccountRefused(_("Check what you typed."), errors, code="invalid")
    account = account_of(person_id)
    created = account is None
    if created:
        account = SpaceAccount(id=uuid.uuid4(), person_id=person_id)
        db.session.add(account)
    account.email_key = key
    account.password_hash = passwords.hash_password(password)
    with access(_actor(person_id), PURPOSE, [person_id], action="update"):
        account.email = email
    db.session.flush()
    action = "create" if created else "update"
    audit.record(action, "space_account", account.id, purpose=PURPOSE, actor=_actor(person_id))
    return account


def remove(person_id: uuid.UUID) -> bool:
    """Delete the person's account (the personal link still works); True when there was one."""
    account = account_of(person_id)
    if account is None:
        return False
    audit.record("delete", "space_account", account.id, purpose=PURPOSE, actor=_actor(person_id))
    db.session.delete(account)
    db.session.flush()
    return True


# --- The second factor ------------------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh secret to enrol (kept in the session until confirmed with a code)."""
    return totp.new_secret()


def totp_qr(account: SpaceAccount, secret: str) -> str:
    """The QR code (inline SVG) an authenticator app reads."""
    with access(_actor(account.person_id), PURPOSE, [account.person_id]):
        uri = totp.provisioning_uri(account, secret)  # reads ``account.email`` like a user's
    return totp.qr_svg(uri)


def enable_totp(account: SpaceAccount, secret: str, code: str) -> None:
    """Turn the code on once the person typed a valid code of ``secret``."""
    if not totp.check_code(secret, code or ""):
        raise AccountRefused(
            _("This code does not work. Check the time on your phone. Then try again."),
            {"code": [_("This code does not work. Check the time on your phone. Then try again.")]},
            code="invalid",
        )
    with access(_actor(account.person_id), PURPOSE, [account.person_id], action="update"):
        account.totp_secret = secret
        account.totp_enabled = True
        account.totp_last_counter = None
        totp.verify_and_consume(account, code)  # the enrolment code cannot be replayed at login
    audit.record("totp_on", "space_account", account.id, purpose=PURPOSE, actor=_actor(account.person_id))


def disable_totp(account: SpaceAccount) -> None:
    """Turn the code off (from inside the space: the person holds the link or the account)."""
    with access(_actor(account.person_id), PURPOSE, [account.person_id], action="update"):
        account.totp_secret = None
    account.totp_enabled = False
    account.totp_last_counter = None
    audit.record("totp_off", "space_account", account.id, purpose=PURPOSE, actor=_actor(account.person_id))


# --- Logging in -------------------------------------------------------------------------------


def login(email: str, password: str, code: str | None, source: throttle.LoginSource | None) -> LoginResult:
    """Check e-mail, password and (when enabled) the TOTP code under the login throttle.

    An unknown address costs the same password check as a known one (accounts' dummy hash) and
    is counted the same, so the answer tells nothing about which addresses have an account.
    """
    key = throttle_key(email or "")
    retry_after = throttle.throttled_until(key, None, source)
    if retry_after is not None:
        throttle.record_attempt(key, None, "password", False, "throttled", source)
        return LoginResult(refusal="throttled", retry_after=retry_after)
    account = db.session.scalar(select(SpaceAccount).where(SpaceAccount.email_key == email_key(email or "")))
    if not passwords.verify_password(account.password_hash if account else None, password or "") or account is None:
        throttle.record_attempt(key, None, "password", False, "invalid", source)
        return LoginResult(refusal="invalid")
    if account.totp_enabled:
        with access(_actor(account.person_id), PURPOSE, [account.person_id]):
            valid = bool(code) and totp.verify_and_consume(account, code)
        if not valid:
            throttle.record_attempt(key, None, "totp", False, "invalid", source)
            return LoginResult(refusal="code")
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    throttle.record_attempt(key, None, "password", True, source=source)
    account.last_login_at = utcnow()
    audit.record("login", "space_account", account.id, purpose=PURPOSE, actor=_actor(account.person_id))
    return LoginResult(account=account)
