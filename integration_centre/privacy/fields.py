"""``EncryptedField``: a descriptor over a ciphertext column (encrypt on set, decrypt on get).

A TypeDecorator cannot see the row, so it cannot bind the ciphertext to row and person; a
descriptor can. Services assign and read plain Python values; only this module (through
``crypto``) handles ciphertext.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import inspect

from integration_centre.privacy import access as access_module
from integration_centre.privacy import crypto, keys

_PLAIN_CACHE = "_privacy_plaintext"


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
        self._places: dict[type, tuple[str, str]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column_attr = self.column_attr or f"{name}_ct"

    def _place(self, cls: type) -> tuple[str, str]:
        """(table name, SQL column name) used in the associated data."""
        place = self._places.get(cls)
        if place is None:
            mapper = inspect(cls)
            column = mapper.attrs[self.column_attr].columns[0]
            place = (column.table.name, column.name)
            self._places[cls] = place
        return place

    @staticmethod
    def _ids(instance: Any, *, assign: bool) -> tuple[uuid.UUID, uuid.UUID]:
        row_id = instance.id
        if row_id is None:
            if not assign:
                raise ValueError("row without id")
            instance.id = row_id = uuid.uuid4()
        person_attr = getattr(type(instance), "__privacy_person_attr__", "person_id")
        person_id = row_id if person_attr == "id" else getattr(instance, person_attr, None)
        if person_id is None:
            raise ValueError(f"set {type(instance).__name__}.{person_attr} before assigning encrypted fields")
        return row_id, person_id

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        blob = getattr(instance, self.column_attr)
        if blob is None:
            return None
        row_id, person_id = self._ids(instance, assign=False)
        access_module.require(person_id)
        cache = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] is blob:
            return copy.deepcopy(hit[1]) if self.kind == "json" else hit[1]
        table, column = self._place(type(instance))
        key = keys.data_key(person_id, crypto.field_key_version(blob))
        plaintext = crypto.decrypt_field(key, blob, table=table, column=column, row_id=row_id, person_id=person_id)
        value = crypto.decode_value(self.kind, plaintext)
        cache[self.name] = (blob, value)
        return copy.deepcopy(value) if self.kind == "json" else value

    def __set__(self, instance: Any, value: Any) -> None:
        cache = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        if value is None:
            cache.pop(self.name, None)
            setattr(instance, self.column_attr, None)
            return
        plaintext = crypto.encode_value(self.kind, value, self.bucket)
        row_id, person_id = self._ids(instance, assign=True)
        creating = instance._sa_instance_state.key is None
        access_module.note_write(person_id, creating=creating)
        key_version, key = keys.data_key_for_write(person_id)
        table, column = self._place(type(instance))
        blob = crypto.encrypt_field(
            key, key_version, plaintext, table=table, column=column, row_id=row_id, person_id=person_id
        )
        setattr(instance, self.column_attr, blob)
        cache[self.name] = (blob, copy.deepcopy(value) if self.kind == "json" else value)
