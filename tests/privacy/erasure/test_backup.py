"""Criterion 3: backup, then erasure, then restore — the erased person stays unreadable, the
ledger replay removes the shell's remains, everything else comes back intact. Runs on the
session database: SQLite by default, PostgreSQL (pg_dump / pg_restore) in the PostgreSQL pass."""

from __future__ import annotations

import base64
import sqlite3

import pytest
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway.models import EvidenceDocument, Newcomer
from integration_centre.privacy import audit, backup, blind_index, erasure, keys, runtime
from integration_centre.privacy.erasure_models import ErasureLedgerEntry
from integration_centre.privacy.errors import KeyDestroyedError, PrivacyError
from integration_centre.privacy.models import AuditRecord
from tests.privacy.erasure.conftest import ADMIN_ACTOR, person_ids, read_fields


def test_backup_erasure_restore_keeps_the_erasure(app, person, tmp_path):
    app.config["RETENTION_CLOSED_CASE_YEARS"] = 1
    erased_id = person("Okafor", "Ngozi", stage="closed_doc").id
    others = [person("Petrenko", "Iryna").id, person("Rahimi", "Zahra", stage="open").id]
    before = {pid: read_fields(pid) for pid in others}
    born = read_fields(erased_id)["date_of_birth"]
    target = backup.create(tmp_path / "before-erasure.bak")
    assert target.stat().st_mode & 0o077 == 0

    on = erasure.erase_person(erased_id, actor=ADMIN_ACTOR)
    db.session.commit()
    later = person("Santos", "Rita").id  # made after the backup: lost by the restore, as announced
    audits_before_restore = db.session.scalar(select(func.count()).select_from(AuditRecord))

    result = backup.restore(target, actor=ADMIN_ACTOR)

    # The backup still had the person's wrapped key, ciphertext, index entries and document:
    # the replay found them and scrubbed them again.
    assert result.replayed == [erased_id]
    assert erasure.remains(erased_id) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0}
    with pytest.raises(KeyDestroyedError):
        keys.data_key(erased_id, keys.KEY_VERSION)
    assert set(read_fields(erased_id).values()) == {None}
    assert db.session.scalar(select(func.count()).where(EvidenceDocument.person_id == erased_id)) == 0
    assert blind_index.candidates(family_name="Okafor", given_name="Ngozi", birth_date=born) == set()
    # The ledger entry is back in the database (it came from the file outside it).
    assert db.session.get(ErasureLedgerEntry, erased_id).erased_on == on
    assert erasure.erased_on(erased_id) == on
    # Everything else is restored intact; what came after the backup is gone.
    assert {pid: read_fields(pid) for pid in others} == before
    assert later not in person_ids()
    assert db.session.get(Newcomer, erased_id) is not None  # the shell
    # The replay is audited and the restored chain verifies.
    assert audit.verify_chain().ok
    replay = db.session.scalars(select(AuditRecord).where(AuditRecord.purpose == "erasure.replay")).all()
    assert [r.object_id for r in replay] == [audit.person_object_id(erased_id)]
    assert audits_before_restore  # sanity
    # A second replay finds nothing left to do.
    assert erasure.replay_ledger(actor=ADMIN_ACTOR) == []


def test_the_keyring_is_never_inside_a_backup(app, person, tmp_path):
    person("Petrenko", "Iryna")
    target = backup.create(tmp_path / "b.bak")
    content = target.read_bytes()
    ring = runtime.keyring()
    secrets = [*ring.keks.values(), ring.index_root_key, ring.audit_key]
    for secret in secrets:
        assert secret not in content
        assert base64.b64encode(secret) not in content


def test_sqlite_backup_is_a_consistent_database(app, person, tmp_path):
    if backup.dialect() != "sqlite":
        pytest.skip("SQLite online-backup API only")
    p = person("Petrenko", "Iryna")
    target = backup.create(tmp_path / "b.sqlite")
    with sqlite3.connect(target) as connection:
        ids = [row[0] for row in connection.execute("select id from newcomer")]
    assert [str(p.id).replace("-", "")] == ids or [str(p.id)] == ids


def test_cli_backup_and_restore_ask_for_confirmation(app, person, tmp_path):
    erased_id = person("Okafor", "Ngozi").id
    kept = person("Petrenko", "Iryna").id
    runner = app.test_cli_runner()
    path = tmp_path / "cli.bak"
    created = runner.invoke(args=["backup", "create", str(path)])
    assert created.exit_code == 0, created.output
    assert "keyring is NOT in it" in created.output
    again = runner.invoke(args=["backup", "create", str(path)])
    assert again.exit_code == 1 and "already exists" in again.output
    erasure.erase_person(erased_id, actor=ADMIN_ACTOR)
    db.session.commit()
    refused = runner.invoke(args=["backup", "restore", str(path)], input="n\n")
    assert refused.exit_code == 1
    assert erasure.remains(erased_id)["live_key"] == 0
    restored = runner.invoke(args=["backup", "restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "1 person(s) scrubbed again" in restored.output
    db.session.remove()
    assert erasure.remains(erased_id) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0}
    assert read_fields(kept)["family_name"] == "Petrenko"
    not_a_backup = tmp_path / "x.bak"
    not_a_backup.write_bytes(b"hello")
    bad = runner.invoke(args=["backup", "restore", str(not_a_backup), "--yes"])
    assert bad.exit_code == 1 and "is not a" in bad.output


def test_a_tampered_ledger_file_is_refused_and_nothing_is_replayed(app, person):
    erased = person("Okafor", "Ngozi").id
    kept = person("Petrenko", "Iryna").id
    erasure.erase_person(erased, actor=ADMIN_ACTOR)
    db.session.commit()
    path = erasure.ledger_file()
    line = path.read_text(encoding="utf-8")
    path.write_text(line + line.replace(str(erased), str(kept)), encoding="utf-8")  # a forged entry
    with pytest.raises(PrivacyError, match="line 2: altered"):
        erasure.replay_ledger(actor=ADMIN_ACTOR)
    db.session.rollback()
    assert keys.has_person_key(kept)
    result = app.test_cli_runner().invoke(args=["erasure", "replay-ledger"])
    assert result.exit_code == 1 and "altered" in result.output


def test_retention_page_warns_about_a_restore_without_replay(app, person, login_as, tmp_path):
    from integration_centre.accounts.models import Role

    erased = person("Okafor", "Ngozi").id
    client, _admin = login_as(Role.ADMIN)
    target = backup.create(tmp_path / "b.bak")
    erasure.erase_person(erased, actor=ADMIN_ACTOR)
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    if backup.dialect() == "sqlite":  # a restore "by hand", without the replay
        with sqlite3.connect(target) as source, sqlite3.connect(backup._sqlite_file()) as live:
            source.backup(live)
    else:
        command, env = backup._pg_command("pg_restore", "--clean", "--if-exists", "--no-owner", str(target))
        backup._run(command, env)
    assert erasure.pending_replay() == [erased]
    page = client.get("/admin/retention/").get_data(as_text=True)
    assert "erasure replay-ledger" in page
    assert erasure.replay_ledger(actor=ADMIN_ACTOR) == [erased]
    db.session.commit()
    assert erasure.pending_replay() == []


def test_restore_refuses_a_tampered_ledger_before_touching_the_database(app, person, tmp_path):
    erased = person("Okafor", "Ngozi").id
    target = backup.create(tmp_path / "b.bak")
    erasure.erase_person(erased, actor=ADMIN_ACTOR)
    db.session.commit()
    path = erasure.ledger_file()
    path.write_text(path.read_text(encoding="utf-8").replace('"mac": "', '"mac": "0'), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 1 and "nothing was restored" in result.output
    db.session.remove()
    assert erasure.erased_on(erased) is not None  # still the live database, not the backup
