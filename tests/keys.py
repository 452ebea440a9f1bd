"""Deterministic test keyrings (never used outside tests).

Every test app gets ``TEST_KEYRING`` through the ``MASTER_KEY`` setting, so the session's
database always meets the same keys. Tests that manage keys (rotation, CLI) write their own
keyring file instead with ``keyring_file``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from integration_centre.privacy.keyring import Keyring, write_keyring_file

TEST_KEK_ID = "kek-test-1"


def test_key(label: str) -> bytes:
    """A fixed 32-byte key for ``label`` (deterministic so failures reproduce)."""
    return hashlib.sha256(f"integration-centre test key:{label}".encode()).digest()


def make_keyring(*labels: str, primary: str | None = None, demo: bool = False, salt: str = "") -> Keyring:
    """A keyring with KEKs ``labels`` (default one test KEK); ``salt`` changes every key."""
    labels = labels or (TEST_KEK_ID,)
    return Keyring(
        keks={label: test_key(salt + label) for label in labels},
        primary_kek_id=primary or labels[0],
        index_root_key=test_key(salt + "index"),
        audit_key=test_key(salt + "audit"),
        demo=demo,
    )


TEST_KEYRING = make_keyring()


def keyring_settings(instance: Path) -> dict:
    """Settings giving a test app a valid keyring."""
    return {"MASTER_KEY": TEST_KEYRING.to_json()}


def keyring_file(path: Path, keyring: Keyring | None = None) -> Path:
    """Write ``keyring`` (default the test keyring) to ``path`` with mode 0600."""
    write_keyring_file(path, keyring or make_keyring(), overwrite=True)
    return path
