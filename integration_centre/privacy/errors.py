"""Errors of the privacy core."""

from __future__ import annotations

from integration_centre.errors import DomainError


class PrivacyError(Exception):
    """Base class of every privacy error."""


class DecryptionError(PrivacyError):
    """Stored bytes could not be authenticated and decrypted (tampered, moved, unknown format).

    The message never contains ciphertext, key material or plaintext.
    """


class KeyDestroyedError(DecryptionError):
    """The person's data key was destroyed (erasure): their encrypted fields are unreadable."""


class AccessError(PrivacyError):
    """Personal data was read or written outside an access context naming the person."""


class InvalidNISSError(ValueError):
    """The value is not a valid Belgian national register number (NISS)."""


class PrivacyRefusal(PrivacyError, DomainError):
    """A privacy rule refused the operation; ``str(error)`` is a translated sentence for the user."""


class ErasureRefused(PrivacyRefusal):
    """A legal hold applies: ``reasons`` are translated sentences for the user."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


class RestrictedError(PrivacyRefusal):
    """The person's file is restricted (GDPR Art. 18): it is read-only until the restriction is lifted.

    ``str(error)`` is a translated sentence for the user.
    """
