"""``EncryptedField``: a descriptor over a ciphertext column (encrypt on set, decrypt on get).

A TypeDecorator cannot see the row, so it cannot bind the ciphertext to row and person; a
descriptor can. Services assign and read plain Python values; only this module (through
``crypto``) handles ciphertext.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, inspect, select

from integration_centre.privacy import access as access_module
from integration_centre.privacy import crypto, keys
from integration_centre.privacy.models import PersonKey

_PLAIN_CACHE = "_privacy_plaintext"


_IDS_CACHE = "_privacy_ids"
_MISSING = object()


class EncryptedField:
    """A personal field stored encrypted in ``column`` (default ``<name>_ct``); see the package docs."""

    def __init__(self, kind: str = "str", *, column: str | None = None, bucket: int | None = None) -> None:
        if kind not in crypto.KINDS:
            raise ValueError(f"kind must be one of {', '.join(crypto.KINDS)}")
        if bucket is not None and not 1 <= bucket <= 4096:
            raise ValueError("bucket must be between 1 and 4096 bytes")
        self.kind = kind
        self.bucket = bucket
        self.column_attr = column
        self.name = ""
        self._copy = kind == "json"
        self._places: dict[type, tuple[bytes, str]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column_attr = self.column_attr or f"{name}_ct"

    def _place(self, cls: type) -> tuple[bytes, str]:
        """(associated-data bytes of table and SQL column, "table.column" for messages), per class."""
        place = self._places.get(cls)
        if place is None:
            mapper = inspect(cls)
            column = mapper.attrs[self.column_attr].columns[0]
            place = (crypto.place_bytes(column.table.name, column.name), f"{column.table.name}.{column.name}")
            self._places[cls] = place
        return place

    @staticmethod
    def _ids(instance: Any, *, assign: bool) -> tuple:
        """(row id, person id, row id bytes ‖ person id bytes, person attribute) of ``instance``.

        Memoised on the instance while its ``id`` and person attribute hold the same objects.
        """
        state = instance.__dict__
        cached = state.get(_IDS_CACHE)
        if cached is not None and state.get("id") is cached[0] and state.get(cached[3]) is cached[1]:
            return cached
        row_id = instance.id
        if row_id is None:
            if not assign:
                raise ValueError("row without id")
            instance.id = row_id = uuid.uuid4()
        person_attr = getattr(type(instance), "__privacy_person_attr__", "person_id")
        person_id = row_id if person_attr == "id" else getattr(instance, person_attr, None)
        if person_id is None:
            raise ValueError(f"set {type(instance).__name__}.{person_attr} before assigning encrypted fields")
        ids = (row_id, person_id, row_id.bytes + person_id.bytes, person_attr)
        state[_IDS_CACHE] = ids
        return ids

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        blob = instance.__dict__.get(self.column_attr, _MISSING)
        if blob is _MISSING:  # not loaded yet (expired, deferred): let the ORM load it
            blob = getattr(instance, self.column_attr)
        if blob is None:
            return None
        _row_id, person_id, ids, _attr = self._ids(instance, assign=False)
        ctx = access_module.require(person_id)
        cache = instance.__dict__.get(_PLAIN_CACHE)
        if cache is None:
            cache = instance.__dict__[_PLAIN_CACHE] = {}
        hit = cache.get(self.name)
        if hit is not None and hit[0] is blob:
            return copy.deepcopy(hit[1]) if self._copy else hit[1]
        place, what = self._place(type(instance))
        aead = keys.cipher(person_id, crypto.field_key_version(blob), ctx.keys)
        value = crypto.decode_value(self.kind, crypto.open_sealed(aead, blob, place, ids, what))
        cache[self.name] = (blob, value)
        return copy.deepcopy(value) if self._copy else value

    def __set__(self, instance: Any, value: Any) -> None:
        cache = instance.__dict__.get(_PLAIN_CACHE)
        if cache is None:
            cache = instance.__dict__[_PLAIN_CACHE] = {}
        if value is None:
            cache.pop(self.name, None)
            setattr(instance, self.column_attr, None)
            return
        plaintext = crypto.encode_value(self.kind, value, self.bucket)
        _row_id, person_id, ids, _attr = self._ids(instance, assign=True)
        ctx = access_module.note_write(person_id, creating=instance._sa_instance_state.key is None)
        key_version, aead = keys.cipher_for_write(person_id, ctx.keys)
        place, _what = self._place(type(instance))
        blob = crypto.seal(aead, crypto.field_header(key_version), plaintext, place, ids)
        setattr(instance, self.column_attr, blob)
        cache[self.name] = (blob, copy.deepcopy(value) if self._copy else value)


# --- Writing many new rows without ORM entities -------------------------------------------------
# A batch registration (an import) writes hundreds of rows at once: building an ORM entity per row
# and flushing them costs more than the encryption. This function returns the column values to
# INSERT with one executemany, encrypted exactly as the descriptor would (same checks, same
# associated data, same format).


def encrypt_new_rows(model: type, rows: Sequence[dict], names: Sequence[str]) -> list[dict]:
    """The column values of new rows of ``model``: each of ``rows`` holds ``id`` (and the person
    attribute unless the row is the person) and the plaintext of the encrypted fields ``names``;
    the result holds ``id``, the person attribute and ``<name>_ct`` for each name (``None`` stays
    SQL NULL). Every person must be named by an open access context; each is checked and audited
    as for an assignment ("create": restriction refused, one record per person). The persons'
    keys are created on first use, as for the descriptor (``keys.create_person_keys`` creates
    them in bulk beforehand)."""
    fields = _fields(model, names)
    person_attr = getattr(model, "__privacy_person_attr__", "person_id")
    plan = [(field.name, field.column_attr, field.kind, field.bucket, field._place(model)[0]) for field in fields]
    persons = [row["id"] if person_attr == "id" else row[person_attr] for row in rows]
    contexts = access_module.note_writes(dict.fromkeys(persons), creating=True)
    out = []
    for row, person_id in zip(rows, persons, strict=True):
        row_id = row["id"]
        if row_id is None or person_id is None:
            raise ValueError("each new row needs its id and its person's id")
        ids = row_id.bytes + person_id.bytes
        key_version, aead = keys.cipher_for_write(person_id, contexts[person_id].keys)
        header = crypto.field_header(key_version)
        values = {"id": row_id} if person_attr == "id" else {"id": row_id, person_attr: person_id}
        for name, column, kind, bucket, place in plan:
            value = row.get(name)
            values[column] = (
                None
                if value is None
                else crypto.seal(aead, header, crypto.encode_value(kind, value, bucket), place, ids)
            )
        out.append(values)
    return out


# --- Reading a list without ORM entities --------------------------------------------------------
# A list page shows one or two fields of many persons: loading an ORM entity per row (and per key
# row) costs more than decrypting. These two functions read the same ciphertexts from plain rows,
# with the same checks (access context, key version, associated data) as the descriptor.


def _fields(model: type, names: Sequence[str]) -> list[EncryptedField]:
    fields = [getattr(model, name, None) for name in names]
    if not all(isinstance(field, EncryptedField) for field in fields):
        raise ValueError(f"{model.__name__} has no encrypted field among {', '.join(names)}")
    return fields


def encrypted_rows_statement(model: type, names: Sequence[str]) -> Select:
    """A ``select`` of what ``decrypt_rows`` needs for the encrypted fields ``names`` of ``model``:
    the row id, its person's id, the ciphertexts (labelled with the field names) and the person's
    key columns. Persons whose key was destroyed (erased) are left out: nothing of them can be
    read. The caller adds its own ``where`` (which rows)."""
    person_attr = getattr(model, "__privacy_person_attr__", "person_id")
    person = getattr(model, "id" if person_attr == "id" else person_attr)
    return (
        select(
            model.id.label("row_id"),
            person.label("person_id"),
            *[getattr(model, field.column_attr).label(field.name) for field in _fields(model, names)],
            PersonKey.key_version,
            PersonKey.kek_id,
            PersonKey.wrapped,
        )
        .join(PersonKey, PersonKey.person_id == person)
        .where(PersonKey.wrapped.is_not(None))
    )


def decrypt_rows(model: type, names: Sequence[str], rows: Iterable[Any]) -> dict[uuid.UUID, tuple]:
    """The plaintext of the fields ``names`` for each row read by ``encrypted_rows_statement``:
    {row id: (one value per name)}. Every person must be named by the open access context (its
    audit record is the caller's access), as for the descriptor."""
    plan = [(field.name, field.kind, *field._place(model)) for field in _fields(model, names)]
    values: dict[uuid.UUID, tuple] = {}
    for row in rows:
        person_id = row.person_id
        ctx = access_module.require(person_id)
        ids = row.row_id.bytes + person_id.bytes
        plain = []
        for name, kind, place, what in plan:
            blob = getattr(row, name)
            if blob is None:
                plain.append(None)
                continue
            aead = keys.cipher(person_id, crypto.field_key_version(blob), ctx.keys, row)
            plain.append(crypto.decode_value(kind, crypto.open_sealed(aead, blob, place, ids, what)))
        values[row.row_id] = tuple(plain)
    return values
