"""Application secrets sealed under a key of the keyring (not a person's data key).

For secrets that belong to the application's own records, e.g. a user's TOTP secret or the
digests of recovery codes: a copy of the database (file, WAL, dump) without the keyring gives
neither the secret nor a digest that can be brute-forced offline. Each value is bound to its
owner (``bound_to``, e.g. ``owner("user_account", 42)``): moved to another row, it fails.
"""

from __future__ import annotations

from integration_centre.privacy import crypto, runtime


def owner(table: str, row_id: object) -> str:
    """The ``bound_to`` of a row: ``"<table>:<id>"``."""
    if row_id is None:
        raise ValueError(f"the {table} row has no id yet: flush it before sealing a value bound to it")
    return f"{table}:{row_id}"


def seal(purpose: str, bound_to: str, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` (AES-256-GCM) under the keyring's key for ``purpose``."""
    ring = runtime.keyring()
    runtime.ensure_checks()
    return crypto.seal_secret(ring.derived_key(purpose), plaintext, purpose=purpose, bound_to=bound_to)


def unseal(purpose: str, bound_to: str, blob: bytes) -> bytes:
    """Decrypt a value of ``seal``; raises ``DecryptionError`` when it was moved or altered."""
    ring = runtime.keyring()
    return crypto.open_secret(ring.derived_key(purpose), bytes(blob), purpose=purpose, bound_to=bound_to)


def digest(purpose: str, bound_to: str, data: bytes) -> str:
    """Keyed digest (HMAC-SHA256, hex) of ``data`` under the keyring's key for ``purpose``."""
    ring = runtime.keyring()
    runtime.ensure_checks()
    return crypto.keyed_digest(ring.derived_key(purpose), data, purpose=purpose, bound_to=bound_to)
