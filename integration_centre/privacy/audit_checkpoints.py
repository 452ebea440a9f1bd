"""Keyed checkpoints of the audit chain's head, kept outside the database.

The head row (``privacy_audit_head``) lives in the same database as the records: whoever can
delete the newest records can also point the head at the new last one, and the chain still
verifies. So, after a transaction that wrote audit records commits, the head's sequence number
and MAC are appended to ``AUDIT_CHECKPOINT_FILE`` (default ``<instance>/audit-checkpoints.jsonl``,
next to the keyring and the erasure ledger; mode 0600), each line sealed with an HMAC under the
keyring's audit key. ``audit.verify_chain`` then reports a database that ends before a
checkpoint, naming the missing records.

Cost on the audit hot path: ``audit.record`` only notes the sequence number it wrote in the
session; the ``after_commit`` hook compares it with this process's last checkpoint and writes a
line at most every ``AUDIT_CHECKPOINT_RECORDS`` records or ``AUDIT_CHECKPOINT_MINUTES`` minutes
(and once at the first commit of a process) — one small query and one append without ``fsync``.

A restore legitimately goes back in time: ``mark_restore`` appends a "restore" line (the
restored head's sequence number and MAC), after which the checkpoints of the discarded history
(beyond that sequence number) are no longer expected. Only the holder of the audit key can write
such a line, so a silent cut of the tail is still reported.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import append_only
from integration_centre.privacy.errors import PrivacyError
from integration_centre.privacy.models import AuditHead

LABEL = "audit-checkpoint:v1"
KINDS = ("checkpoint", "restore")
HEAD_ID = 1
GENESIS = "0" * 64
EXTENSION = "audit_checkpoints"
_WRITTEN = "_privacy_audit_written"  # session.info: highest sequence number written, not yet committed
_HEAD = select(AuditHead.seq, AuditHead.mac).where(AuditHead.id == HEAD_ID)  # built once


@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file: the head (``seq``, ``mac``) seen at ``at``."""

    kind: str
    seq: int
    mac: str
    at: datetime
    line: int


class _ProcessState:
    """This process's last checkpoint (per app): decides when the next one is due."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq: int | None = None
        self.at: datetime | None = None


def checkpoint_file() -> Path:
    """The checkpoint file of the current app (``AUDIT_CHECKPOINT_FILE``)."""
    return Path(current_app.config["AUDIT_CHECKPOINT_FILE"])


def _state() -> _ProcessState:
    return current_app.extensions.setdefault(EXTENSION, _ProcessState())


def _line(kind: str, seq: int, mac: str, at: datetime) -> dict:
    stamp = at.isoformat(timespec="microseconds")
    return {
        "kind": kind,
        "seq": seq,
        "mac": mac,
        "at": stamp,
        "line_mac": append_only.line_mac(LABEL, kind, seq, mac, stamp),
    }


def head() -> tuple[int, str]:
    """The committed head of the chain (seq, mac), read on a connection of its own (the caller's
    session may be between transactions, e.g. in an ``after_commit`` hook)."""
    with db.engine.connect() as connection:
        row = connection.execute(_HEAD).one_or_none()
    return (row.seq, row.mac) if row else (0, GENESIS)


def write(kind: str = "checkpoint", *, fsync: bool = False) -> tuple[int, str]:
    """Append the database's committed head as a ``kind`` line; returns (seq, mac)."""
    seq, mac = head()
    at = utcnow()
    append_only.append_lines(checkpoint_file(), [_line(kind, seq, mac, at)], fsync=fsync)
    state = _state()
    with state.lock:
        state.seq, state.at = seq, at
    return seq, mac


def mark_restore() -> tuple[int, str]:
    """Record that the database was restored: it now legitimately ends at its current head.

    Called by ``backup.restore`` (and ``integration-centre audit mark-restore`` after a restore by
    hand) before anything new is audited. Written with ``fsync``.
    """
    return write("restore", fsync=True)


def note_written(seq: int) -> None:
    """Called by ``audit.record``: the session wrote records up to ``seq`` (checkpoint on commit)."""
    db.session.info[_WRITTEN] = seq


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    seq = session.info.pop(_WRITTEN, None)
    if seq is None or not has_app_context():
        return
    state = _state()
    config = current_app.config
    now = utcnow()
    with state.lock:
        due = (
            state.seq is None
            or seq - state.seq >= config["AUDIT_CHECKPOINT_RECORDS"]
            or now - state.at >= timedelta(minutes=config["AUDIT_CHECKPOINT_MINUTES"])
        )
        if not due:
            return
        previous = state.seq, state.at
        state.seq, state.at = seq, now  # other threads of this process need not write it too
    try:
        write()
    except BaseException:
        with state.lock:
            state.seq, state.at = previous  # due again at the next commit
        raise


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def read(path: Path | None = None) -> list[Checkpoint]:
    """Every line of the checkpoint file, in file order (absent file: none).

    A malformed line, or one whose MAC does not verify (added or edited by hand), raises
    ``PrivacyError`` naming the line.
    """
    path = path or checkpoint_file()
    found = []
    for number, data in append_only.json_lines(path):
        try:
            kind, seq, mac, stamp = data["kind"], data["seq"], str(data["mac"]), str(data["at"])
            line_mac = str(data["line_mac"])
            if kind not in KINDS or type(seq) is not int or seq < 0:
                raise ValueError
            at = datetime.fromisoformat(stamp)
        except (ValueError, KeyError, TypeError):
            raise PrivacyError(f"audit checkpoint file {path}, line {number}: not a checkpoint") from None
        if not hmac.compare_digest(append_only.line_mac(LABEL, kind, seq, mac, stamp), line_mac):
            raise PrivacyError(f"audit checkpoint file {path}, line {number}: altered (its MAC does not verify)")
        found.append(Checkpoint(kind, seq, mac, at, number))
    return found


def expected(checkpoints: list[Checkpoint]) -> dict[int, list[Checkpoint]]:
    """{sequence number: its checkpoints} the database must still match.

    A "restore" line discards the checkpoints beyond its sequence number (that history was
    replaced by the backup) and is itself expected.
    """
    live: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        if checkpoint.kind == "restore":
            live = {seq: found for seq, found in live.items() if seq <= checkpoint.seq}
        live.setdefault(checkpoint.seq, []).append(checkpoint)
    return live


def describe(checkpoint: Checkpoint) -> str:
    """ "the checkpoint of 2026-12-02 10:51:03 UTC" (or "the restore of …")."""
    noun = "restore" if checkpoint.kind == "restore" else "checkpoint"
    return f"the {noun} of {checkpoint.at:%Y-%m-%d %H:%M:%S} UTC"
