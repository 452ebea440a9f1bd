"""The audit trail: insert-only records chained with HMAC-SHA256 under the keyring's audit key.

Each record's MAC covers its fields and the previous record's MAC, so altering, inserting or
deleting a record breaks the chain from that point; ``privacy_audit_head`` holds the last
sequence number and MAC. Writers serialise on the head row (``UPDATE`` takes its lock first),
which keeps sequence numbers dense across workers. The head row can be reset by whoever cuts the
tail, so keyed checkpoints of the head are also kept outside the database
(``audit_checkpoints``) and ``verify_chain`` checks the database against them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, g, has_request_context
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import audit_anchor, audit_checkpoints, runtime
from integration_centre.privacy.context import Actor, as_actor, check_code, current_actor, request_id
from integration_centre.privacy.errors import PrivacyError
from integration_centre.privacy.models import AuditHead, AuditRecord

GENESIS = "0" * 64
_PENDING = "_privacy_audit_pending"  # sessions holding uncommitted audit rows of this request
_OTHER_WRITES = "_privacy_other_writes"  # sessions that also flushed other changes
HEAD_ID = 1
MAC_VERSION = "v1"

# Actions used by the application (any short code is accepted; these are the common ones).
ACTIONS = (
    "view",
    "create",
    "update",
    "search",
    "export",
    "erase",
    "login",
    "login_failed",
    "logout",
    "key_rotation",
)


_OBJECT_ID = re.compile(r"[A-Za-z0-9_.:-]{0,64}")


def _object_id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if _OBJECT_ID.fullmatch(text) is None:
        raise ValueError("object_id must be an id (UUID or number), never personal data")
    return text


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def compute_mac(key: bytes, fields: dict) -> str:
    """The MAC of one record (its fields and the previous MAC)."""
    message = json.dumps(
        [
            MAC_VERSION,
            fields["seq"],
            _timestamp(fields["occurred_at"]),
            fields["actor_id"],
            fields["actor_role"],
            fields["action"],
            fields["object_type"],
            fields["object_id"],
            fields["purpose"],
            fields["request_id"],
            fields["prev_mac"],
        ],
        separators=(",", ":"),
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# The chain head's statements, built once (bound parameters, no per-call statement or type).
# Taking the next sequence numbers is one UPDATE … RETURNING: the row lock it takes (PostgreSQL)
# or the write lock (SQLite) serialises writers until commit.
_TAKE_SEQ = (
    update(AuditHead)
    .where(AuditHead.id == HEAD_ID)
    .values(seq=AuditHead.seq + bindparam("count", type_=AuditHead.seq.type))
    .returning(AuditHead.seq, AuditHead.mac)
)
_SET_MAC = update(AuditHead).where(AuditHead.id == HEAD_ID).values(mac=bindparam("mac", type_=AuditHead.mac.type))
_INSERT_RECORDS = AuditRecord.__table__.insert()


def _ensure_head() -> None:
    current = runtime.state()
    if "audit_head" in current.checks_written:
        return
    runtime.insert_ignore(AuditHead, {"id": HEAD_ID, "seq": 0, "mac": GENESIS}, "id")
    current.checks_written.add("audit_head")


def record(
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    purpose: str | None = None,
    actor: Any = None,
) -> AuditRecord:
    """Append one audit record (flushed in the caller's transaction, not committed).

    ``action``, ``object_type`` and ``purpose`` are short codes; ``object_id`` an id. ``actor``
    is an ``Actor`` or a user; by default the logged-in user, else the system. Returns a
    transient copy of the record.
    """
    check_code(action, "action", 32)
    check_code(object_type, "object_type")
    if purpose is not None:
        check_code(purpose, "purpose")
    who: Actor = current_actor() if actor is None else as_actor(actor)
    key = runtime.keyring().audit_key
    runtime.ensure_checks()
    with db.session.no_autoflush:
        _ensure_head()
        connection = db.session.connection()
        seq, prev_mac = connection.execute(_TAKE_SEQ, {"count": 1}).one()
        fields = {
            "seq": seq,
            "occurred_at": utcnow(),
            "actor_id": who.id,
            "actor_role": who.role,
            "action": action,
            "object_type": object_type,
            "object_id": _object_id(object_id),
            "purpose": purpose,
            "request_id": request_id(),
            "prev_mac": prev_mac,
        }
        fields["mac"] = compute_mac(key, fields)
        connection.execute(_INSERT_RECORDS, [fields])
        connection.execute(_SET_MAC, {"mac": fields["mac"]})
    audit_checkpoints.note_written(seq)
    if has_request_context():
        g.setdefault(_PENDING, set()).add(id(db.session()))
    return AuditRecord(**fields)


def record_many(
    action: str,
    object_type: str,
    object_ids: list[Any],
    *,
    purpose: str | None = None,
    actor: Any = None,
) -> None:
    """Append one audit record per id, chained exactly as ``record`` does one by one, in three
    statements whatever the number of ids (a list page audits each person it shows)."""
    if len(object_ids) <= 1:
        for object_id in object_ids:
            record(action, object_type, object_id, purpose=purpose, actor=actor)
        return
    check_code(action, "action", 32)
    check_code(object_type, "object_type")
    if purpose is not None:
        check_code(purpose, "purpose")
    who: Actor = current_actor() if actor is None else as_actor(actor)
    ids = [_object_id(object_id) for object_id in object_ids]
    key = runtime.keyring().audit_key
    runtime.ensure_checks()
    with db.session.no_autoflush:
        _ensure_head()
        connection = db.session.connection()  # core statements: no ORM bookkeeping per row
        last, prev_mac = connection.execute(_TAKE_SEQ, {"count": len(ids)}).one()
        occurred, request = utcnow(), request_id()
        rows = []
        for offset, object_id in enumerate(ids):
            fields = {
                "seq": last - len(ids) + 1 + offset,
                "occurred_at": occurred,
                "actor_id": who.id,
                "actor_role": who.role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "purpose": purpose,
                "request_id": request,
                "prev_mac": prev_mac,
            }
            fields["mac"] = prev_mac = compute_mac(key, fields)
            rows.append(fields)
        connection.execute(_INSERT_RECORDS, rows)
        connection.execute(_SET_MAC, {"mac": prev_mac})
    audit_checkpoints.note_written(last)
    if has_request_context():
        g.setdefault(_PENDING, set()).add(id(db.session()))


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain walk; ``first_broken_seq`` is None when the chain is intact (or when
    the checkpoint file itself is unreadable). ``checkpoints``: how many of the checkpoints kept
    outside the database were compared; ``last_checkpoint``: the highest sequence number they saw;
    ``missing``: the range of records the checkpoints saw and the database no longer holds."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None
    missing: tuple[int, int] | None = None  # (first, last) sequence numbers of a cut tail


def _records(batch: int = 1000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        db.session.expunge_all()


def verify_chain() -> VerifyResult:
    """Walk the whole chain and report the first broken record; then check that the database
    still holds every record the checkpoints outside it saw (a cut tail names the missing range)."""
    key = runtime.keyring().audit_key
    try:
        marks = audit_checkpoints.expected(audit_checkpoints.read())
    except PrivacyError as exc:
        return VerifyResult(False, 0, None, str(exc))
    try:
        expected, prev = audit_anchor.chain_start(key)
    except ValueError as exc:
        return VerifyResult(False, 0, 1, str(exc))
    first, checked, compared = expected, 0, 0
    for rec in _records():
        if rec.seq != expected:
            return VerifyResult(False, checked, expected, f"record {expected} is missing")
        fields = {c.key: getattr(rec, c.key) for c in AuditRecord.__table__.columns}
        if rec.prev_mac != prev:
            return VerifyResult(False, checked, rec.seq, f"record {rec.seq} does not follow record {rec.seq - 1}")
        if not hmac.compare_digest(compute_mac(key, fields), rec.mac):
            return VerifyResult(False, checked, rec.seq, f"record {rec.seq} was altered")
        for mark in marks.get(rec.seq, ()):
            if not hmac.compare_digest(mark.mac, rec.mac):
                reason = f"record {rec.seq} is not the one {audit_checkpoints.describe(mark)} saw"
                return VerifyResult(False, checked, rec.seq, reason)
            compared += 1
        prev, expected, checked = rec.mac, expected + 1, checked + 1
    last = first - 1 + checked
    newest = max(marks, default=None)
    if newest is not None and newest > last:
        mark = max(marks[newest], key=lambda m: m.at)
        missing = f"record {newest}" if newest == last + 1 else f"records {last + 1}–{newest}"
        reason = (
            f"{missing} missing: {audit_checkpoints.describe(mark)} saw sequence {newest}, the database ends at {last}"
        )
        return VerifyResult(False, checked, last + 1, reason, compared, newest, (last + 1, newest))
    # The head's current row, read from the database (it is moved by core statements, which an
    # ORM object loaded earlier in this session would not see).
    head = db.session.execute(select(AuditHead.seq, AuditHead.mac).where(AuditHead.id == HEAD_ID)).one_or_none()
    head_seq, head_mac = (head.seq, head.mac) if head else (0, GENESIS)
    if head_seq != last or head_mac != prev:
        return VerifyResult(False, checked, last + 1, f"records after {last} are missing (head is {head_seq})")
    return VerifyResult(True, checked, checkpoints=compared, last_checkpoint=newest)


def person_object_id(person_id: uuid.UUID) -> str:
    """The audit object id of a person (their pseudonymous UUID)."""
    return str(person_id)


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log page (all optional; bounds are inclusive UTC datetimes).

    ``object_prefix``: the start of an object id (a file number is the start of the person's id).
    """

    actor_id: str | None = None
    object_id: str | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    object_type: str | None = None
    object_prefix: str | None = None


_PREFIX = re.compile(r"[0-9a-f-]{1,36}")


def filter_conditions(filters: AuditFilter) -> list:
    """The ``where`` conditions of ``filters`` on ``AuditRecord``."""
    conditions = []
    if filters.actor_id:
        conditions.append(AuditRecord.actor_id == filters.actor_id)
    if filters.object_type:
        conditions.append(AuditRecord.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditRecord.object_id == filters.object_id)
    if filters.object_prefix:
        if _PREFIX.fullmatch(filters.object_prefix) is None:
            raise ValueError("an object id prefix is lower-case hexadecimal digits and dashes")
        conditions.append(AuditRecord.object_id.startswith(filters.object_prefix, autoescape=True))
    if filters.action:
        conditions.append(AuditRecord.action == filters.action)
    if filters.start:
        conditions.append(AuditRecord.occurred_at >= filters.start)
    if filters.end:
        conditions.append(AuditRecord.occurred_at <= filters.end)
    return conditions


def filtered_query(filters: AuditFilter):
    """A ``select`` of audit records matching ``filters``, newest first."""
    return select(AuditRecord).where(*filter_conditions(filters)).order_by(AuditRecord.seq.desc())


CSV_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "request_id",
    "mac",
)


# --- Read-only requests -----------------------------------------------------------------------
# A view that only reads personal data has nothing to commit, but its access was audited in the
# session's transaction. After a successful response, commit that transaction when it holds
# audit rows and nothing else (no ORM flush); otherwise the view's own commit or rollback decides.


@event.listens_for(Session, "after_flush")
def _note_other_writes(session, _flush_context) -> None:
    if has_request_context():
        g.setdefault(_OTHER_WRITES, set()).add(id(session))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_args) -> None:
    if has_request_context():
        g.get(_PENDING, set()).discard(id(session))
        g.get(_OTHER_WRITES, set()).discard(id(session))


def commit_read_audit(response: Response) -> Response:
    """``after_request``: persist the audit rows of a successful read-only request.

    If the commit fails the exception propagates, so the response (which may show personal
    data) is replaced by an error page: no access without its audit record.
    """
    pending = g.get(_PENDING)
    if not pending or response.status_code >= 400:
        return response
    session = db.session()
    if id(session) in pending and id(session) not in g.get(_OTHER_WRITES, set()):
        try:
            session.commit()
        except Exception:
            session.rollback()
            raise
    return response
