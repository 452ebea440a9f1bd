"""Errors of the privacy core."""

from __future__ import annotations


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


class RestrictedError(PrivacyError):
    """The person's file is restricted (GDPR Art. 18): it is read-only until the restriction is lifted.

    ``str(error)`` is a translated sentence for the user.
    """
