"""Large personal content (evidence documents) sealed under the person's key, kept as files.

A 10 MB document in a database row costs a 10 MB write through the database's journal on every
upload; the ciphertext is the same whether it lies in a row or a file. ``EncryptedFileField`` seals
like ``EncryptedField`` (AES-256-GCM under the person's data key, same header and associated data
binding table, column, row id and person id; the plaintext is the raw content,
``crypto.seal_buffer``) and writes the ciphertext to an immutable file of the document store
(``DOCUMENTS_DIR``, default ``<instance>/documents``); the row's column keeps only a reference
(``REFERENCE_MAGIC`` and a random token), never a path. Nothing is on disk in clear.

Files follow the session's transaction: a file written in a transaction that rolls back is deleted;
a file whose reference is replaced or scrubbed is deleted once the transaction commits. Erasure
therefore deletes the files and destroys the key; a copied-away file is unreadable without the
person's key. Rows sealed inline before the store existed are still read.
"""

from __future__ import annotations

import mmap
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from integration_centre.extensions import db
from integration_centre.privacy import access as access_module
from integration_centre.privacy import crypto, keys
from integration_centre.privacy.errors import DecryptionError
from integration_centre.privacy.fields import _MISSING, _PLAIN_CACHE, EncryptedField

REFERENCE_MAGIC = b"\xf1"  # never a ciphertext format version: inline ciphertexts start with 0x01
TOKEN_BYTES = 16
SUFFIX = ".sealed"

_WRITTEN = "privacy_blobs_written"  # session.info: files written in the open transaction
_DISCARDED = "privacy_blobs_discarded"  # session.info: files to delete once it commits


def store_dir() -> Path:
    """The document store's folder (created on first use, owner-only)."""
    folder = Path(current_app.config["DOCUMENTS_DIR"])
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def is_reference(value: bytes | None) -> bool:
    """True when a column value is a reference to a file of the store (not inline ciphertext)."""
    return value is not None and len(value) == 1 + TOKEN_BYTES and bytes(value[:1]) == REFERENCE_MAGIC


def path_of(reference: bytes) -> Path:
    """The file a reference names."""
    token = bytes(reference[1:]).hex()
    return store_dir() / token[:2] / f"{token}{SUFFIX}"


def _write(blob: bytearray) -> bytes:
    """Write ``blob`` to a new file of the store; returns its reference (the file is created, never reused)."""
    reference = REFERENCE_MAGIC + secrets.token_bytes(TOKEN_BYTES)
    path = path_of(reference)
    path.parent.mkdir(exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(blob)
    except BaseException:  # disk full, quota, I/O error: no partial file is left behind
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    db.session().info.setdefault(_WRITTEN, []).append(reference)
    return reference


def _open(reference: bytes, aead_for: Callable[[bytes], Any], place: bytes, ids: bytes, what: str) -> bytes:
    """Decrypt the file of ``reference``, memory-mapped (no copy of the ciphertext in memory)."""
    try:
        handle = path_of(reference).open("rb", buffering=0)
    except FileNotFoundError:
        raise DecryptionError("the sealed file of this field is missing from the document store") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if size < crypto.FIELD_OVERHEAD:
            raise DecryptionError(f"the sealed file of {what} was cut short")
        with mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) as mapped:
            aead = aead_for(mapped[: crypto.FIELD_OVERHEAD])
            return crypto.open_buffer(aead, mapped, place, ids, what)


def discard(reference: bytes | None) -> None:
    """Delete the file of ``reference`` once the current transaction commits (kept if it rolls back)."""
    if is_reference(reference):
        db.session().info.setdefault(_DISCARDED, []).append(bytes(reference))


def discard_column(table, column_name: str, where) -> None:
    """Schedule the deletion of the files referenced by ``table.column_name`` in the rows ``where``."""
    for value in db.session.scalars(select(table.c[column_name]).where(where)):
        discard(value)


def _unlink(references: list[bytes]) -> None:
    for reference in references:
        path_of(reference).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_DISCARDED, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """A transaction that ended without commit (rollback, close): its new files go, old ones stay."""
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    session.info.pop(_DISCARDED, None)
    _unlink(session.info.pop(_WRITTEN, []))


class EncryptedFileField(EncryptedField):
    """A ``bytes`` field sealed like ``EncryptedField`` but stored as a file of the document store."""

    def __init__(self, *, column: str | None = None) -> None:
        super().__init__("bytes", column=column)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__.get(self.column_attr, _MISSING)
        if value is _MISSING:
            value = getattr(instance, self.column_attr)
        if not is_reference(value):
            return super().__get__(instance, owner)  # None, or sealed inline before the store
        _row_id, person_id, ids, _attr = self._ids(instance, assign=False)
        ctx = access_module.require(person_id)
        cache = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] is value:
            return hit[1]
        place, what = self._place(type(instance))
        plaintext = _open(
            value, lambda head: keys.cipher(person_id, crypto.field_key_version(head), ctx.keys), place, ids, what
        )
        cache[self.name] = (value, plaintext)
        return plaintext

    def __set__(self, instance: Any, value: Any) -> None:
        previous = instance.__dict__.get(self.column_attr)
        cache = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        if value is None:
            cache.pop(self.name, None)
            setattr(instance, self.column_attr, None)
        else:
            if not isinstance(value, bytes | bytearray | memoryview):
                raise TypeError(f"{self.name} takes bytes, not {type(value).__name__}")
            _row_id, person_id, ids, _attr = self._ids(instance, assign=True)
            ctx = access_module.note_write(person_id, creating=instance._sa_instance_state.key is None)
            key_version, aead = keys.cipher_for_write(person_id, ctx.keys)
            place, _what = self._place(type(instance))
            reference = _write(crypto.seal_buffer(aead, crypto.field_header(key_version), value, place, ids))
            setattr(instance, self.column_attr, reference)
            cache[self.name] = (reference, value)
        discard(previous)


def file_columns() -> list[tuple[Any, str]]:
    """(table, column name) of every file-backed field of the mapped models."""
    found = []
    for mapper in db.Model.registry.mappers:
        for klass in mapper.class_.__mro__:
            for value in vars(klass).values():
                if isinstance(value, EncryptedFileField) and value.column_attr in mapper.attrs:
                    column = mapper.attrs[value.column_attr].columns[0]
                    found.append((column.table, column.name))
    return sorted(set(found), key=lambda item: (item[0].name, item[1]))


def sweep_orphans() -> int:
    """Delete the store's files that no row references (left by a crash between write and commit)."""
    folder = store_dir()
    referenced: set[bytes] = set()
    for table, column_name in file_columns():
        referenced.update(bytes(v) for v in db.session.scalars(select(table.c[column_name])) if is_reference(v))
    removed = 0
    for path in folder.glob(f"*/*{SUFFIX}"):
        try:
            reference = REFERENCE_MAGIC + bytes.fromhex(path.name.removesuffix(SUFFIX))
        except ValueError:
            continue
        if reference not in referenced:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
