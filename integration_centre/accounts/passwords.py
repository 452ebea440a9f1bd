"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A real hash of a random value: verifying against it costs the same as a real account.
_DUMMY_HASH = _hasher.hash("integration-centre-dummy-password-for-timing")


def configure(parameters: dict | None) -> None:
    """Use other argon2id cost parameters (``time_cost``, ``memory_cost``, ``parallelism``).

    Production keeps the library's recommended defaults; the test suite lowers the cost so that
    hundreds of logins stay fast. Hashes made under other parameters still verify.
    """
    global _hasher, _DUMMY_HASH
    hasher = PasswordHasher(**parameters) if parameters else PasswordHasher()
    current = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    if (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == current:
        return
    _hasher = hasher
    _DUMMY_HASH = _hasher.hash("integration-centre-dummy-password-for-timing")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and answer False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses outdated parameters."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased."""
    text = resources.files("integration_centre.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str) -> list[str]:
    """Codes of the policy rules the password breaks (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if password.lower() in common_passwords():
        problems.append("too_common")
    return problems
