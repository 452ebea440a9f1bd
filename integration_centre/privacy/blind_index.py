"""Blind indexes: exact-match search over encrypted names, birth dates and NISS.

A blind index value is ``HMAC-SHA256(index key, normalised input)`` truncated to
``PRIVACY_INDEX_BITS`` bits (default 16) and stored as an integer in ``privacy_blind_index``
(indexed on ``(index_name, value)``). Each index has its own key, derived with HKDF from the
keyring's index root key, so the same input gives unrelated values in different indexes.

Choice of 16 bits: with N persons, a lookup returns about N / 2**bits false candidates. At the
sizing target (100,000–200,000 persons) 16 bits give 1.5–3 false candidates per search — cheap
to decrypt and discard — while every stored value is shared by a few persons, so the index alone
does not single anyone out nor confirm that a given person is registered. Fewer bits leak less
but cost more decryptions per search; more bits approach a deterministic, linkable encryption.
A region of 1,000,000 persons wants 19 bits (about 2 false candidates, as 16 bits at 100,000–
200,000). Changing the size recomputes every entry from the decrypted values
(``integration-centre pathway reindex --bits N``, ``replace_indexes``); a setting that does not
match the stored entries is refused at start (``verify_bits``): searches would find nobody.

Never index special-category data (health, assessment notes).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import load_only
from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError

from integration_centre.config import ConfigurationError
from integration_centre.extensions import db
from integration_centre.privacy import keys, runtime
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import InvalidNISSError
from integration_centre.privacy.models import BlindIndexEntry, PersonKey

DEFAULT_BITS = 16
INDEX_NAME_DOB = "name_dob"
INDEX_FAMILY_DOB = "family_dob"
INDEX_NISS = "niss"
INDEXES = (INDEX_NAME_DOB, INDEX_FAMILY_DOB, INDEX_NISS)
_SEPARATOR = "\x1f"

# Letters NFKD does not decompose, folded to their usual Latin transliteration (after casefold).
FOLD_TABLE = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "œ": "oe", "æ": "ae", "þ": "th", "ß": "ss", "ð": "d"})


def normalise(value: str) -> str:
    """NFKD, accents removed, casefold, fold table, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().translate(FOLD_TABLE)
    folded = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def same_text(a: str | None, b: str | None) -> bool:
    """True when two values are equal after normalisation (use in match predicates)."""
    if a is None or b is None:
        return False
    return normalise(a) == normalise(b)


def compact_niss(value: str) -> str:
    """Validate and compact a Belgian national register number or bis number (11 digits)."""
    try:
        return nn.validate(value)
    except ValidationError:
        pass
    try:
        return bis.validate(value)  # people not in the national register: month + 20 or + 40
    except ValidationError:
        raise InvalidNISSError("not a valid national register number") from None


def bits() -> int:
    """The configured truncation (``PRIVACY_INDEX_BITS``, 1 to 63)."""
    return checked_bits(current_app.config.get("PRIVACY_INDEX_BITS", DEFAULT_BITS))


def checked_bits(value) -> int:
    """``value`` as a number of bits, or ``ValueError`` when it is not between 1 and 63."""
    value = int(value)
    if not 1 <= value <= 63:
        raise ValueError("PRIVACY_INDEX_BITS must be between 1 and 63")
    return value


# Below this many entries the largest value says too little about the truncation (with n entries
# of b bits, the largest has fewer than b bits with probability 2**-n).
_ENTRIES_TO_READ_BITS = 64


def stored_bits(connection) -> int | None:
    """The truncation the stored entries were made with, read off the largest value of the index
    every registered person has (name and birth date); None while there are too few entries to tell.
    ``connection``: a Connection or a Session."""
    sample = (
        select(BlindIndexEntry.value)
        .where(BlindIndexEntry.index_name == INDEX_FAMILY_DOB)
        .limit(_ENTRIES_TO_READ_BITS)
        .subquery()
    )
    if connection.execute(select(func.count()).select_from(sample)).scalar() < _ENTRIES_TO_READ_BITS:
        return None
    largest = connection.execute(
        select(func.max(BlindIndexEntry.value)).where(BlindIndexEntry.index_name == INDEX_FAMILY_DOB)
    ).scalar()
    return max(1, int(largest).bit_length())


def verify_bits(connection, configured: int) -> None:
    """Refuse (``ConfigurationError``, one line) a ``PRIVACY_INDEX_BITS`` that is not the size of
    the stored entries: every search would compare values of different sizes and find nobody."""
    stored = stored_bits(connection)
    if stored is None or stored == configured:
        return
    raise ConfigurationError(
        f"the blind indexes of this database keep {stored} bits but INTEGRATION_CENTRE_PRIVACY_INDEX_BITS is "
        f"{configured}: set it to {stored}, or, to change their size, run `integration-centre pathway reindex "
        f"--bits {configured}` with the setting still at {stored}, then set it to {configured}"
    )


def index_value(index_name: str, *parts: str) -> int:
    """The truncated HMAC of already-normalised ``parts`` in one index."""
    key = runtime.keyring().index_key(index_name)
    digest = hmac.new(key, _SEPARATOR.join(parts).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - bits())


def _inputs(
    family_name: str | None, given_name: str | None, birth_date: date | None, niss: str | None
) -> dict[str, tuple[str, ...]]:
    """The index inputs these values allow (empty normalised names are not indexed)."""
    family = normalise(family_name) if family_name else ""
    given = normalise(given_name) if given_name else ""
    dob = birth_date.isoformat() if birth_date else ""
    inputs: dict[str, tuple[str, ...]] = {}
    if niss:
        inputs[INDEX_NISS] = (compact_niss(niss),)
    if family and given and dob:
        inputs[INDEX_NAME_DOB] = (family, given, dob)
    if family and dob:
        inputs[INDEX_FAMILY_DOB] = (family, dob)
    return inputs


def set_person_indexes(
    person_id: Any,
    *,
    family_name: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> None:
    """Replace every blind-index entry of a person by those computed from these values."""
    person_id = person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(str(person_id))
    inputs = _inputs(family_name, given_name, birth_date, niss)
    runtime.ensure_checks()
    with db.session.no_autoflush:
        delete_person_indexes(person_id)
        rows = [
            {"index_name": name, "person_id": person_id, "value": index_value(name, *parts)}
            for name, parts in inputs.items()
        ]
        if rows:
            db.session.execute(BlindIndexEntry.__table__.insert(), rows)


def _hasher(size: int | None = None) -> Callable[..., int]:
    """``index_value`` with the keyring's index keys and the truncation (``size`` bits, default the
    setting) looked up once (bulk use)."""
    ring, shift, macs = runtime.keyring(), 64 - (bits() if size is None else checked_bits(size)), {}

    def value(index_name: str, *parts: str) -> int:
        mac = macs.get(index_name)
        if mac is None:
            mac = macs[index_name] = hmac.new(ring.index_key(index_name), digestmod=hashlib.sha256)
        mac = mac.copy()
        mac.update(_SEPARATOR.join(parts).encode("utf-8"))
        return int.from_bytes(mac.digest()[:8], "big") >> shift

    return value


def set_new_person_indexes(persons: Iterable[tuple[Any, dict]]) -> None:
    """``set_person_indexes`` for many persons who have no entry yet (just created): each of
    ``persons`` is (person id, {family_name, given_name, birth_date, niss}); one ``INSERT``
    (executemany) for all of their entries."""
    _ids, rows = _entry_rows(persons, _hasher())
    if rows:
        with db.session.no_autoflush:
            db.session.execute(BlindIndexEntry.__table__.insert(), rows)


def replace_indexes(persons: Iterable[tuple[Any, dict]], size: int) -> int:
    """Replace every blind-index entry of ``persons`` (as for ``set_new_person_indexes``) by entries
    of ``size`` bits; returns how many were written. Only for rebuilding all of them at another
    size (``integration-centre pathway reindex``): entries of two sizes never match each other."""
    ids, rows = _entry_rows(persons, _hasher(size))
    with db.session.no_autoflush:
        if ids:
            db.session.execute(BlindIndexEntry.__table__.delete().where(BlindIndexEntry.person_id.in_(ids)))
        if rows:
            db.session.execute(BlindIndexEntry.__table__.insert(), rows)
    return len(rows)


def _entry_rows(persons: Iterable[tuple[Any, dict]], value: Callable[..., int]) -> tuple[list, list[dict]]:
    """(the person ids, the rows of their entries) for (person id, values) pairs, hashed by ``value``."""
    runtime.ensure_checks()
    ids, rows = [], []
    for person_id, values in persons:
        person_id = person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(str(person_id))
        ids.append(person_id)
        for name, parts in _inputs(
            values.get("family_name"), values.get("given_name"), values.get("birth_date"), values.get("niss")
        ).items():
            rows.append({"index_name": name, "person_id": person_id, "value": value(name, *parts)})
    return ids, rows


def candidates_many(queries: Sequence[dict]) -> list[set[uuid.UUID]]:
    """``candidates`` for many inputs in ONE query: for each of ``queries`` ({family_name,
    given_name, birth_date, niss}, any of them), the person ids matching its most specific index
    (false positives included, as for ``candidates``)."""
    value = _hasher()
    wanted: list[tuple[str, int] | None] = []
    for query in queries:
        inputs = _inputs(query.get("family_name"), query.get("given_name"), query.get("birth_date"), query.get("niss"))
        name = next((name for name in INDEXES if name in inputs), None)
        wanted.append(None if name is None else (name, value(name, *inputs[name])))
    per_index: dict[str, set[int]] = {}
    for item in wanted:
        if item is not None:
            per_index.setdefault(item[0], set()).add(item[1])
    if not per_index:
        return [set() for _ in queries]
    condition = or_(
        *(
            and_(BlindIndexEntry.index_name == name, BlindIndexEntry.value.in_(sorted(values)))
            for name, values in per_index.items()
        )
    )
    found: dict[tuple[str, int], set[uuid.UUID]] = {}
    with db.session.no_autoflush:
        for name, number, person_id in db.session.execute(
            select(BlindIndexEntry.index_name, BlindIndexEntry.value, BlindIndexEntry.person_id).where(condition)
        ):
            found.setdefault((name, number), set()).add(person_id)
    return [set(found.get(item, ())) if item is not None else set() for item in wanted]


def delete_person_indexes(person_id: Any) -> None:
    """Remove every blind-index entry of a person (erasure, or before recomputing)."""
    person_id = person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(str(person_id))
    db.session.execute(BlindIndexEntry.__table__.delete().where(BlindIndexEntry.person_id == person_id))


def candidates(
    *,
    family_name: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> set[uuid.UUID]:
    """Person ids whose entries match the most specific index the inputs allow.

    The result includes false positives (truncation): decrypt and keep the true matches with
    ``keep_true_matches``. No usable input → empty set.
    """
    query = candidates_query(family_name=family_name, given_name=given_name, birth_date=birth_date, niss=niss)
    if query is None:
        return set()
    with db.session.no_autoflush:
        return set(db.session.scalars(query))


def candidates_query(
    *,
    family_name: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> Select | None:
    """The candidates as a ``select`` of person ids, to use as a subquery in one round trip::

        rows = select(Newcomer).where(Newcomer.id.in_(candidates_query(family_name=…, birth_date=…)))

    None when the inputs allow no index.
    """
    inputs = _inputs(family_name, given_name, birth_date, niss)
    for name in INDEXES:
        if name in inputs:
            value = index_value(name, *inputs[name])
            return select(BlindIndexEntry.person_id).where(
                BlindIndexEntry.index_name == name, BlindIndexEntry.value == value
            )
    return None


_KEY_ROW = "_privacy_key_row"
_SEARCH_STATEMENTS: dict[tuple[type, str], Select] = {}


def _search_statement(model: type, index_name: str) -> Select:
    """Rows of ``model`` whose person has an entry of value ``:blind_index_value`` in ``index_name``,
    each joined to the person's (live) key row: ONE round trip. Built once per (model, index)
    so SQLAlchemy reuses its compiled form; the value is a bound parameter.
    """
    stmt = _SEARCH_STATEMENTS.get((model, index_name))
    if stmt is None:
        person_column = getattr(model, getattr(model, "__privacy_person_attr__", "person_id"))
        matching = select(BlindIndexEntry.person_id).where(
            BlindIndexEntry.index_name == index_name, BlindIndexEntry.value == bindparam("blind_index_value")
        )
        stmt = (
            select(model, PersonKey)
            .join(PersonKey, PersonKey.person_id == person_column)
            .where(person_column.in_(matching), PersonKey.wrapped.is_not(None))
            .options(load_only(PersonKey.key_version, PersonKey.kek_id, PersonKey.wrapped))
            .execution_options(autoflush=False)
        )
        _SEARCH_STATEMENTS[(model, index_name)] = stmt
    return stmt


def candidate_rows(
    model: type,
    *,
    family_name: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> list:
    """Rows of ``model`` whose person is a candidate (see ``candidates``), in one query.

    The candidates' key rows come with them (loaded into the session), so decrypting a candidate
    needs no further round trip. Includes false positives: filter with ``keep_true_matches``.
    """
    inputs = _inputs(family_name, given_name, birth_date, niss)
    for name in INDEXES:
        if name in inputs:
            value = index_value(name, *inputs[name])
            result = db.session.execute(_search_statement(model, name), {"blind_index_value": value})
            rows = []
            for row, key_row in result:
                # Keeps the key row alive in the session's (weak) identity map until decryption.
                row.__dict__[_KEY_ROW] = key_row
                rows.append(row)
            return rows
    return []


def search(
    model: type,
    predicate: Callable[[Any], bool],
    *,
    actor: Any,
    purpose: str,
    family_name: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    niss: str | None = None,
) -> list:
    """``candidate_rows`` then ``keep_true_matches``: the rows of ``model`` truly matching ``predicate``."""
    rows = candidate_rows(model, family_name=family_name, given_name=given_name, birth_date=birth_date, niss=niss)
    return keep_true_matches(rows, predicate, actor=actor, purpose=purpose)


def keep_true_matches(rows: Iterable[Any], predicate: Callable[[Any], bool], *, actor: Any, purpose: str) -> list:
    """Decrypt candidate rows inside an access context (action "search"); keep those matching."""
    rows = list(rows)
    if not rows:
        return []
    attr = getattr(type(rows[0]), "__privacy_person_attr__", "person_id")
    persons = [getattr(row, attr) for row in rows]
    keys.preload(persons)
    with access(actor, purpose, persons, action="search"):
        return [row for row in rows if predicate(row)]
