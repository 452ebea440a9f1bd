"""The keyring: the root of trust, kept outside the database.

It holds key-encryption keys (KEK) by id with one primary, the blind-index root key and the
audit-chain key. It never derives anything from Flask's SECRET_KEY. It comes from a
``KeyProvider``: a JSON file (``INTEGRATION_CENTRE_MASTER_KEY_FILE``, mode 0600) or the
``INTEGRATION_CENTRE_MASTER_KEY`` setting (same JSON, for CI and containers). A KMS or Vault
transit backend plugs in by implementing ``KeyProvider`` and returning a ``Keyring`` subclass
whose ``wrap``/``unwrap`` call the service instead of holding KEK bytes.

File format (JSON)::

    {"format": "integration-centre-keyring/1", "demo": false, "primary_kek": "kek-…",
     "keks": {"kek-…": "<base64 32 bytes>", …}, "index_key": "<base64>", "audit_key": "<base64>"}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from integration_centre import clock
from integration_centre.config import ConfigurationError
from integration_centre.privacy import crypto

KEYRING_FORMAT = "integration-centre-keyring/1"
ENV_NAME = "INTEGRATION_CENTRE_MASTER_KEY"
NEW_KEYRING_HINT = "python -m integration_centre.privacy new-keyring"


def create_hint(path: str | Path) -> str:
    """How to create a keyring, for error messages (one line)."""
    return (
        f"create one with `{NEW_KEYRING_HINT} {path}` (or `integration-centre quickstart` for a demo), "
        f"or set {ENV_NAME}"
    )


def new_kek_id() -> str:
    """A fresh KEK id: date plus random suffix (never reused)."""
    return f"kek-{clock.utcnow():%Y%m%d}-{secrets.token_hex(3)}"


@dataclass
class Keyring:
    """Keys in memory. ``source`` names where they came from (for messages, never the keys)."""

    keks: dict[str, bytes]
    primary_kek_id: str
    index_root_key: bytes
    audit_key: bytes
    demo: bool = False
    source: str = "keyring"
    _index_keys: dict[str, bytes] = field(default_factory=dict, repr=False, init=False)
    _derived_keys: dict[str, bytes] = field(default_factory=dict, repr=False, init=False)

    def __post_init__(self) -> None:
        if self.primary_kek_id not in self.keks:
            raise ValueError(f"primary KEK {self.primary_kek_id!r} is not in the keyring")
        for name, key in [*self.keks.items(), ("index_key", self.index_root_key), ("audit_key", self.audit_key)]:
            if len(key) != crypto.KEY_SIZE:
                raise ValueError(f"{name} must be {crypto.KEY_SIZE} bytes")

    def has_kek(self, kek_id: str) -> bool:
        """True when the keyring holds ``kek_id``."""
        return kek_id in self.keks

    def wrap(self, data_key: bytes, *, person_id, key_version: int, kek_id: str | None = None) -> tuple[str, bytes]:
        """Wrap a data key under ``kek_id`` (default: the primary KEK); returns (KEK id, wrapped)."""
        kek_id = kek_id or self.primary_kek_id
        return kek_id, crypto.wrap_key(
            self.keks[kek_id], data_key, person_id=person_id, key_version=key_version, kek_id=kek_id
        )

    def unwrap(self, wrapped: bytes, *, kek_id: str, person_id, key_version: int) -> bytes:
        """Unwrap a data key wrapped under ``kek_id``."""
        return crypto.unwrap_key(
            self.keks[kek_id], wrapped, person_id=person_id, key_version=key_version, kek_id=kek_id
        )

    def index_key(self, index_name: str) -> bytes:
        """The key of one blind index, derived with HKDF-SHA256 from the index root key."""
        key = self._index_keys.get(index_name)
        if key is None:
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"integration-centre blind index",
                info=f"blind-index:v1:{index_name}".encode(),
            ).derive(self.index_root_key)
            self._index_keys[index_name] = key
        return key

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for one application purpose (``"totp-secret"``, ``"recovery-code"``…).

        Derived with HKDF-SHA256 from the index root key under a salt of its own, so it is
        independent of every blind-index key. The root is that key because, like the audit key,
        it never rotates and never leaves the keyring, whereas KEKs are promoted and retired
        (a secret sealed under a KEK would need re-encrypting at each retirement). The database
        holds the index key's check value, so a wrong keyring is refused before any use.
        """
        key = self._derived_keys.get(purpose)
        if key is None:
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"integration-centre derived key",
                info=f"derived-key:v1:{purpose}".encode(),
            ).derive(self.index_root_key)
            self._derived_keys[purpose] = key
        return key

    def check_value(self, name: str) -> bytes:
        """Key-check value of the index or audit key (HMAC of a constant; reveals nothing)."""
        key = {"index": self.index_root_key, "audit": self.audit_key}[name]
        return hmac.new(key, f"integration-centre key check:{name}".encode(), hashlib.sha256).digest()

    def to_json(self) -> str:
        """Serialise (for the keyring file); contains the keys themselves."""
        b64 = lambda key: base64.b64encode(key).decode()  # noqa: E731
        return json.dumps(
            {
                "format": KEYRING_FORMAT,
                "demo": self.demo,
                "primary_kek": self.primary_kek_id,
                "keks": {kek_id: b64(key) for kek_id, key in self.keks.items()},
                "index_key": b64(self.index_root_key),
                "audit_key": b64(self.audit_key),
            },
            indent=2,
        )


def generate_keyring(*, demo: bool = False) -> Keyring:
    """A new keyring with random keys (one KEK, primary)."""
    kek_id = new_kek_id()
    return Keyring(
        keks={kek_id: secrets.token_bytes(32)},
        primary_kek_id=kek_id,
        index_root_key=secrets.token_bytes(32),
        audit_key=secrets.token_bytes(32),
        demo=demo,
    )


def parse_keyring(text: str, source: str) -> Keyring:
    """Parse keyring JSON; any defect raises ``ConfigurationError`` naming the source, not the keys."""

    def invalid(what: str) -> ConfigurationError:
        return ConfigurationError(f"keyring {source} is invalid ({what}); {create_hint('PATH')}")

    try:
        data = json.loads(text)
    except ValueError:
        raise invalid("not JSON") from None
    if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
        raise invalid(f"format is not {KEYRING_FORMAT}")

    def key(value, name: str) -> bytes:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise invalid(f"{name} is not base64") from None
        if len(raw) != crypto.KEY_SIZE:
            raise invalid(f"{name} is not {crypto.KEY_SIZE} bytes")
        return raw

    keks = data.get("keks")
    if not isinstance(keks, dict) or not keks:
        raise invalid("no KEK")
    if data.get("primary_kek") not in keks:
        raise invalid("primary_kek is not one of the KEKs")
    if not isinstance(data.get("demo", False), bool):
        raise invalid("demo must be true or false")
    return Keyring(
        keks={str(kek_id): key(value, f"KEK {kek_id}") for kek_id, value in keks.items()},
        primary_kek_id=data["primary_kek"],
        index_root_key=key(data.get("index_key"), "index_key"),
        audit_key=key(data.get("audit_key"), "audit_key"),
        demo=data.get("demo", False),
        source=source,
    )


class KeyProvider(Protocol):
    """Where the keyring comes from. Implement this to plug in a KMS."""

    source: str
    writable: bool

    def load(self) -> Keyring:
        """Return the keyring, or raise ``ConfigurationError`` with one clear line."""

    def changed(self) -> bool:
        """Cheap check: has the keyring changed since the last ``load``?"""

    def save(self, keyring: Keyring) -> None:
        """Persist a modified keyring (KEK added, promoted, retired)."""


class FileKeyProvider:
    """A keyring JSON file, mode 0600 (refused when readable by group or others)."""

    writable = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.source = f"file {self.path}"
        self._stamp: tuple | None = None

    def _stat(self) -> tuple | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Keyring:
        """Read and parse the file (fail closed)."""
        if not self.path.exists():
            raise ConfigurationError(f"keyring file {self.path} is missing: {create_hint(self.path)}")
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8"
            raise ConfigurationError(
                f"keyring file {self.path} cannot be read ({reason}): fix its owner/permissions or "
                f"{create_hint(self.path)}"
            ) from None
        if mode & 0o077:
            raise ConfigurationError(
                f"keyring file {self.path} is readable by other users (mode {mode:04o}): run `chmod 600 {self.path}`"
            )
        self._stamp = self._stat()
        return parse_keyring(text, self.source)

    def changed(self) -> bool:
        """True when the file was replaced or modified since it was loaded."""
        return self._stat() != self._stamp

    def save(self, keyring: Keyring) -> None:
        """Atomically replace the file (temporary file 0600 + rename)."""
        write_keyring_file(self.path, keyring, overwrite=True)


class SettingKeyProvider:
    """The keyring JSON given in ``INTEGRATION_CENTRE_MASTER_KEY`` (read-only)."""

    writable = False

    def __init__(self, content: str) -> None:
        self.content = content
        self.source = f"setting {ENV_NAME}"

    def load(self) -> Keyring:
        """Parse the setting."""
        return parse_keyring(self.content, self.source)

    def changed(self) -> bool:
        """A setting never changes while the process runs."""
        return False

    def save(self, keyring: Keyring) -> None:
        """Refuse: the setting is managed outside the application."""
        raise ConfigurationError(
            f"the keyring comes from {ENV_NAME}: change it where that variable is defined "
            "(use a keyring file to manage keys with this command)"
        )


def write_keyring_file(path: str | Path, keyring: Keyring, *, overwrite: bool = False) -> None:
    """Write the keyring to ``path`` with mode 0600 (atomic replace when ``overwrite``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(keyring.to_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if someone created the file meanwhile
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def provider_for(config) -> KeyProvider:
    """The provider configured for an app: the setting wins over the file."""
    if config.get("MASTER_KEY"):
        return SettingKeyProvider(config["MASTER_KEY"])
    return FileKeyProvider(config["MASTER_KEY_FILE"])
