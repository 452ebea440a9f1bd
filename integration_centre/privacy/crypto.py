"""Low-level formats: field ciphertext, wrapped person keys, typed plaintext encoding.

Field ciphertext (format version 1)::

    version (1 byte = 0x01) ‖ algorithm (1 byte = 0x01, AES-256-GCM) ‖ key reference
    (4 bytes, big-endian person key version) ‖ nonce (12 random bytes) ‖ ciphertext ‖ tag (16)

The associated data is ``b"IC-field\\0" ‖ header (the first 6 bytes) ‖ table ‖ column ‖ row id
(16 bytes) ‖ person id (16 bytes)``, strings length-prefixed, so a ciphertext copied to another
row, column, table or person fails to authenticate.

Wrapped person key (wrap version 1)::

    version (0x01) ‖ algorithm (0x01) ‖ nonce (12) ‖ AES-256-GCM(KEK, data key) ‖ tag (16)

with associated data ``b"IC-person-key\\0" ‖ header ‖ person id ‖ key version ‖ KEK id``.

Plaintext is a typed encoding, never pickle: ``tag byte ‖ u32 length ‖ payload ‖ zero padding``
where the padding (only with a length bucket) rounds the whole to a multiple of the bucket.
"""

from __future__ import annotations

import functools
import json
import os
import struct
import uuid
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from integration_centre.privacy.errors import DecryptionError

FORMAT_VERSION = 1
ALG_AES256GCM = 1
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
FIELD_HEADER = struct.Struct(">BBI")  # version, algorithm, key version
WRAP_HEADER = struct.Struct(">BB")
FIELD_OVERHEAD = FIELD_HEADER.size + NONCE_SIZE + TAG_SIZE

KINDS = ("str", "date", "int", "json", "bool")
_TAGS = {"str": b"s", "date": b"d", "int": b"i", "json": b"j", "bool": b"b"}
_KIND_OF_TAG = {tag[0]: kind for kind, tag in _TAGS.items()}
_LENGTH = struct.Struct(">I")


def _lp(data: bytes) -> bytes:
    """Length-prefixed bytes (unambiguous concatenation)."""
    return _LENGTH.pack(len(data)) + data


@functools.lru_cache(maxsize=1024)
def _place_bytes(table: str, column: str) -> bytes:
    return _lp(table.encode()) + _lp(column.encode())


def field_aad(header: bytes, table: str, column: str, row_id: uuid.UUID, person_id: uuid.UUID) -> bytes:
    """Associated data binding a field ciphertext to its place."""
    return b"IC-field\0" + header + _place_bytes(table, column) + row_id.bytes + person_id.bytes


def encrypt_field(
    key: bytes,
    key_version: int,
    plaintext: bytes,
    *,
    table: str,
    column: str,
    row_id: uuid.UUID,
    person_id: uuid.UUID,
    nonce: bytes | None = None,
) -> bytes:
    """Encrypt ``plaintext`` for one field; ``nonce`` is only given by the golden-vector tests."""
    header = FIELD_HEADER.pack(FORMAT_VERSION, ALG_AES256GCM, key_version)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    body = AESGCM(key).encrypt(nonce, plaintext, field_aad(header, table, column, row_id, person_id))
    return header + nonce + body


def field_key_version(blob: bytes) -> int:
    """The person key version a field ciphertext refers to (checks the header only)."""
    if len(blob) < FIELD_OVERHEAD:
        raise DecryptionError("ciphertext too short")
    version, algorithm, key_version = FIELD_HEADER.unpack_from(blob)
    if version != FORMAT_VERSION:
        raise DecryptionError(f"unknown ciphertext format version {version}")
    if algorithm != ALG_AES256GCM:
        raise DecryptionError(f"unknown ciphertext algorithm {algorithm}")
    return key_version


def decrypt_field(
    key: bytes, blob: bytes, *, table: str, column: str, row_id: uuid.UUID, person_id: uuid.UUID
) -> bytes:
    """Authenticate and decrypt one field ciphertext, or raise ``DecryptionError``."""
    if len(blob) < FIELD_OVERHEAD or blob[0] != FORMAT_VERSION or blob[1] != ALG_AES256GCM:
        field_key_version(blob)  # raises the precise error
    header = blob[: FIELD_HEADER.size]
    nonce = blob[FIELD_HEADER.size : FIELD_HEADER.size + NONCE_SIZE]
    body = blob[FIELD_HEADER.size + NONCE_SIZE :]
    try:
        return AESGCM(key).decrypt(nonce, body, field_aad(header, table, column, row_id, person_id))
    except InvalidTag:
        raise DecryptionError(f"ciphertext of {table}.{column} failed authentication") from None


def wrap_aad(header: bytes, person_id: uuid.UUID, key_version: int, kek_id: str) -> bytes:
    """Associated data binding a wrapped key to its person, key version and KEK."""
    return b"IC-person-key\0" + header + person_id.bytes + _LENGTH.pack(key_version) + _lp(kek_id.encode())


def wrap_key(
    kek: bytes, data_key: bytes, *, person_id: uuid.UUID, key_version: int, kek_id: str, nonce: bytes | None = None
) -> bytes:
    """Wrap a person's data key under a KEK."""
    header = WRAP_HEADER.pack(FORMAT_VERSION, ALG_AES256GCM)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    return header + nonce + AESGCM(kek).encrypt(nonce, data_key, wrap_aad(header, person_id, key_version, kek_id))


def unwrap_key(kek: bytes, wrapped: bytes, *, person_id: uuid.UUID, key_version: int, kek_id: str) -> bytes:
    """Unwrap a person's data key, or raise ``DecryptionError``."""
    if len(wrapped) != WRAP_HEADER.size + NONCE_SIZE + KEY_SIZE + TAG_SIZE:
        raise DecryptionError("wrapped key has the wrong length")
    version, algorithm = WRAP_HEADER.unpack_from(wrapped)
    if version != FORMAT_VERSION or algorithm != ALG_AES256GCM:
        raise DecryptionError("unknown wrapped key format")
    header = wrapped[: WRAP_HEADER.size]
    nonce = wrapped[WRAP_HEADER.size : WRAP_HEADER.size + NONCE_SIZE]
    try:
        return AESGCM(kek).decrypt(
            nonce, wrapped[WRAP_HEADER.size + NONCE_SIZE :], wrap_aad(header, person_id, key_version, kek_id)
        )
    except InvalidTag:
        raise DecryptionError(f"person key could not be unwrapped with KEK {kek_id}") from None


def encode_value(kind: str, value: Any, bucket: int | None = None) -> bytes:
    """Typed plaintext encoding of ``value`` (see module docstring)."""
    if kind == "str":
        if not isinstance(value, str):
            raise TypeError(f"expected str, got {type(value).__name__}")
        payload = value.encode("utf-8")
    elif kind == "date":
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise TypeError(f"expected date, got {type(value).__name__}")
        payload = value.isoformat().encode()
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected int, got {type(value).__name__}")
        payload = str(value).encode()
    elif kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"expected bool, got {type(value).__name__}")
        payload = b"1" if value else b"0"
    elif kind == "json":
        payload = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    else:
        raise ValueError(f"unknown field kind {kind!r}")
    data = _TAGS[kind] + _LENGTH.pack(len(payload)) + payload
    if bucket:
        data += b"\0" * (-len(data) % bucket)
    return data


def decode_value(kind: str, data: bytes) -> Any:
    """Inverse of ``encode_value``; raises ``DecryptionError`` on any inconsistency."""
    if len(data) < 1 + _LENGTH.size or _KIND_OF_TAG.get(data[0]) != kind:
        raise DecryptionError("plaintext has an unexpected type tag")
    (length,) = _LENGTH.unpack_from(data, 1)
    start = 1 + _LENGTH.size
    payload = data[start : start + length]
    if len(payload) != length or data[start + length :].strip(b"\0"):
        raise DecryptionError("plaintext has an inconsistent length")
    try:
        if kind == "str":
            return payload.decode("utf-8")
        if kind == "date":
            return date.fromisoformat(payload.decode())
        if kind == "int":
            return int(payload.decode())
        if kind == "bool":
            return {b"1": True, b"0": False}[payload]
        return json.loads(payload.decode("utf-8"))
    except (ValueError, KeyError) as exc:
        raise DecryptionError("plaintext could not be decoded") from exc
