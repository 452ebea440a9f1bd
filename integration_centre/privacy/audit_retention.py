"""Retention of the audit log: records older than ``RETENTION_AUDIT_YEARS`` are purged.

The chain stays verifiable: before deleting, the first kept record's sequence number and the
MAC it chains from are stored in a sealed anchor (HMAC under the audit key), and
``audit.verify_chain`` starts from the anchor. Cutting records from the head without the audit
key is therefore still detected. The purge is itself an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from integration_centre.extensions import db
from integration_centre.privacy import audit, runtime
from integration_centre.privacy.audit_anchor import ANCHOR_ID, seal
from integration_centre.privacy.erasure_models import AuditAnchor
from integration_centre.privacy.models import AuditRecord

SETTING = "RETENTION_AUDIT_YEARS"


def cutoff(today: date) -> datetime:
    """Records that occurred before this instant (UTC) are past the retention period."""
    years = int(current_app.config[SETTING])
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return datetime.combine(day, time.min, UTC)


@dataclass(frozen=True)
class AuditPurge:
    """The audit records a purge removes: how many, up to which sequence number, before when."""

    count: int
    last_seq: int | None
    before: datetime


def purgeable(today: date) -> AuditPurge:
    """What a purge on ``today`` would remove (the oldest records, a prefix of the chain)."""
    before = cutoff(today)
    last_seq = db.session.scalar(select(func.max(AuditRecord.seq)).where(AuditRecord.occurred_at < before))
    if last_seq is None:
        return AuditPurge(0, None, before)
    count = db.session.scalar(select(func.count()).where(AuditRecord.seq <= last_seq)) or 0
    return AuditPurge(count, last_seq, before)


def purge(today: date, *, actor: Any) -> AuditPurge:
    """Delete the records past the retention period, move the sealed anchor, audit the purge.

    Flushes; the caller commits (one transaction).
    """
    plan = purgeable(today)
    if not plan.count:
        return plan
    last = db.session.scalars(select(AuditRecord).where(AuditRecord.seq == plan.last_seq)).one()
    key = runtime.keyring().audit_key
    seq, prev_mac = plan.last_seq + 1, last.mac
    anchor = db.session.get(AuditAnchor, ANCHOR_ID)
    if anchor is None:
        anchor = AuditAnchor(id=ANCHOR_ID)
        db.session.add(anchor)
    anchor.seq, anchor.prev_mac, anchor.purged_before = seq, prev_mac, plan.before
    anchor.mac = seal(key, seq, prev_mac, plan.before)
    db.session.execute(delete(AuditRecord).where(AuditRecord.seq <= plan.last_seq))
    audit.record("purge", "audit_log", purpose="retention.audit", actor=actor)
    db.session.flush()
    return plan
