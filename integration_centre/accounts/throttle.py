"""Login throttling without lock-out (NIST SP 800-63B §5.2.2; OWASP "device cookies").

Every failed attempt (wrong password, wrong code) is recorded with the account typed (a keyed
digest) and its source: the client address (a keyed digest), or a device cookie the user has
completed a login with before. Two throttles apply, each with growing delays rather than a lock:

- per source and account: after ``LOGIN_MAX_FAILURES`` failures from one source, each further
  attempt from it waits ``LOGIN_DELAY`` (30 s), doubling with each further failure, up to
  ``LOGIN_FAILURE_WINDOW`` (15 min);
- per account, whatever the source (brute force from many addresses): the same delays over all
  failures of the account — but a device or an address the user completed a login from within
  ``LOGIN_KNOWN_SOURCE`` (90 days) is exempt from this one, so an attacker elsewhere cannot lock
  the user out.

Failures are forgotten after ``LOGIN_FAILURE_MEMORY`` (24 h) or once a login from that scope
completes. Attempts refused during a delay are recorded but do not lengthen it. After
``LOGIN_ALERT_FAILURES`` failed attempts on an existing account an alert is raised: an audit
record and a notice on the administrators' home page until one of them marks it seen.

Services flush but never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from integration_centre.accounts.models import KnownLoginSource, LoginAlert, LoginAttempt, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import audit, sealed
from integration_centre.privacy.context import Actor

ADDRESS_PREFIX = "a:"
DEVICE_PREFIX = "d:"
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
THROTTLE_ACTOR = Actor.system("login-throttle")


@dataclass(frozen=True)
class LoginSource:
    """Where an attempt comes from: the client address and the browser's device cookie."""

    address_key: str
    device_token: str | None = None

    @property
    def device_key(self) -> str | None:
        """The digest naming the device cookie (None without a well-formed cookie)."""
        if self.device_token is None:
            return None
        return DEVICE_PREFIX + hashlib.sha256(self.device_token.encode()).hexdigest()


def source_from(address: str | None, device_token: str | None = None) -> LoginSource:
    """The ``LoginSource`` of a client address and device cookie (both as received)."""
    digest = sealed.digest("login-source", "address", (address or "unknown").encode())
    token = device_token if device_token and _DEVICE_TOKEN.fullmatch(device_token) else None
    return LoginSource(ADDRESS_PREFIX + digest, token)


def _config(name: str):
    return current_app.config[name]


def _known_rows(user: User | None, source: LoginSource | None) -> dict[str, datetime]:
    """{source key: last completed login} of ``source``'s address and device for ``user``."""
    if user is None or user.id is None or source is None:
        return {}
    keys = [key for key in (source.address_key, source.device_key) if key]
    rows = db.session.execute(
        select(KnownLoginSource.source_key, KnownLoginSource.last_seen_at).where(
            KnownLoginSource.user_id == user.id,
            KnownLoginSource.source_key.in_(keys),
            KnownLoginSource.last_seen_at > utcnow() - _config("LOGIN_KNOWN_SOURCE"),
        )
    ).all()
    return dict(rows)


def scope_key(user: User | None, source: LoginSource | None) -> str | None:
    """The source key an attempt is counted under: the device when it is known for the user,
    else the address."""
    if source is None:
        return None
    known = _known_rows(user, source)
    if source.device_key and source.device_key in known:
        return source.device_key
    return source.address_key


def _last_login(user: User | None, source_key: str | None = None) -> datetime | None:
    if user is None or user.id is None:
        return None
    query = select(func.max(KnownLoginSource.last_seen_at)).where(KnownLoginSource.user_id == user.id)
    if source_key is not None:
        query = query.where(KnownLoginSource.source_key == source_key)
    return db.session.scalar(query)


def _failures(key: str, user: User | None, source_key: str | None = None, *, refused_too: bool = False) -> list:
    """Times of the failures counted in a scope (the account, or the account from one source)."""
    since = utcnow() - _config("LOGIN_FAILURE_MEMORY")
    last_login = _last_login(user, source_key)
    if last_login is not None and last_login > since:
        since = last_login
    query = select(LoginAttempt.at).where(
        LoginAttempt.account_key == key, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
    )
    if not refused_too:
        query = query.where(LoginAttempt.detail.is_distinct_from("throttled"))
    if source_key is not None:
        query = query.where(LoginAttempt.source_key == source_key)
    return list(db.session.scalars(query.order_by(LoginAttempt.at)))


def _retry_after(failures: list) -> datetime | None:
    """When the next attempt of a scope with these failures may be made (None: now)."""
    excess = len(failures) - _config("LOGIN_MAX_FAILURES")
    if excess < 0:
        return None
    delay = min(_config("LOGIN_DELAY") * 2 ** min(excess, 30), _config("LOGIN_FAILURE_WINDOW"))
    retry = failures[-1] + delay
    return retry if retry > utcnow() else None


def throttled_until(key: str, user: User | None = None, source: LoginSource | None = None) -> datetime | None:
    """When an attempt on the account ``key`` from ``source`` may be made, or None if now.

    The per-source throttle always applies; the account-wide one unless the source is a
    device or address ``user`` has completed a login from. Without a source (or for an
    unknown account) the attempt is treated as coming from an unknown source.
    """
    known = _known_rows(user, source)
    waits = []
    if source is not None:
        scope = source.device_key if source.device_key in known else source.address_key
        waits.append(_retry_after(_failures(key, user, scope)))
    if not known:
        waits.append(_retry_after(_failures(key, user)))
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


def record_attempt(
    key: str,
    user: User | None,
    stage: str,
    succeeded: bool,
    detail: str | None = None,
    source: LoginSource | None = None,
) -> None:
    """Record one login attempt (no password, no personal data); a failure may raise an alert."""
    db.session.add(
        LoginAttempt(
            account_key=key,
            user_id=user.id if user else None,
            stage=stage,
            succeeded=succeeded,
            detail=detail,
            source_key=scope_key(user, source),
        )
    )
    db.session.flush()
    if not succeeded and user is not None:
        _raise_alert_if_repeated(key, user)


def _raise_alert_if_repeated(key: str, user: User) -> None:
    failures = _failures(key, user, refused_too=True)
    if len(failures) < _config("LOGIN_ALERT_FAILURES"):
        return
    sources = db.session.scalar(
        select(func.count(func.distinct(LoginAttempt.source_key))).where(
            LoginAttempt.account_key == key, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= failures[0]
        )
    )
    alert = db.session.scalar(
        select(LoginAlert).where(LoginAlert.user_id == user.id, LoginAlert.seen_at.is_(None)).limit(1)
    )
    if alert is None:
        alert = LoginAlert(user_id=user.id, raised_at=utcnow(), failures=0, sources=0)
        db.session.add(alert)
        audit.record("login_alert", "user", user.id, purpose="authentication", actor=THROTTLE_ACTOR)
    alert.failures = max(alert.failures, len(failures))
    alert.sources = max(alert.sources, sources or 0)
    alert.last_failure_at = failures[-1]
    db.session.flush()


def complete_login(user: User, source: LoginSource | None) -> str:
    """Remember the address and the device a login was completed from (their failures are
    forgotten); returns the device token to set (or keep) as the browser's device cookie."""
    token = source.device_token if source is not None and source.device_token else secrets.token_urlsafe(32)
    device = LoginSource(source.address_key if source else "", token)
    now = utcnow()
    for key in (device.address_key, device.device_key):
        if not key:
            continue
        row = db.session.scalar(
            select(KnownLoginSource).where(KnownLoginSource.user_id == user.id, KnownLoginSource.source_key == key)
        )
        if row is None:
            db.session.add(KnownLoginSource(user_id=user.id, source_key=key, first_seen_at=now, last_seen_at=now))
        else:
            row.last_seen_at = now
    db.session.flush()
    return token


def open_alerts() -> list[LoginAlert]:
    """The alerts no administrator has marked seen yet, newest first."""
    return list(
        db.session.scalars(
            select(LoginAlert).where(LoginAlert.seen_at.is_(None)).order_by(LoginAlert.last_failure_at.desc())
        )
    )


def mark_alert_seen(alert_id: int, admin: User) -> LoginAlert | None:
    """An administrator has seen the alert (audited); None when there is no such open alert."""
    alert = db.session.get(LoginAlert, alert_id)
    if alert is None or alert.seen_at is not None:
        return None
    alert.seen_at = utcnow()
    alert.seen_by_id = admin.id
    audit.record("login_alert_seen", "user", alert.user_id, purpose="authentication", actor=admin)
    db.session.flush()
    return alert
