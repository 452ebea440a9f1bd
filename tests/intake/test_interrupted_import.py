"""Acceptance 2 (issue 18): the import killed midway (SIGKILL, in a subprocess running the real
command on the test database — a SQLite file, or PostgreSQL in CI) leaves only complete batches;
running it again completes without a duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from integration_centre.extensions import db
from tests.conftest import TEST_SECRET_KEY
from tests.intake.conftest import ROWS, csv_bytes
from tests.keys import TEST_KEYRING

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from integration_centre.cli import main; main()"]
TOTAL = 300
BATCH = 10


def _environment(db_url: str, folder: Path) -> dict[str, str]:
    secret = folder / "secret_key"
    secret.write_text(TEST_SECRET_KEY)
    secret.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTEGRATION_CENTRE_", "FLASK_"))}
    env.update(
        {
            "INTEGRATION_CENTRE_ENV": "testing",
            "INTEGRATION_CENTRE_DATABASE_URL": db_url,
            "INTEGRATION_CENTRE_INSTANCE_PATH": str(folder),
            "INTEGRATION_CENTRE_SECRET_KEY_FILE": str(secret),
            "INTEGRATION_CENTRE_MASTER_KEY": TEST_KEYRING.to_json(),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


def _rows() -> dict[int, list]:
    template = ROWS[3]
    rows = {}
    for index in range(TOTAL):
        born = date(1970, 1, 1) + timedelta(days=index * 7)
        rows[index + 2] = [f"Nom{index}", "Prénom", born.isoformat(), "FM"[index % 2], "SY", "", "92094",
                           *template[7:]]  # fmt: skip
    return rows


def _count(table: str, where: str = "") -> int:
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar_one()  # noqa: S608 - fixed names


def test_a_killed_import_leaves_whole_batches_and_the_rerun_completes(db_url, agent, org, tmp_path):
    path = tmp_path / "commune.csv"
    path.write_bytes(csv_bytes(_rows()))
    folder = tmp_path / "instance"
    folder.mkdir()
    env = _environment(db_url, folder)
    args = [*CLI, "import", str(path), "--office", str(org["office"].id), "--agent", agent.email]
    args += ["--batch-size", str(BATCH), "--json"]
    db.session.commit()

    process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while _count("intake_row") < 2 * BATCH:
            assert process.poll() is None, process.communicate()[1].decode()[-3000:]
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    written = _count("intake_row")
    assert 0 < written < TOTAL
    assert written % BATCH == 0, "a batch was half written"
    assert _count("newcomer") == written
    assert _count("privacy_person_key") == written
    assert _count("privacy_blind_index", "WHERE index_name = 'family_dob'") == written
    assert _count("intake_run", "WHERE status = 'running'") == 1

    rerun = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    report = json.loads(rerun.stdout)
    assert report["status"] == "completed"
    assert report["already_imported"]["count"] == written
    assert report["created"]["count"] == TOTAL - written
    assert _count("newcomer") == TOTAL
    assert _count("intake_row") == TOTAL
    assert _count("privacy_blind_index", "WHERE index_name = 'family_dob'") == TOTAL
    assert _count("intake_run", "WHERE status = 'interrupted'") == 1
