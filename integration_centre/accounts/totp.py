"""TOTP second factor (pyotp): enrolment, single-use verification, recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets

import pyotp
import segno
from sqlalchemy import func, select

from integration_centre.accounts.models import RecoveryCode, User
from integration_centre.db import utcnow
from integration_centre.extensions import db

ISSUER = "Integration Centre"
RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1  # accept the previous and next 30-second step for clock drift


def new_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup, rendered by the app (no external service)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR")
    return buffer.getvalue().decode()


def _matching_counter(secret: str, code: str, at=None) -> int | None:
    totp = pyotp.TOTP(secret)
    now = at or utcnow()
    code = code.strip().replace(" ", "")
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        counter = current + offset
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def check_code(secret: str, code: str) -> bool:
    """True when ``code`` is valid now for ``secret`` (enrolment check, no single-use record)."""
    return _matching_counter(secret, code) is not None


def verify_and_consume(user: User, code: str) -> bool:
    """Verify a TOTP code once: a code (or an older one) already used is refused."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    counter = _matching_counter(user.totp_secret, code)
    if counter is None or (user.totp_last_counter is not None and counter <= user.totp_last_counter):
        return False
    user.totp_last_counter = counter
    return True


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode()).hexdigest()


def enable(user: User, secret: str) -> list[str]:
    """Turn TOTP on with ``secret`` and return fresh recovery codes (shown once)."""
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = None
    return regenerate_recovery_codes(user)


def disable(user: User) -> None:
    """Turn TOTP off and drop the recovery codes."""
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_counter = None
    for code in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(code)


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; only digests are stored."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    db.session.flush()
    return codes


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes of ``user`` are still unused."""
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(user: User, code: str) -> bool:
    """Consume one unused recovery code; each works once."""
    digest = _code_hash(code)
    record = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
    )
    if record is None:
        return False
    record.used_at = utcnow()
    return True
