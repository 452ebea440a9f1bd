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

Sealed application secret (seal version 1), e.g. a user's TOTP secret::

    version (0x01) ‖ algorithm (0x01) ‖ nonce (12) ‖ AES-256-GCM(key, secret) ‖ tag (16)

with associated data ``b"IC-sealed\\0" ‖ header ‖ purpose ‖ bound-to`` (length-prefixed), so a
sealed value copied to another row (another user) or used for another purpose fails to open.
Keyed digests (``keyed_digest``) are HMAC-SHA256 over ``b"IC-digest\\0" ‖ purpose ‖ bound-to ‖ data``.

Plaintext is a typed encoding, never pickle: ``tag byte ‖ u32 length ‖ payload ‖ zero padding``
where the padding (only with a length bucket) rounds the whole to a multiple of the bucket.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
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

KINDS = ("str", "date", "int", "json", "bool", "bytes")
_TAGS = {"str": b"s", "date": b"d", "int": b"i", "json": b"j", "bool": b"b", "bytes": b"y"}
_LENGTH = struct.Struct(">I")


def _lp(data: bytes) -> bytes:
    """Length-prefixed bytes (unambiguous concatenation)."""
    return _LENGTH.pack(len(data)) + data


FIELD_AAD_PREFIX = b"IC-field\0"
_HEADER_END = FIELD_HEADER.size
_NONCE_END = FIELD_HEADER.size + NONCE_SIZE


@functools.lru_cache(maxsize=1024)
def place_bytes(table: str, column: str) -> bytes:
    """The length-prefixed ``table ‖ column`` part of a field's associated data (cached)."""
    return _lp(table.encode()) + _lp(column.encode())


@functools.lru_cache(maxsize=64)
def field_header(key_version: int) -> bytes:
    """The 6-byte header of a field ciphertext under person key version ``key_version``."""
    return FIELD_HEADER.pack(FORMAT_VERSION, ALG_AES256GCM, key_version)


def field_aad(header: bytes, table: str, column: str, row_id: uuid.UUID, person_id: uuid.UUID) -> bytes:
    """Associated data binding a field ciphertext to its place."""
    return FIELD_AAD_PREFIX + header + place_bytes(table, column) + row_id.bytes + person_id.bytes


def seal(aead: AESGCM, header: bytes, plaintext: bytes, place: bytes, ids: bytes, nonce: bytes | None = None) -> bytes:
    """Encrypt one field with a ready ``AESGCM``; ``place`` from ``place_bytes``, ``ids`` = row ‖ person id bytes.

    The hot path of ``EncryptedField``: same output format as ``encrypt_field``.
    """
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    return header + nonce + aead.encrypt(nonce, plaintext, FIELD_AAD_PREFIX + header + place + ids)


def open_sealed(aead: AESGCM, blob: bytes, place: bytes, ids: bytes, what: str = "field") -> bytes:
    """Authenticate and decrypt one field with a ready ``AESGCM`` (inverse of ``seal``), or raise ``DecryptionError``.

    The caller has checked the header with ``field_key_version`` (to pick the key).
    """
    header = blob[:_HEADER_END]
    try:
        return aead.decrypt(blob[_HEADER_END:_NONCE_END], blob[_NONCE_END:], FIELD_AAD_PREFIX + header + place + ids)
    except InvalidTag:
        raise DecryptionError(f"ciphertext of {what} failed authentication") from None


def seal_buffer(aead: AESGCM, header: bytes, plaintext, place: bytes, ids: bytes) -> bytearray:
    """``seal`` for large raw content, without intermediate copies (same layout and associated data).

    The plaintext is the content itself (no typed encoding): a large value is always bytes.
    """
    nonce = os.urandom(NONCE_SIZE)
    sealed = bytearray(_NONCE_END + len(plaintext) + TAG_SIZE)
    sealed[:_NONCE_END] = header + nonce
    aead.encrypt_into(nonce, plaintext, FIELD_AAD_PREFIX + header + place + ids, memoryview(sealed)[_NONCE_END:])
    return sealed


def open_buffer(aead: AESGCM, sealed, place: bytes, ids: bytes, what: str = "field") -> bytes:
    """Inverse of ``seal_buffer`` over any buffer (e.g. a memory-mapped file), or ``DecryptionError``;
    the caller checked the header."""
    with memoryview(sealed) as view:
        if len(view) < FIELD_OVERHEAD:
            raise DecryptionError(f"ciphertext of {what} too short")
        header, nonce = bytes(view[:_HEADER_END]), bytes(view[_HEADER_END:_NONCE_END])
        try:
            with view[_NONCE_END:] as ciphertext:
                return aead.decrypt(nonce, ciphertext, FIELD_AAD_PREFIX + header + place + ids)
        except InvalidTag:
            raise DecryptionError(f"ciphertext of {what} failed authentication") from None


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
    return seal(
        AESGCM(key),
        field_header(key_version),
        plaintext,
        place_bytes(table, column),
        row_id.bytes + person_id.bytes,
        nonce,
    )


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
    field_key_version(blob)
    return open_sealed(
        AESGCM(key), blob, place_bytes(table, column), row_id.bytes + person_id.bytes, f"{table}.{column}"
    )


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


def wrap_key_with(kek_aead: AESGCM, data_key: bytes, *, person_id: uuid.UUID, key_version: int, kek_id: str) -> bytes:
    """``wrap_key`` with a ready AES-GCM object on the KEK (bulk creation: one per KEK, not per person)."""
    header = WRAP_HEADER.pack(FORMAT_VERSION, ALG_AES256GCM)
    nonce = os.urandom(NONCE_SIZE)
    return header + nonce + kek_aead.encrypt(nonce, data_key, wrap_aad(header, person_id, key_version, kek_id))


def unwrap_key(kek: bytes, wrapped: bytes, *, person_id: uuid.UUID, key_version: int, kek_id: str) -> bytes:
    """Unwrap a person's data key, or raise ``DecryptionError``."""
    return unwrap_key_with(AESGCM(kek), wrapped, person_id=person_id, key_version=key_version, kek_id=kek_id)


def unwrap_key_with(kek_aead: AESGCM, wrapped: bytes, *, person_id: uuid.UUID, key_version: int, kek_id: str) -> bytes:
    """``unwrap_key`` with a ready AES-GCM object on the KEK (hot path: one per KEK, not per person)."""
    if len(wrapped) != WRAP_HEADER.size + NONCE_SIZE + KEY_SIZE + TAG_SIZE:
        raise DecryptionError("wrapped key has the wrong length")
    version, algorithm = WRAP_HEADER.unpack_from(wrapped)
    if version != FORMAT_VERSION or algorithm != ALG_AES256GCM:
        raise DecryptionError("unknown wrapped key format")
    header = wrapped[: WRAP_HEADER.size]
    nonce = wrapped[WRAP_HEADER.size : WRAP_HEADER.size + NONCE_SIZE]
    try:
        return kek_aead.decrypt(
            nonce, wrapped[WRAP_HEADER.size + NONCE_SIZE :], wrap_aad(header, person_id, key_version, kek_id)
        )
    except InvalidTag:
        raise DecryptionError(f"person key could not be unwrapped with KEK {kek_id}") from None


SEALED_AAD_PREFIX = b"IC-sealed\0"
DIGEST_PREFIX = b"IC-digest\0"


def _sealed_aad(header: bytes, purpose: str, bound_to: str) -> bytes:
    return SEALED_AAD_PREFIX + header + _lp(purpose.encode()) + _lp(bound_to.encode())


def seal_secret(key: bytes, plaintext: bytes, *, purpose: str, bound_to: str, nonce: bytes | None = None) -> bytes:
    """Encrypt an application secret (not personal data of a data subject: e.g. a TOTP secret)
    for ``purpose``, bound to one owner (``bound_to``, e.g. ``"user_account:42"``)."""
    header = WRAP_HEADER.pack(FORMAT_VERSION, ALG_AES256GCM)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, _sealed_aad(header, purpose, bound_to))


def open_secret(key: bytes, blob: bytes, *, purpose: str, bound_to: str) -> bytes:
    """Authenticate and decrypt a value of ``seal_secret``, or raise ``DecryptionError``."""
    if len(blob) < WRAP_HEADER.size + NONCE_SIZE + TAG_SIZE:
        raise DecryptionError("sealed value too short")
    version, algorithm = WRAP_HEADER.unpack_from(blob)
    if version != FORMAT_VERSION or algorithm != ALG_AES256GCM:
        raise DecryptionError("unknown sealed value format")
    header = blob[: WRAP_HEADER.size]
    nonce = blob[WRAP_HEADER.size : WRAP_HEADER.size + NONCE_SIZE]
    try:
        return AESGCM(key).decrypt(nonce, blob[WRAP_HEADER.size + NONCE_SIZE :], _sealed_aad(header, purpose, bound_to))
    except InvalidTag:
        raise DecryptionError(f"sealed {purpose} failed authentication") from None


def keyed_digest(key: bytes, data: bytes, *, purpose: str, bound_to: str) -> str:
    """HMAC-SHA256 (hex) of ``data`` for ``purpose`` and one owner: without the key, a stolen
    digest cannot be brute-forced offline, and a digest copied to another owner does not match."""
    message = DIGEST_PREFIX + _lp(purpose.encode()) + _lp(bound_to.encode()) + data
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _payload_str(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    return value.encode("utf-8")


def _payload_date(value: Any) -> bytes:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise TypeError(f"expected date, got {type(value).__name__}")
    return value.isoformat().encode()


def _payload_int(value: Any) -> bytes:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected int, got {type(value).__name__}")
    return str(value).encode()


def _payload_bool(value: Any) -> bytes:
    if not isinstance(value, bool):
        raise TypeError(f"expected bool, got {type(value).__name__}")
    return b"1" if value else b"0"


def _payload_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


_ENCODERS = {
    "str": (_payload_str, _TAGS["str"]),
    "date": (_payload_date, _TAGS["date"]),
    "int": (_payload_int, _TAGS["int"]),
    "bool": (_payload_bool, _TAGS["bool"]),
    "json": (_payload_json, _TAGS["json"]),
    "bytes": (bytes, _TAGS["bytes"]),
}
_BOOLS = {b"1": True, b"0": False}
_DECODERS = {
    "str": lambda payload: payload.decode("utf-8"),
    "date": lambda payload: date.fromisoformat(payload.decode()),
    "int": lambda payload: int(payload.decode()),
    "bool": _BOOLS.__getitem__,
    "json": lambda payload: json.loads(payload.decode("utf-8")),
    "bytes": bytes,
}
_TAG_BYTE = {kind: tag[0] for kind, tag in _TAGS.items()}
_PAYLOAD_START = 1 + _LENGTH.size


def encode_value(kind: str, value: Any, bucket: int | None = None) -> bytes:
    """Typed plaintext encoding of ``value`` (see module docstring)."""
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        raise ValueError(f"unknown field kind {kind!r}")
    payload = encoder[0](value)
    data = encoder[1] + _LENGTH.pack(len(payload)) + payload
    if bucket:
        data += b"\0" * (-len(data) % bucket)
    return data


def decode_value(kind: str, data: bytes) -> Any:
    """Inverse of ``encode_value``; raises ``DecryptionError`` on any inconsistency."""
    if len(data) < _PAYLOAD_START or data[0] != _TAG_BYTE.get(kind):
        raise DecryptionError("plaintext has an unexpected type tag")
    (length,) = _LENGTH.unpack_from(data, 1)
    end = _PAYLOAD_START + length
    payload = data[_PAYLOAD_START:end]
    if len(payload) != length or (len(data) > end and data[end:].strip(b"\0")):
        raise DecryptionError("plaintext has an inconsistent length")
    try:
        return _DECODERS[kind](payload)
    except (ValueError, KeyError) as exc:
        raise DecryptionError("plaintext could not be decoded") from exc
