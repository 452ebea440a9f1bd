"""Retention of the audit log: old records purged, the chain still verifies from a sealed anchor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select, update

from integration_centre.extensions import db
from integration_centre.privacy import audit, audit_retention
from integration_centre.privacy.erasure_models import AuditAnchor
from integration_centre.privacy.models import AuditRecord
from tests.privacy.erasure.conftest import ADMIN_ACTOR


def _seed() -> None:
    with time_machine.travel(datetime(2014, 5, 1, 9, 0, tzinfo=UTC), tick=False):
        for _ in range(3):
            audit.record("login", "user", "1", actor=ADMIN_ACTOR)
        db.session.commit()
    for _ in range(2):
        audit.record("login", "user", "2", actor=ADMIN_ACTOR)
    db.session.commit()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditRecord))


def test_purge_removes_only_old_records_and_the_chain_verifies(app):
    _seed()
    assert audit_retention.purgeable(date(2026, 11, 23)).count == 3
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run", "--today", "2026-11-23"])
    assert "3 audit record(s) older than 2016-11-23 would be purged" in dry.output
    assert _count() == 5
    result = runner.invoke(args=["retention", "run", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Purged 3 audit record(s)" in result.output
    db.session.remove()
    assert _count() == 3  # two kept + the purge's own record
    assert db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all() == ["login", "login", "purge"]
    assert audit.verify_chain().ok
    again = runner.invoke(args=["retention", "run", "--today", "2026-11-23"])
    assert "Purged 0 audit record(s)" in again.output
    assert audit.verify_chain().ok


def test_a_forged_or_removed_anchor_is_detected(app):
    _seed()
    audit_retention.purge(date(2026, 11, 23), actor=ADMIN_ACTOR)
    db.session.commit()
    assert audit.verify_chain().ok
    db.session.execute(update(AuditAnchor).values(seq=AuditAnchor.seq + 1))
    db.session.commit()
    assert not audit.verify_chain().ok
    db.session.execute(AuditAnchor.__table__.delete())
    db.session.commit()
    broken = audit.verify_chain()
    assert not broken.ok and broken.first_broken_seq == 1
