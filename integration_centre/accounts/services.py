"""Account rules: authentication with throttling, password changes, user administration.

Services flush but never commit; the caller (one request, one CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from integration_centre.accounts import passwords
from integration_centre.accounts.models import LoginAttempt, Role, User
from integration_centre.db import utcnow
from integration_centre.extensions import db


class AccountError(Exception):
    """A rule refused the action; ``code`` names the rule for messages and tests."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class LoginOutcome:
    """Result of a password check: the user when it succeeded, else a refusal code."""

    user: User | None
    refusal: str | None = None  # "invalid" or "throttled"
    retry_after: datetime | None = None


def normalise_email(email: str) -> str:
    """Lower-case and strip an e-mail address."""
    return email.strip().lower()


def account_key(email: str) -> str:
    """Keyed digest of an e-mail address, so attempts are counted without storing it."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def throttled_until(key: str) -> datetime | None:
    """When the account behind ``key`` may try again, or None if it is not throttled."""
    config = current_app.config
    window = config["LOGIN_FAILURE_WINDOW"]
    since = utcnow() - window
    failures = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.account_key == key,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
    ).one()
    count, latest = failures
    if count >= config["LOGIN_MAX_FAILURES"]:
        return latest + window
    return None


def record_attempt(key: str, user: User | None, stage: str, succeeded: bool, detail: str | None = None):
    """Record one login attempt (no password, no personal data)."""
    db.session.add(
        LoginAttempt(
            account_key=key,
            user_id=user.id if user else None,
            stage=stage,
            succeeded=succeeded,
            detail=detail,
        )
    )
    db.session.flush()


def check_password_login(email: str, password: str) -> LoginOutcome:
    """Check e-mail and password under the account throttle.

    Unknown user, wrong password and disabled user get the same answer and cost the same time.
    Once throttled, even the right password is refused until the cool-down ends.
    """
    key = account_key(email)
    retry_after = throttled_until(key)
    user = find_user_by_email(email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if retry_after is not None:
        record_attempt(key, user, "password", False, "throttled")
        return LoginOutcome(None, "throttled", retry_after)
    if not valid or user is None or not user.is_enabled:
        record_attempt(key, user, "password", False, "disabled" if valid and user else "invalid")
        return LoginOutcome(None, "invalid")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    record_attempt(key, user, "password", True)
    return LoginOutcome(user)


def validate_new_password(password: str) -> None:
    """Raise ``AccountError`` with the first broken rule of the password policy."""
    problems = passwords.password_problems(password)
    if problems:
        raise AccountError(problems[0])


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Set a new password (policy checked) and revoke the user's other sessions."""
    from integration_centre.accounts.sessions import current_session, revoke_user_sessions

    validate_new_password(password)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    keep = current_session()
    revoke_user_sessions(user, "password_changed", keep=keep if keep and keep.user_id == user.id else None)


def create_user(
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    office_id: int | None = None,
    operator_id: int | None = None,
    centre_id: int | None = None,
    must_change_password: bool = True,
) -> User:
    """Create a user; agents need an office, operators an organisation."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken")
    _check_attachment(role, office_id, operator_id)
    validate_new_password(password)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=passwords.hash_password(password),
        office_id=office_id if role == Role.AGENT else None,
        operator_id=operator_id if role == Role.OPERATOR else None,
        centre_id=centre_id,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _check_attachment(role: Role, office_id: int | None, operator_id: int | None) -> None:
    if role == Role.AGENT and office_id is None:
        raise AccountError("office_required")
    if role == Role.OPERATOR and operator_id is None:
        raise AccountError("operator_required")


def assign_role(user: User, role: Role, office_id: int | None, operator_id: int | None) -> None:
    """Change a user's role and attachment; their sessions end so the change applies at once."""
    from integration_centre.accounts.sessions import revoke_user_sessions

    _check_attachment(role, office_id, operator_id)
    user.role = role
    user.office_id = office_id if role == Role.AGENT else None
    user.operator_id = operator_id if role == Role.OPERATOR else None
    revoke_user_sessions(user, "role_changed")


def set_enabled(user: User, enabled: bool) -> None:
    """Disable (ending every session) or re-enable a user."""
    from integration_centre.accounts.sessions import revoke_user_sessions

    user.is_enabled = enabled
    if not enabled:
        revoke_user_sessions(user, "disabled")
