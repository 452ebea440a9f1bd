"""Erasure (GDPR Art. 17) by crypto-shredding, with legal holds and a ledger that outlives backups.

``erase_person`` checks the legal holds of every subject-data provider first and refuses with
their reasons (``ErasureRefused``). Otherwise, in the caller's transaction: an audit record and
a ledger entry (person id and date only), the providers' own clean-up (documents, files), every
ciphertext column of the person set to NULL, the blind-index rows deleted and the data key
destroyed. What remains is a shell: pseudonymous bookkeeping rows (cases, steps, dates, codes)
and the ledger entry that says "erased on …". Statistics facts hold no person id and are not
touched.

The ledger is also appended (after the commit) to a file outside the database
(``ERASURE_LEDGER_FILE``, next to the keyring). A database restored from a backup taken before
an erasure still holds that person's wrapped key and ciphertext: ``replay_ledger`` scrubs them
again. Keys destroyed stay destroyed because the keyring, which holds the KEKs, is never in a
backup — but the wrapped data key is, which is why the replay is required after every restore.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import append_only, blind_index, blobs, keys, subject_data
from integration_centre.privacy.erasure_models import ErasureLedgerEntry
from integration_centre.privacy.errors import ErasureRefused, PrivacyError, PrivacyRefusal
from integration_centre.privacy.fields import EncryptedField
from integration_centre.privacy.models import BlindIndexEntry, PersonKey

GROUNDS = ("request", "retention", "replay")
_PENDING = "erasure_ledger_pending"

# An optional short description of a person for the confirmation page (name, birth date),
# registered by the package that owns the person rows; called inside no access context.
_describers: list[Callable[[uuid.UUID, Any], str | None]] = []


def register_describer(describe: Callable[[uuid.UUID, Any], str | None]) -> None:
    """Register ``describe(person_id, actor) -> str | None`` (it opens its own access context)."""
    if describe not in _describers:
        _describers.append(describe)


def describe(person_id: uuid.UUID, actor: Any) -> str | None:
    """A short description of the person (audited read by the registered describer), or None."""
    for describer in _describers:
        text = describer(person_id, actor)
        if text:
            return text
    return None


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- State ------------------------------------------------------------------------------------


def erased_on(person_id: Any) -> date | None:
    """The date the person was erased, or None."""
    query = select(ErasureLedgerEntry.erased_on).where(ErasureLedgerEntry.person_id == _as_uuid(person_id))
    return db.session.scalar(query)


def erased_dates(person_ids: Iterable[Any]) -> dict[uuid.UUID, date]:
    """{person id: erasure date} for those of ``person_ids`` who were erased (one query)."""
    ids = {_as_uuid(p) for p in person_ids}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ErasureLedgerEntry.person_id, ErasureLedgerEntry.erased_on).where(ErasureLedgerEntry.person_id.in_(ids))
    )
    return dict(rows.all())


def legal_holds(person_id: Any) -> list[str]:
    """Every reason (translated) that forbids erasing the person now; empty when none applies."""
    person_id = _as_uuid(person_id)
    reasons: list[str] = []
    for provider in subject_data.providers():
        if provider.holds is not None:
            reasons.extend(str(r) for r in provider.holds(person_id) or [])
    return reasons


# --- Ciphertext columns of every model --------------------------------------------------------


@dataclass(frozen=True)
class _PersonTable:
    table: Any
    person_column: Any
    ct_columns: tuple[str, ...]


def _person_tables() -> list[_PersonTable]:
    """Every mapped table holding encrypted fields, with its person column and ciphertext columns."""
    found: dict[str, _PersonTable] = {}
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        fields = {}
        for klass in cls.__mro__:
            for value in vars(klass).values():
                if isinstance(value, EncryptedField) and value.column_attr in mapper.attrs:
                    fields[value.column_attr] = value
        if not fields:
            continue
        person_attr = getattr(cls, "__privacy_person_attr__", "person_id")
        if person_attr not in mapper.columns:
            continue
        person_column = mapper.columns[person_attr]
        ct = tuple(sorted(mapper.attrs[attr].columns[0].name for attr in fields))
        table = person_column.table
        if mapper.local_table is not None and table is not mapper.local_table and table.name in found:
            continue
        previous = found.get(table.name)
        if previous is not None:
            ct = tuple(sorted(set(previous.ct_columns) | set(ct)))
        found[table.name] = _PersonTable(table, person_column, ct)
    return [found[name] for name in sorted(found)]


def _scrub_ciphertext(person_id: uuid.UUID) -> int:
    """Set every ciphertext column of the person to NULL in every table; returns rows touched."""
    touched = 0
    file_columns = {(table.name, name) for table, name in blobs.file_columns()}
    for item in _person_tables():
        columns = [item.table.c[name] for name in item.ct_columns]
        for name in item.ct_columns:  # files of the store go once the scrub commits
            if (item.table.name, name) in file_columns:
                blobs.discard_column(item.table, name, item.person_column == person_id)
        any_set = columns[0].is_not(None)
        for column in columns[1:]:
            any_set = any_set | column.is_not(None)
        result = db.session.execute(
            update(item.table)
            .where(item.person_column == person_id, any_set)
            .values(dict.fromkeys(item.ct_columns))
            .execution_options(synchronize_session=False)
        )
        touched += result.rowcount or 0
    # Rows of the person already loaded in this session must not write their old ciphertext back.
    for obj in list(db.session.identity_map.values()):
        state = inspect(obj)
        person_attr = getattr(type(obj), "__privacy_person_attr__", "person_id")
        if person_attr in state.mapper.columns and getattr(obj, person_attr, None) == person_id:
            db.session.expire(obj)
    return touched


def remains(person_id: Any) -> dict[str, int]:
    """What of the person can still be read or matched: a live key, ciphertext, index entries.

    All zero for an erased person (also the check after a restore and replay).
    """
    person_id = _as_uuid(person_id)
    key = db.session.get(PersonKey, person_id)
    ciphertext = 0
    for item in _person_tables():
        columns = [item.table.c[name] for name in item.ct_columns]
        any_set = columns[0].is_not(None)
        for column in columns[1:]:
            any_set = any_set | column.is_not(None)
        rows = db.session.execute(select(item.person_column).where(item.person_column == person_id, any_set))
        ciphertext += len(rows.all())
    indexes = len(db.session.scalars(select(BlindIndexEntry.id).where(BlindIndexEntry.person_id == person_id)).all())
    return {
        "live_key": int(key is not None and key.wrapped is not None),
        "ciphertext_rows": ciphertext,
        "index_entries": indexes,
    }


# --- Erasure ----------------------------------------------------------------------------------


def _shred(person_id: uuid.UUID, *, actor: Any, purpose: str) -> None:
    """Providers' clean-up, ciphertext NULLed, blind indexes deleted, key destroyed (audited)."""
    for provider in subject_data.providers():
        if provider.erase is not None:
            provider.erase(person_id)
    db.session.flush()
    _scrub_ciphertext(person_id)
    blind_index.delete_person_indexes(person_id)
    keys.destroy_person_key(person_id, actor=actor, purpose=purpose)


def erase_person(person_id: Any, *, actor: Any, ground: str = "request", today: date | None = None) -> date:
    """Erase a person by crypto-shredding after checking the legal holds; returns the erasure date.

    The "erase" audit record (purpose ``erasure.<ground>``) is written by ``destroy_person_key``.
    Raises ``ErasureRefused`` (translated reasons) while a hold applies, and ``PrivacyError``
    when the person was already erased. Flushes; the caller commits (one transaction). The
    ledger file is appended when that transaction commits.
    """
    if ground not in GROUNDS:
        raise ValueError(f"unknown erasure ground {ground!r}")
    person_id = _as_uuid(person_id)
    if erased_on(person_id) is not None:
        raise PrivacyRefusal(_("This person was already erased."))
    if not keys.has_person_key(person_id) and not any(remains(person_id).values()):
        raise PrivacyRefusal(_("No data is held about this person."))
    reasons = legal_holds(person_id)
    if reasons:
        raise ErasureRefused(reasons)
    today = today or utcnow().date()
    db.session.add(ErasureLedgerEntry(person_id=person_id, erased_on=today, ground=ground))
    _shred(person_id, actor=actor, purpose=f"erasure.{ground}")
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append((person_id, today))
    return today


# --- The ledger file --------------------------------------------------------------------------


def ledger_file() -> Path:
    """The append-only ledger file (``ERASURE_LEDGER_FILE``; default next to the keyring)."""
    return Path(current_app.config["ERASURE_LEDGER_FILE"])


def _line_mac(person_id: uuid.UUID, on: date) -> str:
    """HMAC of a ledger line under the audit key: a line added or changed by hand is refused."""
    return append_only.line_mac("erasure-ledger:v1", person_id, on.isoformat())


def read_ledger_file(path: Path | None = None) -> dict[uuid.UUID, date]:
    """{person id: erasure date} from the ledger file (absent file: empty).

    A malformed line, or one whose MAC does not verify (added or edited by hand), is an error:
    nothing is replayed from a ledger that was tampered with.
    """
    path = path or ledger_file()
    entries: dict[uuid.UUID, date] = {}
    for number, data in append_only.json_lines(path):
        try:
            person_id, on = uuid.UUID(data["person_id"]), date.fromisoformat(data["erased_on"])
            mac = str(data["mac"])
        except (ValueError, KeyError, TypeError):
            raise PrivacyError(f"erasure ledger {path}, line {number}: not a ledger entry") from None
        if not hmac.compare_digest(_line_mac(person_id, on), mac):
            raise PrivacyError(f"erasure ledger {path}, line {number}: altered (its MAC does not verify)")
        entries.setdefault(person_id, on)
    return entries


def append_ledger_file(entries: Iterable[tuple[uuid.UUID, date]], path: Path | None = None) -> int:
    """Append entries not yet in the file (mode 0600, fsync); returns how many were written."""
    path = path or ledger_file()
    known = read_ledger_file(path)
    return append_only.append_lines(
        path,
        (
            {"person_id": str(pid), "erased_on": on.isoformat(), "mac": _line_mac(pid, on)}
            for pid, on in entries
            if pid not in known
        ),
    )


def sync_ledger_file() -> int:
    """Append the database's ledger entries missing from the file (e.g. after a crash)."""
    rows = db.session.execute(select(ErasureLedgerEntry.person_id, ErasureLedgerEntry.erased_on)).all()
    return append_ledger_file([(pid, on) for pid, on in rows])


@event.listens_for(Session, "after_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        append_ledger_file(pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def pending_replay() -> list[uuid.UUID]:
    """Persons of the ledger file unknown to the database's ledger: a restore not yet replayed."""
    known = set(db.session.scalars(select(ErasureLedgerEntry.person_id)))
    return sorted(pid for pid in read_ledger_file() if pid not in known)


def replay_ledger(*, actor: Any, extra: dict[uuid.UUID, date] | None = None) -> list[uuid.UUID]:
    """Erase again every person of the ledger (file, database, ``extra``) who still has remains.

    Used after a restore: a backup older than an erasure still holds the person's wrapped key,
    ciphertext and index entries. No hold is checked (the erasure already happened). Returns the
    persons scrubbed; each gets an "erase" audit record; the caller commits.
    """
    entries = dict(extra or {})
    for pid, on in read_ledger_file().items():
        entries.setdefault(pid, on)
    for pid, on in db.session.execute(select(ErasureLedgerEntry.person_id, ErasureLedgerEntry.erased_on)).all():
        entries.setdefault(pid, on)
    scrubbed = []
    for person_id in sorted(entries):
        if db.session.get(ErasureLedgerEntry, person_id) is None:
            db.session.add(ErasureLedgerEntry(person_id=person_id, erased_on=entries[person_id], ground="replay"))
        if any(remains(person_id).values()):
            _shred(person_id, actor=actor, purpose="erasure.replay")
            scrubbed.append(person_id)
    db.session.flush()
    return scrubbed
