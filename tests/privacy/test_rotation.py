"""KEK rotation: add-kek → promote → rewrap (resumable) → retire; a new-keyring-only process reads all."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import keys
from integration_centre.privacy.access import access
from integration_centre.privacy.models import PersonKey
from tests.conftest import make_app
from tests.keys import keyring_file
from tests.privacy.conftest import AGENT, new_person
from tests.privacy.models import Person


def _digest(people_ids) -> str:
    db.session.expire_all()
    rows = db.session.scalars(select(Person).where(Person.id.in_(people_ids)).order_by(Person.id)).all()
    with access(AGENT, "test.digest", people_ids):
        text = json.dumps([[str(p.id), p.family_name, p.notes, p.address] for p in rows], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_rotation_end_to_end(app, tables, db_url, tmp_path):
    path = keyring_file(tmp_path / "keyring.json")
    file_app = make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(path))
    runner = file_app.test_cli_runner()
    with file_app.app_context():
        people = [new_person(family_name=f"Name{i}", notes=f"note {i}", address={"n": i}) for i in range(7)]
        db.session.commit()
        ids = [p.id for p in people]
        before = _digest(ids)
        fields_before = db.session.execute(select(Person.id, Person.family_name_ct).order_by(Person.id)).all()

        added = runner.invoke(args=["keys", "add-kek"])
        assert added.exit_code == 0, added.output
        new_kek = added.output.split("Added KEK ")[1].split(".")[0]
        assert runner.invoke(args=["keys", "promote", new_kek]).exit_code == 0
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600

        # Interrupted rewrap: one batch of 3, then stop.
        assert keys.rewrap_all(batch_size=3, max_batches=1) == 3
        assert keys.pending_rewrap_count() == 4
        refused = runner.invoke(args=["keys", "retire", "kek-test-1"])
        assert refused.exit_code != 0 and "still wraps 4 person keys" in refused.output

        resumed = runner.invoke(args=["keys", "rewrap", "--batch-size", "2"])
        assert resumed.exit_code == 0 and "Re-wrapped 4" in resumed.output
        assert set(db.session.scalars(select(PersonKey.kek_id))) == {new_kek}
        status = runner.invoke(args=["keys", "status"])
        assert f"{new_kek}: 7 person keys" in status.output

        retired = runner.invoke(args=["keys", "retire", "kek-test-1"])
        assert retired.exit_code == 0, retired.output
        # Field ciphertext was never re-encrypted.
        assert db.session.execute(select(Person.id, Person.family_name_ct).order_by(Person.id)).all() == fields_before
        db.session.remove()
        db.engine.dispose()

    # A new process holding only the new keyring decrypts everything.
    on_disk = json.loads(Path(path).read_text())
    assert list(on_disk["keks"]) == [new_kek] and on_disk["primary_kek"] == new_kek
    fresh_app = make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(path))
    with fresh_app.app_context():
        assert _digest(ids) == before
        db.session.remove()
        db.engine.dispose()


def test_retire_refuses_the_primary_and_unknown_keks(app, db_url, tmp_path):
    path = keyring_file(tmp_path / "keyring.json")
    file_app = make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(path))
    runner = file_app.test_cli_runner()
    with file_app.app_context():
        primary = runner.invoke(args=["keys", "retire", "kek-test-1"])
        assert primary.exit_code != 0 and "primary" in primary.output
        assert runner.invoke(args=["keys", "retire", "kek-nope"]).exit_code != 0
        db.session.remove()
        db.engine.dispose()


def test_running_app_picks_up_a_promoted_kek(app, tables, db_url, tmp_path):
    path = keyring_file(tmp_path / "keyring.json")
    running = make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(path))
    admin = make_app(db_url, tmp_path, MASTER_KEY=None, MASTER_KEY_FILE=str(path))
    with admin.app_context():
        runner = admin.test_cli_runner()
        new_kek = runner.invoke(args=["keys", "add-kek"]).output.split("Added KEK ")[1].split(".")[0]
        runner.invoke(args=["keys", "promote", new_kek])
        db.session.remove()
        db.engine.dispose()
    with running.app_context():
        person = new_person(family_name="After promotion")
        db.session.commit()
        assert db.session.get(PersonKey, person.id).kek_id == new_kek
        db.session.remove()
        db.engine.dispose()


def test_env_keyring_cannot_be_changed_by_the_cli(app):
    result = app.test_cli_runner().invoke(args=["keys", "add-kek"])
    assert result.exit_code != 0 and "INTEGRATION_CENTRE_MASTER_KEY" in result.output
