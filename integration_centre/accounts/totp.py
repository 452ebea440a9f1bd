"""TOTP second factor (pyotp): enrolment, single-use verification, recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets

import pyotp
import segno
from sqlalchemy import func, select

from integration_centre.accounts.models import RecoveryCode, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import sealed
from integration_centre.privacy.errors import DecryptionError

logger = logging.getLogger(__name__)

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
    if not user.totp_enabled:
        return False
    try:
        secret = user.totp_secret
    except DecryptionError:
        # Moved from another user's row or altered: refuse (fail closed), say so in the log.
        logger.warning("TOTP secret of user %s failed authentication: code refused", user.id)
        return False
    if not secret:
        return False
    counter = _matching_counter(secret, code)
    if counter is None or (user.totp_last_counter is not None and counter <= user.totp_last_counter):
        return False
    user.totp_last_counter = counter
    return True


RECOVERY_CODE_PURPOSE = "recovery-code"
RECOVERY_CODE_GROUPS = 4  # of 4 base32 characters: 80 bits
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _normalise_code(code: str) -> str:
    return code.strip().replace("-", "").replace(" ", "").lower()


def _code_hash(user: User, code: str) -> str:
    """Keyed digest of a recovery code, bound to its user.

    The HMAC (under a keyring key) runs over the SHA-256 of the normalised code: the digests the
    application stored before keying (plain SHA-256) were converted by the migration into
    exactly these values, so the codes users printed then keep working.
    """
    inner = hashlib.sha256(_normalise_code(code).encode()).digest()
    return sealed.digest(RECOVERY_CODE_PURPOSE, sealed.owner(User.__tablename__, user.id), inner)


def _new_recovery_code() -> str:
    groups = ("".join(secrets.choice(_BASE32) for _ in range(4)) for _ in range(RECOVERY_CODE_GROUPS))
    return "-".join(groups)


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
    """Replace the user's recovery codes (80 bits each); only keyed digests are stored."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = _new_recovery_code()
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(user, code)))
    db.session.flush()
    return codes


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes of ``user`` are still unused."""
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(user: User, code: str) -> bool:
    """Consume one unused recovery code; each works once."""
    if not _normalise_code(code):
        return False
    digest = _code_hash(user, code)
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
