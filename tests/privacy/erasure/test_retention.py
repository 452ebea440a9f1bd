"""Criterion 4: the retention dry-run lists exactly the expired files, the run erases exactly
those, a second run erases nothing more; a legal hold is reported with exit status 3."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import audit, erasure, keys, retention, subject_data
from integration_centre.privacy.errors import KeyDestroyedError
from tests.privacy.erasure.conftest import read_fields

TODAY = "2026-11-23"


@pytest.fixture
def seeded(app, person):
    """Expired: a case closed 20 months ago, a registration without case 34 months old.
    Kept: a recent registration, an open case, cases closed recently or soon due."""
    app.config.update(RETENTION_CLOSED_CASE_YEARS=1, RETENTION_UNFINISHED_MONTHS=12)
    closed_long_ago = person("Ahmadi", "Farid", stage="closed", ended=date(2025, 3, 1))
    unfinished_old = person("Berhane", "Selam")
    db.session.execute(
        update(Newcomer).where(Newcomer.id == unfinished_old.id).values(created_at=datetime(2024, 1, 10, tzinfo=UTC))
    )
    db.session.commit()
    kept = [
        person("Castro", "Ana"),
        person("Dubois", "Marie", stage="open"),
        person("Eze", "Chidi", stage="closed", ended=date(2026, 10, 1)),
        person("Fofana", "Awa", stage="closed", ended=date(2025, 12, 15)),
    ]
    return {"expired": {closed_long_ago.id, unfinished_old.id}, "kept": [p.id for p in kept], "soon": kept[3].id}


def _listed(output: str) -> set:
    return {line.split()[0] for line in output.splitlines() if line.startswith("  ")}


def test_dry_run_lists_exactly_the_expired_files_and_changes_nothing(app, seeded):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert _listed(result.output) == {str(pid) for pid in seeded["expired"]}
    assert "2 file(s) would be erased" in result.output
    assert "files are kept 1 years" in result.output and "no case was ever opened" in result.output
    assert all(keys.has_person_key(pid) for pid in seeded["expired"])
    assert not erasure.read_ledger_file()


def test_run_erases_exactly_those_and_a_second_run_nothing_more(app, seeded):
    kept_before = {pid: read_fields(pid) for pid in seeded["kept"]}
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert "Erased 2 file(s); refused 0." in result.output
    assert set(erasure.read_ledger_file()) == seeded["expired"]
    for pid in seeded["expired"]:
        assert erasure.remains(pid) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0}
        with pytest.raises(KeyDestroyedError):
            keys.data_key(pid, keys.KEY_VERSION)
    assert {pid: read_fields(pid) for pid in seeded["kept"]} == kept_before
    again = runner.invoke(args=["retention", "run", "--today", TODAY])
    assert again.exit_code == 0 and "Nothing to erase" in again.output
    assert set(erasure.read_ledger_file()) == seeded["expired"]
    assert audit.verify_chain().ok


def test_upcoming_shows_due_and_soon_due_files(app, seeded):
    upcoming = {item.person_id: item for item in retention.upcoming(date(2026, 11, 23), days=90)}
    assert set(upcoming) == seeded["expired"] | {seeded["soon"]}
    assert upcoming[seeded["soon"]].due_on == date(2026, 12, 15)


def test_a_held_file_is_refused_and_reported_with_exit_status_3(app, seeded):
    held = sorted(seeded["expired"])[0]
    subject_data.register("test_hold", holds=lambda pid: ["A sanction procedure is pending."] if pid == held else [])
    try:
        result = app.test_cli_runner().invoke(args=["retention", "run", "--today", TODAY])
    finally:
        subject_data.unregister("test_hold")
    assert result.exit_code == 3, result.output
    assert "Erased 1 file(s); refused 1." in result.output
    assert f"REFUSED {held}: A sanction procedure is pending." in result.output
    assert keys.has_person_key(held)
    assert set(erasure.read_ledger_file()) == seeded["expired"] - {held}


def test_retention_settings_are_validated(tmp_path, db_url):
    from integration_centre.config import ConfigurationError
    from tests.conftest import make_app

    with pytest.raises(ConfigurationError, match="RETENTION_CLOSED_CASE_YEARS"):
        make_app(db_url, tmp_path, RETENTION_CLOSED_CASE_YEARS=0)
