"""Account rules: authentication with throttling, password changes, user administration.

Services flush but never commit; the caller (one request, one CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from integration_centre.accounts import passwords, throttle
from integration_centre.accounts.models import (
    Centre,
    Office,
    OperatorOrganisation,
    Role,
    User,
    UserSession,
)
from integration_centre.clock import utcnow
from integration_centre.errors import DomainError
from integration_centre.extensions import db


class AccountError(DomainError):
    """A rule refused the action; ``code`` names the rule for messages and tests.

    ``message`` and ``field_errors`` are translated when read (after the request's rollback),
    from ``ACCOUNT_ERROR_MESSAGES`` and ``ACCOUNT_ERROR_FIELDS``.
    """

    def __init__(self, code: str, message: str = "", retry_after: datetime | None = None):
        Exception.__init__(self, message or code)
        self.code = code
        self.retry_after = retry_after
        self._message = message

    @property
    def message(self) -> str:
        """The refusal in the user's language."""
        return self._message or refusal_text(self.code)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The form field(s) that show the refusal: ``password`` also stands for ``new_password``."""
        name = ACCOUNT_ERROR_FIELDS.get(self.code)
        if name is None:
            return {}
        names = (name, "new_password") if name == "password" else (name,)
        return {field: [self.message] for field in names}


ACCOUNT_ERROR_MESSAGES = {
    "email_taken": _l("A user with this e-mail address already exists."),
    "email_invalid": _l("Enter an e-mail address like name@example.be."),
    "name_required": _l("Enter the full name."),
    "office_required": _l("Choose the reception office of this agent."),
    "operator_required": _l("Choose the organisation of this operator."),
    "centre_unknown": _l("Choose a centre from the list."),
    "too_short": _l("The password must have at least 12 characters."),
    "too_common": _l("This password is too common. Choose another one."),
    "own_role": _l("You cannot change your own role. Ask another administrator."),
    "own_account": _l("You cannot do this to your own account. Ask another administrator."),
    "mfa_compulsory": _l("Two-step login is compulsory for your account."),
    "wrong_password": _l("The password is not correct."),
}
# Which form field shows the message of a refusal (a form without ``password`` has ``new_password``).
ACCOUNT_ERROR_FIELDS = {
    "email_taken": "email",
    "email_invalid": "email",
    "name_required": "display_name",
    "office_required": "office_id",
    "operator_required": "operator_id",
    "centre_unknown": "centre_id",
    "too_short": "password",
    "too_common": "password",
}


def refusal_text(code: str) -> str:
    """The translated message of a refusal code."""
    return str(ACCOUNT_ERROR_MESSAGES.get(code, _l("The request could not be completed.")))


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


# The throttle lives in ``accounts.throttle``; these names stay for the callers of this module.
throttled_until = throttle.throttled_until
record_attempt = throttle.record_attempt


def check_password_login(email: str, password: str, source: throttle.LoginSource | None = None) -> LoginOutcome:
    """Check e-mail and password under the login throttle (``accounts.throttle``).

    Unknown user, wrong password and disabled user get the same answer and cost the same time.
    While the source (or, from a source the user never logged in from, the account) is
    throttled, even the right password is refused until the delay ends.
    """
    key = account_key(email)
    user = find_user_by_email(email)
    retry_after = throttle.throttled_until(key, user, source)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if retry_after is not None:
        throttle.record_attempt(key, user, "password", False, "throttled", source)
        return LoginOutcome(None, "throttled", retry_after)
    if not valid or user is None or not user.is_enabled:
        throttle.record_attempt(key, user, "password", False, "disabled" if valid and user else "invalid", source)
        return LoginOutcome(None, "invalid")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    throttle.record_attempt(key, user, "password", True, source=source)
    return LoginOutcome(user)


def check_password_reentry(user: User, password: str, source: throttle.LoginSource | None = None) -> None:
    """Check the password a logged-in user types again (re-authentication, password change,
    turning two-step login off) under the same throttle as the login, and record it.

    Raises ``AccountError("throttled")`` (with ``retry_after``) or ``AccountError("wrong_password")``;
    the caller commits either way so the failed attempt counts.
    """
    key = account_key(user.email)
    retry_after = throttle.throttled_until(key, user, source)
    if retry_after is not None:
        throttle.record_attempt(key, user, "reauth", False, "throttled", source)
        raise AccountError("throttled", retry_after=retry_after)
    if not passwords.verify_password(user.password_hash, password):
        throttle.record_attempt(key, user, "reauth", False, "invalid", source)
        raise AccountError("wrong_password")
    throttle.record_attempt(key, user, "reauth", True, source=source)


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
    """Create a user with a role and its attachment.

    Agents need an office (their centre is the office's), operators an organisation (their
    centre is the organisation's); committee members and admins may name a centre. A new user
    must change the password at first login unless ``must_change_password`` is False.
    """
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("email_invalid")
    if not display_name.strip():
        raise AccountError("name_required")
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken")
    office_id, operator_id, centre_id = _resolve_attachment(role, office_id, operator_id, centre_id)
    validate_new_password(password)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=passwords.hash_password(password),
        office_id=office_id,
        operator_id=operator_id,
        centre_id=centre_id,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _resolve_attachment(
    role: Role, office_id: int | None, operator_id: int | None, centre_id: int | None, current: User | None = None
) -> tuple[int | None, int | None, int | None]:
    """Check the attachment a role needs and derive the centre; returns (office, operator, centre).

    A deactivated office or organisation is refused, unless it is ``current``'s own already.
    """
    if role == Role.AGENT:
        office = db.session.get(Office, office_id) if office_id is not None else None
        if office is None or not (office.is_active or (current is not None and current.office_id == office.id)):
            raise AccountError("office_required")
        return office.id, None, office.centre_id
    if role == Role.OPERATOR:
        operator = db.session.get(OperatorOrganisation, operator_id) if operator_id is not None else None
        keep = current is not None and operator is not None and current.operator_id == operator.id
        if operator is None or not (operator.is_active or keep):
            raise AccountError("operator_required")
        return None, operator.id, operator.centre_id
    if centre_id is not None and db.session.get(Centre, centre_id) is None:
        raise AccountError("centre_unknown")
    return None, None, centre_id


# Receivers of a change of access: ``hook(user, reason, acting)`` runs in the caller's transaction
# after the user's role, attachment or enabled status changed and their sessions ended. Packages
# above accounts register here (the API revokes the user's tokens) so accounts imports none of them.
AccessChangeHook = Callable[[User, str, User | None], object]
_ACCESS_CHANGE_HOOKS: list[AccessChangeHook] = []


def on_access_change(hook: AccessChangeHook) -> AccessChangeHook:
    """Register ``hook`` (once) to run after every change of a user's access; returns it."""
    if hook not in _ACCESS_CHANGE_HOOKS:
        _ACCESS_CHANGE_HOOKS.append(hook)
    return hook


def end_access(user: User, reason: str, *, acting: User | None = None) -> int:
    """End what the user's previous access granted: every open session (audited) and whatever
    the registered hooks end (API tokens). Flushed, not committed; returns the sessions ended."""
    from integration_centre.accounts.sessions import revoke_user_sessions

    ended = revoke_user_sessions(user, reason, actor=acting, audited=True)
    for hook in list(_ACCESS_CHANGE_HOOKS):
        hook(user, reason, acting)
    db.session.flush()
    return ended


def _refuse_self(acting: User | None, user: User, code: str) -> None:
    if acting is not None and acting.id == user.id:
        raise AccountError(code)


def assign_role(
    user: User,
    role: Role,
    office_id: int | None,
    operator_id: int | None,
    centre_id: int | None = None,
    *,
    acting: User | None = None,
) -> int:
    """Change a user's role and attachment; when either changed, their sessions and API tokens
    end (audited, ``end_access``) so the change applies at once and nothing granted for the old
    one survives.

    An admin cannot change their own role (no lock-out by mistake). Returns the number of
    sessions ended.
    """
    _refuse_self(acting, user, "own_role")
    before = user.access_binding
    user.office_id, user.operator_id, user.centre_id = _resolve_attachment(
        role, office_id, operator_id, centre_id, current=user
    )
    user.role = role
    db.session.flush()
    after = user.access_binding
    if after == before:
        return 0
    return end_access(user, "role_changed" if after.role != before.role else "attachment_changed", acting=acting)


def set_enabled(user: User, enabled: bool, *, acting: User | None = None) -> None:
    """Disable or re-enable a user; an admin cannot disable themselves. Either change ends every
    session and API token of the user (audited, ``end_access``): a re-enabled user logs in again
    and gets new tokens."""
    if not enabled:
        _refuse_self(acting, user, "own_account")
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    db.session.flush()
    end_access(user, "enabled" if enabled else "disabled", acting=acting)


def reset_password(user: User, temporary_password: str, *, acting: User | None = None) -> None:
    """An admin sets a temporary password: every session of the user ends and the user must
    choose a new password at next login. Admins change their own password on their account page."""
    from integration_centre.accounts.sessions import revoke_user_sessions

    _refuse_self(acting, user, "own_account")
    validate_new_password(temporary_password)
    user.password_hash = passwords.hash_password(temporary_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    db.session.flush()
    revoke_user_sessions(user, "password_reset")


def end_sessions(user: User, *, acting: User | None = None) -> int:
    """End every open session of ``user`` (the acting user's own current session is kept)."""
    from integration_centre.accounts.sessions import current_session, revoke_user_sessions

    keep = current_session() if acting is not None and acting.id == user.id else None
    return revoke_user_sessions(user, "ended_by_admin", keep=keep)


def open_session_count(user: User) -> int:
    """How many sessions of ``user`` are not revoked (expired ones included until they are seen)."""
    now = utcnow()
    config = current_app.config
    return db.session.scalar(
        select(func.count()).where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.last_seen_at > now - config["IDLE_TIMEOUT"],
            UserSession.created_at > now - config["ABSOLUTE_TIMEOUT"],
        )
    )


def set_centre_mfa(centre: Centre, required: bool) -> None:
    """Make two-step login compulsory (or optional) for everyone attached to ``centre``.

    Users without TOTP are sent to the enrolment page at their next login.
    """
    from integration_centre.accounts.network import record_change

    centre.mfa_required = required
    db.session.flush()
    record_change("centre_two_step", "centre", centre.id, None)


def disable_own_totp(user: User, password: str, source: throttle.LoginSource | None = None) -> None:
    """Turn off the user's own TOTP after checking the password (throttled, recorded); refused
    when two-step login is compulsory for the user."""
    from integration_centre.accounts import totp

    if user.mfa_required:
        raise AccountError("mfa_compulsory")
    check_password_reentry(user, password, source)
    totp.disable(user)
    db.session.flush()


SORT_COLUMNS = {
    "name": User.display_name,
    "email": User.email,
    "role": User.role,
    "status": User.is_enabled,
    "created": User.created_at,
}


@dataclass(frozen=True)
class Page:
    """One page of a sorted list."""

    items: list
    page: int
    pages: int
    total: int
    per_page: int


def list_users(
    sort: str = "name", direction: str = "asc", page: int = 1, per_page: int = 25, role: Role | None = None
) -> Page:
    """Users (of one ``role`` when given) sorted by ``sort`` (a key of ``SORT_COLUMNS``) and
    paginated; unknown keys fall back to the name, out-of-range pages to the nearest page."""
    column = SORT_COLUMNS.get(sort, User.display_name)
    order = column.desc() if direction == "desc" else column.asc()
    query = select(User)
    if role is not None:
        query = query.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(query.order_by(order, User.id).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, pages, total, per_page)
