"""Per-person data keys (envelope encryption) and KEK rotation.

Each person has one random 256-bit data key, stored only wrapped (AES-256-GCM) under a KEK of
the keyring; the wrap is bound to person id, key version and KEK id. Unwrapped keys live in the
request's cache only. Rotation re-wraps data keys; field ciphertext is never re-encrypted.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm.util import identity_key

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import access as access_module
from integration_centre.privacy import audit, crypto, runtime
from integration_centre.privacy.errors import DecryptionError, KeyDestroyedError
from integration_centre.privacy.models import BlindIndexEntry, KeyCheck, PersonKey

KEY_VERSION = 1


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _cache_put(person_id: uuid.UUID, key_version: int, key: bytes, cache: dict | None = None) -> tuple:
    """Cache (version, key, ready AESGCM) for the request; returns the entry."""
    entry = (key_version, key, AESGCM(key))
    cache = access_module.key_cache() if cache is None else cache
    if cache is not None:
        cache[person_id] = entry
    return entry


def create_person_key(person_id: Any) -> tuple[int, bytes]:
    """Create and store (wrapped) a new random data key for ``person_id`` (flushes nothing).

    Returns (key version, key) for the caller's immediate use; the key is also cached.
    """
    person_id = _as_uuid(person_id)
    current = runtime.state()
    current.reload_if_changed()
    ring = runtime.keyring()
    runtime.ensure_checks()
    with db.session.no_autoflush:
        if _load(person_id) is not None:
            raise ValueError("this person already has a data key")
    data_key = secrets.token_bytes(32)
    kek_id, wrapped = ring.wrap(data_key, person_id=person_id, key_version=KEY_VERSION)
    db.session.add(PersonKey(person_id=person_id, key_version=KEY_VERSION, kek_id=kek_id, wrapped=wrapped))
    _cache_put(person_id, KEY_VERSION, data_key)
    return KEY_VERSION, data_key


def create_person_keys(person_ids: Any, cache: dict | None = None) -> None:
    """``create_person_key`` for many new persons at once: one query to refuse a person who
    already has a key, one ``INSERT`` (executemany) of the wrapped keys.

    The keys are cached (in ``cache``, by default the current context's) for the encryption that
    follows; the rows are written at once (core statement), not at the next flush.
    """
    ids = [_as_uuid(person_id) for person_id in person_ids]
    if not ids:
        return
    if len(set(ids)) != len(ids):
        raise ValueError("a person is named twice")
    current = runtime.state()
    current.reload_if_changed()
    ring = runtime.keyring()
    runtime.ensure_checks()
    wanted = set(ids)
    with db.session.no_autoflush:
        pending = any(isinstance(row, PersonKey) and row.person_id in wanted for row in db.session.new)
        if pending or db.session.scalar(select(PersonKey.person_id).where(PersonKey.person_id.in_(ids)).limit(1)):
            raise ValueError("this person already has a data key")
    cache = access_module.key_cache() if cache is None else cache
    kek_id = ring.primary_kek_id
    kek = _kek_cipher(ring, kek_id)
    now = utcnow()
    rows = []
    for person_id in ids:
        key = secrets.token_bytes(32)
        wrapped = crypto.wrap_key_with(kek, key, person_id=person_id, key_version=KEY_VERSION, kek_id=kek_id)
        rows.append(
            {
                "person_id": person_id,
                "key_version": KEY_VERSION,
                "kek_id": kek_id,
                "wrapped": wrapped,
                "created_at": now,
            }
        )
        _cache_put(person_id, KEY_VERSION, key, cache)
    db.session.execute(PersonKey.__table__.insert(), rows)


_LOAD = object()  # "look the person's key row up" (the default of ``_entry``)


def _load(person_id: uuid.UUID) -> PersonKey | None:
    """The person's key row, including one added in this transaction and not yet flushed."""
    row = db.session.identity_map.get(identity_key(PersonKey, person_id))
    if row is not None:
        state = inspect(row)
        if state.persistent and not state.expired:
            return row
    for pending in db.session.new:
        if isinstance(pending, PersonKey) and pending.person_id == person_id:
            return pending
    with db.session.no_autoflush:
        return db.session.get(PersonKey, person_id)


# AES-GCM objects on the KEKs of the keyring currently loaded (dropped when another is loaded).
_kek_ciphers: tuple[Any, dict[str, AESGCM]] = (None, {})


def _kek_cipher(ring: Any, kek_id: str) -> AESGCM:
    global _kek_ciphers
    if _kek_ciphers[0] is not ring:
        _kek_ciphers = (ring, {})
    aead = _kek_ciphers[1].get(kek_id)
    if aead is None:
        aead = _kek_ciphers[1][kek_id] = AESGCM(ring.keks[kek_id])
    return aead


def _unwrap(row: Any) -> bytes:
    """The data key of a key row (a ``PersonKey`` or a plain row with its columns)."""
    current = runtime.state()
    ring = runtime.keyring()
    if not ring.has_kek(row.kek_id) and current.reload_if_changed():
        ring = runtime.keyring()
    if not ring.has_kek(row.kek_id):
        raise DecryptionError(f"KEK {row.kek_id} is not in the keyring")
    return crypto.unwrap_key_with(
        _kek_cipher(ring, row.kek_id),
        row.wrapped,
        person_id=row.person_id,
        key_version=row.key_version,
        kek_id=row.kek_id,
    )


def _entry(person_id: uuid.UUID, key_version: int, cache: dict | None, row: Any = _LOAD) -> tuple:
    """The cached (version, key, AESGCM) of a person for decryption, unwrapping it on a miss
    (``row``: the person's key columns when the caller read them already)."""
    hit = cache.get(person_id) if cache is not None else None
    if hit is not None and hit[0] == key_version:
        return hit
    if row is _LOAD:
        row = _load(person_id)
    if row is None:
        raise DecryptionError("no data key for this person")
    if row.wrapped is None:
        raise KeyDestroyedError("this person's data key was destroyed (erased)")
    if row.key_version != key_version:
        raise DecryptionError("the ciphertext refers to an unknown key version")
    return _cache_put(person_id, row.key_version, _unwrap(row), cache)


def _entry_for_write(person_id: uuid.UUID, cache: dict | None) -> tuple:
    """The cached (version, key, AESGCM) to encrypt with; creates the key on the first write."""
    hit = cache.get(person_id) if cache is not None else None
    if hit is not None:
        return hit
    row = _load(person_id)
    if row is None:
        version, key = create_person_key(person_id)
        hit = cache.get(person_id) if cache is not None else None
        return hit if hit is not None and hit[1] is key else _cache_put(person_id, version, key, cache)
    if row.wrapped is None:
        raise KeyDestroyedError("this person's data key was destroyed (erased): nothing can be written")
    return _cache_put(person_id, row.key_version, _unwrap(row), cache)


def data_key(person_id: uuid.UUID, key_version: int) -> bytes:
    """The unwrapped data key (version ``key_version``) of a person, for decryption."""
    return _entry(person_id, key_version, access_module.key_cache())[1]


def data_key_for_write(person_id: uuid.UUID) -> tuple[int, bytes]:
    """(version, key) to encrypt a person's field; creates the key on the person's first write."""
    version, key, _aead = _entry_for_write(person_id, access_module.key_cache())
    return version, key


def cipher(person_id: uuid.UUID, key_version: int, cache: dict | None, key_row: Any = _LOAD) -> AESGCM:
    """A ready AES-GCM object on the person's data key (``cache``: the context's key cache;
    ``key_row``: the person's key columns, ``person_id``, ``key_version``, ``kek_id`` and
    ``wrapped``, when already read with the ciphertext, else the key row is looked up)."""
    return _entry(person_id, key_version, cache, key_row)[2]


def cipher_for_write(person_id: uuid.UUID, cache: dict | None) -> tuple[int, AESGCM]:
    """(key version, ready AES-GCM object) to encrypt a person's field."""
    entry = _entry_for_write(person_id, cache)
    return entry[0], entry[2]


def preload(person_ids: Any) -> None:
    """Load the key rows of many persons in one query (before decrypting a list of them)."""
    identity_map = db.session.identity_map
    ids = [pid for pid in {_as_uuid(p) for p in person_ids} if identity_map.get(identity_key(PersonKey, pid)) is None]
    if ids:
        with db.session.no_autoflush:
            db.session.scalars(select(PersonKey).where(PersonKey.person_id.in_(ids))).all()


def has_person_key(person_id: Any) -> bool:
    """True when the person has a (live) data key."""
    row = _load(_as_uuid(person_id))
    return row is not None and row.wrapped is not None


def is_person_key_destroyed(person_id: Any) -> bool:
    """True when the person's data key was destroyed (erasure)."""
    row = _load(_as_uuid(person_id))
    return row is not None and row.wrapped is None


def destroy_person_key(person_id: Any, *, actor: Any, purpose: str) -> None:
    """Crypto-shred a person: wipe the wrapped key, drop their blind-index entries, audit "erase"."""
    person_id = _as_uuid(person_id)
    row = _load(person_id)
    with db.session.no_autoflush:
        if row is None:
            db.session.add(PersonKey(person_id=person_id, kek_id=None, wrapped=None, destroyed_at=utcnow()))
        elif row.wrapped is not None:
            row.wrapped, row.kek_id, row.destroyed_at = None, None, utcnow()
        db.session.execute(BlindIndexEntry.__table__.delete().where(BlindIndexEntry.person_id == person_id))
        audit.record("erase", "person", person_id, purpose=purpose, actor=actor)
    cache = access_module.key_cache()
    if cache is not None:
        cache.pop(person_id, None)
    db.session.flush()


# --- Rotation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyStatus:
    """Where the person keys are: count per KEK id, destroyed count."""

    primary: str
    keks: list[str]
    per_kek: dict[str, int]
    destroyed: int
    checks: list[str]
    demo: bool
    source: str


def status() -> KeyStatus:
    """The keyring and the distribution of person keys over KEKs."""
    ring = runtime.state().keyring
    rows = db.session.execute(
        select(PersonKey.kek_id, func.count()).where(PersonKey.wrapped.is_not(None)).group_by(PersonKey.kek_id)
    ).all()
    destroyed = db.session.scalar(select(func.count()).where(PersonKey.wrapped.is_(None))) or 0
    checks = list(db.session.scalars(select(KeyCheck.name).order_by(KeyCheck.name)))
    return KeyStatus(
        primary=ring.primary_kek_id,
        keks=sorted(ring.keks),
        per_kek=dict(rows),
        destroyed=destroyed,
        checks=checks,
        demo=ring.demo,
        source=ring.source,
    )


def pending_rewrap_count() -> int:
    """Person keys still wrapped under a KEK other than the primary."""
    primary = runtime.keyring().primary_kek_id
    return (
        db.session.scalar(select(func.count()).where(PersonKey.wrapped.is_not(None), PersonKey.kek_id != primary)) or 0
    )


def rewrap_batch(batch_size: int = 500) -> int:
    """Re-wrap up to ``batch_size`` person keys under the primary KEK; returns how many moved.

    Each row is updated only if it is still what was read (optimistic check on the wrapped
    bytes), so running alongside the app or a second rewrap is safe. The caller commits.
    """
    ring = runtime.keyring()
    primary = ring.primary_kek_id
    rows = db.session.execute(
        select(PersonKey.person_id, PersonKey.key_version, PersonKey.kek_id, PersonKey.wrapped)
        .where(PersonKey.wrapped.is_not(None), PersonKey.kek_id != primary)
        .order_by(PersonKey.person_id)
        .limit(batch_size)
    ).all()
    moved = 0
    for person_id, key_version, kek_id, wrapped in rows:
        if not ring.has_kek(kek_id):
            raise DecryptionError(f"KEK {kek_id} is not in the keyring: it cannot be re-wrapped")
        key = ring.unwrap(wrapped, kek_id=kek_id, person_id=person_id, key_version=key_version)
        new_kek, new_wrapped = ring.wrap(key, person_id=person_id, key_version=key_version)
        result = db.session.execute(
            update(PersonKey)
            .where(PersonKey.person_id == person_id, PersonKey.kek_id == kek_id, PersonKey.wrapped == wrapped)
            .values(kek_id=new_kek, wrapped=new_wrapped, rewrapped_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        moved += result.rowcount
    return moved


def rewrap_all(
    batch_size: int = 500, progress: Callable[[int], None] | None = None, max_batches: int | None = None
) -> int:
    """Re-wrap every person key not under the primary KEK, committing after each batch.

    Resumable: an interrupted run leaves committed batches done, and the next run continues with
    the rest. ``max_batches`` stops early (used to test resumption).
    """
    total, batches = 0, 0
    while max_batches is None or batches < max_batches:
        moved = rewrap_batch(batch_size)
        db.session.commit()
        if not moved:
            if pending_rewrap_count() == 0:
                break
            continue
        total += moved
        batches += 1
        if progress is not None:
            progress(moved)
    return total


def kek_in_use(kek_id: str) -> int:
    """How many person keys are wrapped under ``kek_id``."""
    return db.session.scalar(select(func.count()).where(PersonKey.kek_id == kek_id)) or 0
