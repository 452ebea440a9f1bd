"""Merging two files of the same person: move rows to the kept person, re-encrypted; shred the other.

Every encrypted field is bound to its row and its person (``privacy.fields``), so a row cannot
just change owner: ``rebind`` decrypts each field under the removed person, sets the row's person
to the kept one and encrypts the value again under the kept person's key. Privacy knows no
domain table: each package that stores rows about a person registers a handler (in its
``register(app)``, like the subject-data providers)::

    register_person_merge("reception", handler)   # handler(actor, removed_id, kept_id) -> {kind: count}

called inside an access context naming both persons. ``leftovers`` then tells whether any
ciphertext of the removed person was forgotten (the merge must refuse rather than shred it), and
``shred_removed`` destroys what is left of the removed person: ciphertext NULLed, blind-index
entries deleted, data key destroyed (audited "erase", purpose ``person.merge``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import blind_index, erasure, keys
from integration_centre.privacy.fields import EncryptedField

MergeHandler = Callable[[Any, uuid.UUID, uuid.UUID], dict[str, int]]

_handlers: dict[str, MergeHandler] = {}


def register_person_merge(name: str, handler: MergeHandler) -> None:
    """Register (or replace) the merge handler ``name`` (see the module docstring)."""
    _handlers[name] = handler


def handlers() -> list[tuple[str, MergeHandler]]:
    """(name, handler) of every registered handler, in registration order."""
    return list(_handlers.items())


def encrypted_fields(model: type) -> list[EncryptedField]:
    """The encrypted fields declared on ``model`` (and its bases)."""
    found: dict[str, EncryptedField] = {}
    for klass in reversed(model.__mro__):
        for value in vars(klass).values():
            if isinstance(value, EncryptedField):
                found[value.name] = value
    return list(found.values())


def rebind(rows: Iterable[Any], person_id: uuid.UUID) -> int:
    """Give each ORM row to ``person_id``, re-encrypting its fields under that person's key.

    Needs an open access context naming the rows' current person and ``person_id``.
    """
    count = 0
    for row in rows:
        model = type(row)
        attr = getattr(model, "__privacy_person_attr__", "person_id")
        if attr == "id":
            raise ValueError(f"{model.__name__} is the person itself: it cannot be moved")
        fields = encrypted_fields(model)
        values = {field.name: getattr(row, field.name) for field in fields}
        setattr(row, attr, person_id)
        for field in fields:
            setattr(row, field.name, values[field.name])
        count += 1
    return count


def move_rows(model: type, removed_id: uuid.UUID, kept_id: uuid.UUID) -> int:
    """Move every row of ``model`` of the removed person to the kept one (``rebind``)."""
    attr = getattr(model, "__privacy_person_attr__", "person_id")
    rows = db.session.scalars(select(model).where(getattr(model, attr) == removed_id)).all()
    return rebind(rows, kept_id)


def leftovers(person_id: uuid.UUID, *, except_tables: Iterable[str] = ()) -> dict[str, int]:
    """{table: rows} still holding ciphertext of ``person_id`` (outside ``except_tables``)."""
    skip = set(except_tables)
    found: dict[str, int] = {}
    for item in erasure._person_tables():
        if item.table.name in skip:
            continue
        columns = [item.table.c[name] for name in item.ct_columns]
        any_set = columns[0].is_not(None)
        for column in columns[1:]:
            any_set = any_set | column.is_not(None)
        query = select(item.person_column).where(item.person_column == person_id, any_set)
        count = len(db.session.execute(query).all())
        if count:
            found[item.table.name] = count
    return found


def shred_removed(person_id: uuid.UUID, *, actor: Any) -> None:
    """Destroy what is left of a merged-away person: ciphertext, blind indexes, data key."""
    db.session.flush()
    erasure._scrub_ciphertext(person_id)
    blind_index.delete_person_indexes(person_id)
    keys.destroy_person_key(person_id, actor=actor, purpose="person.merge")
