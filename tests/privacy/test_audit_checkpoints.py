"""Finding 2 of issue 15: cutting the audit tail and resetting the head row must not go unseen.

The chain alone cannot see it (the head row is in the same database as the records), so keyed
checkpoints of the head are appended to a file outside the database and ``audit verify``
compares the database with them.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select, text

from integration_centre.extensions import db
from integration_centre.privacy import audit, audit_checkpoints, backup, runtime
from integration_centre.privacy.models import AuditRecord
from tests.privacy.conftest import AGENT


def _records(n: int) -> None:
    """``n`` audit records in one committed transaction."""
    audit.record_many("login", "user", [str(i) for i in range(n)], actor=AGENT)
    db.session.commit()


def _cut_tail_and_reset_head(keep: int) -> None:
    """The attack: delete the newest records and point the head row at the new last record."""
    db.session.execute(text("DELETE FROM privacy_audit WHERE seq > :keep"), {"keep": keep})
    db.session.execute(
        text("UPDATE privacy_audit_head SET seq = :keep, mac = (SELECT mac FROM privacy_audit WHERE seq = :keep)"),
        {"keep": keep},
    )
    db.session.commit()


def test_cutting_the_tail_and_resetting_the_head_is_detected(app):
    _records(1057)
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    _cut_tail_and_reset_head(1040)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0, result.output
    assert "records 1041–1057 missing" in result.output
    assert "saw sequence 1057, the database ends at 1040" in result.output


def _lines() -> list[dict]:
    path = audit_checkpoints.checkpoint_file()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_an_untouched_database_verifies_against_its_checkpoints(app):
    app.config["AUDIT_CHECKPOINT_RECORDS"] = 3
    for _ in range(4):
        _records(2)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain intact: 8 records." in result.output
    assert f"Checked against the checkpoints in {audit_checkpoints.checkpoint_file()}" in result.output
    assert [line["seq"] for line in _lines()] == [2, 6]  # the first commit, then at least 3 records later
    assert audit.verify_chain().checkpoints == 2


def test_the_file_is_outside_the_database_private_and_has_no_personal_data(app, tables):
    from tests.privacy.conftest import new_person

    new_person(family_name="Xylophonique")
    db.session.commit()
    path = audit_checkpoints.checkpoint_file()
    assert path == Path(app.config["INSTANCE_PATH"]) / "audit-checkpoints.jsonl"
    assert path.stat().st_mode & 0o777 == 0o600
    (line,) = _lines()
    assert set(line) == {"kind", "seq", "mac", "at", "line_mac"} and line["kind"] == "checkpoint"
    assert "Xylophonique" not in path.read_text(encoding="utf-8")


def test_checkpoints_come_at_most_every_n_records_or_m_minutes(app):
    app.config["AUDIT_CHECKPOINT_RECORDS"] = 10
    app.config["AUDIT_CHECKPOINT_MINUTES"] = 5
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=UTC), tick=False) as traveller:
        _records(1)  # the first commit of the process: a checkpoint
        for _ in range(9):
            _records(1)  # 9 records later: none yet
        assert [line["seq"] for line in _lines()] == [1]
        _records(1)  # 10 records after the last checkpoint
        assert [line["seq"] for line in _lines()] == [1, 11]
        traveller.shift(timedelta(minutes=4))
        _records(1)
        assert len(_lines()) == 2
        traveller.shift(timedelta(minutes=1))
        _records(1)  # 5 minutes after the last checkpoint
        assert [line["seq"] for line in _lines()] == [1, 11, 13]
        traveller.shift(timedelta(minutes=30))
        db.session.commit()  # nothing audited: no checkpoint, whatever the time
        assert len(_lines()) == 3
    assert audit.verify_chain().ok


def test_rolled_back_records_leave_no_checkpoint(app):
    _records(2)
    audit.record("login", "user", "9", actor=AGENT)
    db.session.rollback()
    app.config["AUDIT_CHECKPOINT_RECORDS"] = 1
    db.session.commit()
    assert [line["seq"] for line in _lines()] == [2]
    assert audit.verify_chain().ok


def test_an_edited_or_forged_checkpoint_line_is_refused(app):
    _records(5)
    path = audit_checkpoints.checkpoint_file()
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace('"seq": 5', '"seq": 9'), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("line 1: altered (its MAC does not verify)")
    assert len(result.output.strip().splitlines()) == 1
    path.write_text(original + "not json\n", encoding="utf-8")
    assert "line 2: not a checkpoint" in audit.verify_chain().reason


def test_a_record_other_than_the_one_checkpointed_is_reported(app):
    _records(3)
    # Rewrite the last record consistently (possible only with the audit key): the chain
    # verifies, the checkpoint does not.
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.seq == 3)).one()
    fields = {c.key: getattr(record, c.key) for c in AuditRecord.__table__.columns} | {"object_id": "other"}
    fields["mac"] = audit.compute_mac(runtime.keyring().audit_key, fields)
    db.session.execute(
        text("UPDATE privacy_audit SET object_id = 'other', mac = :mac WHERE seq = 3"), {"mac": fields["mac"]}
    )
    db.session.execute(text("UPDATE privacy_audit_head SET mac = :mac"), {"mac": fields["mac"]})
    db.session.commit()
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 3
    assert "record 3 is not the one the checkpoint of" in result.reason


def test_a_missing_checkpoint_file_is_a_warning(app):
    _records(2)
    audit_checkpoints.checkpoint_file().unlink()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "Warning: no audit checkpoint in" in result.output


def test_backup_restore_drill_passes_verify_and_a_later_cut_still_fails(app, tmp_path):
    app.config["AUDIT_CHECKPOINT_RECORDS"] = 1  # a checkpoint at every commit
    runner = app.test_cli_runner()
    _records(10)
    created = runner.invoke(args=["backup", "create", str(tmp_path / "drill.bak")])
    assert created.exit_code == 0, created.output  # ends at record 10 (its own record comes after)
    _records(20)  # 12–31: lost by the restore, as announced
    assert _lines()[-1]["seq"] == 31
    restored = runner.invoke(args=["backup", "restore", str(tmp_path / "drill.bak"), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    (restore_line,) = [line for line in _lines() if line["kind"] == "restore"]
    assert restore_line["seq"] == 10
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Audit chain intact: 11 records." in verified.output  # 10 restored + the restore's record
    # Life goes on after the restore; a silent cut of the new tail is still reported.
    _records(5)
    _cut_tail_and_reset_head(14)
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "records 15–16 missing" in broken.output and "the database ends at 14" in broken.output


def test_a_restore_by_hand_is_recorded_with_mark_restore(app, tmp_path):
    app.config["AUDIT_CHECKPOINT_RECORDS"] = 1
    runner = app.test_cli_runner()
    _records(4)
    target = backup.create(tmp_path / "by-hand.bak")
    _records(3)
    db.session.remove()
    db.engine.dispose()
    if backup.dialect() == "sqlite":  # a restore "by hand": the database only, nothing recorded
        with sqlite3.connect(target) as source, sqlite3.connect(backup._sqlite_file()) as live:
            source.backup(live)
    else:
        command, env = backup._pg_command("pg_restore", "--clean", "--if-exists", "--no-owner", str(target))
        backup._run(command, env)
    db.engine.dispose()
    before = runner.invoke(args=["audit", "verify"])
    assert before.exit_code == 1 and "records 5–7 missing" in before.output
    refused = runner.invoke(args=["audit", "mark-restore"], input="n\n")
    assert refused.exit_code == 1 and "records 5–7 are lost with it" in refused.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    marked = runner.invoke(args=["audit", "mark-restore", "--yes"])
    assert marked.exit_code == 0 and "database restored to audit record 4" in marked.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_mark_restore_refuses_a_broken_chain(app):
    _records(3)
    db.session.execute(text("UPDATE privacy_audit SET object_id = 'x' WHERE seq = 2"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "mark-restore", "--yes"])
    assert result.exit_code == 1 and "record 2 was altered" in result.output
    assert [line["kind"] for line in _lines()] == ["checkpoint"]


def test_restore_refuses_a_tampered_checkpoint_file_before_touching_the_database(app, tmp_path):
    _records(3)
    target = backup.create(tmp_path / "b.bak")
    _records(2)
    path = audit_checkpoints.checkpoint_file()
    path.write_text(path.read_text(encoding="utf-8").replace('"seq": 3', '"seq": 2'), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 1 and "altered" in result.output and "nothing was restored" in result.output
    db.session.remove()
    assert db.session.scalar(text("SELECT max(seq) FROM privacy_audit")) == 5  # still the live database
