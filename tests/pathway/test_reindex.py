"""Issue 19, search at a region's size: the blind indexes are sized by ``PRIVACY_INDEX_BITS``
(16 bits suit 100,000–200,000 persons; 1,000,000 want 19) and ``integration-centre pathway
reindex --bits N`` rebuilds them; a setting that does not match the stored entries is refused at
start, since every search would then find nobody."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from integration_centre.config import ConfigurationError
from integration_centre.extensions import db
from integration_centre.privacy import blind_index
from integration_centre.privacy.models import AuditRecord, BlindIndexEntry
from integration_centre.workspace import services
from tests.conftest import make_app

PERSONS = 70  # enough entries to read the size off the largest value (blind_index.stored_bits)


@pytest.fixture
def persons(app, register):
    """(person id, birth date) of ``PERSONS`` registered persons (Al-Hassan, each born another day)."""
    born = [date(1960, 1, 1) + timedelta(days=131 * n) for n in range(PERSONS)]
    return [(register(date_of_birth=day).id, day) for day in born]


def _entries() -> dict:
    return {(e.person_id, e.index_name): e.value for e in db.session.scalars(select(BlindIndexEntry))}


def _found(agent, born: date) -> set:
    return {r.person_id for r in services.search_persons(agent, family_name="Al-Hassan", birth_date=born)}


def test_reindex_rebuilds_every_entry_at_the_new_size_and_the_setting_must_follow(
    app, agent, persons, db_url, tmp_path
):
    before = _entries()
    assert blind_index.stored_bits(db.session) == 16
    blind_index.verify_bits(db.session, 16)
    with pytest.raises(ConfigurationError, match=r"reindex --bits 20"):
        blind_index.verify_bits(db.session, 20)

    result = app.test_cli_runner().invoke(args=["pathway", "reindex", "--bits", "20", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"of {PERSONS} file(s) rebuilt at 20 bits" in result.output
    assert "INTEGRATION_CENTRE_PRIVACY_INDEX_BITS=20" in result.output

    db.session.expire_all()
    after = _entries()
    assert after.keys() == before.keys()  # the same entries, each recomputed
    assert all(value < 2**20 for value in after.values()) and blind_index.stored_bits(db.session) == 20
    # The same keyed hash, four more bits kept: the 16-bit value is the 20-bit one's prefix.
    assert all(after[key] >> 4 == before[key] for key in before)
    # Each batch of files read to rebuild them is audited under its purpose.
    assert db.session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.purpose == "rights.rebuild_search_index")
    )

    # Searches find each person with the new setting, nobody with the old one: hence the refusal.
    app.config["PRIVACY_INDEX_BITS"] = 20
    for person_id, born in persons[:5]:
        assert person_id in _found(agent, born)
    app.config["PRIVACY_INDEX_BITS"] = 16
    assert not _found(agent, persons[0][1])
    with pytest.raises(ConfigurationError, match=r"keep 20 bits but INTEGRATION_CENTRE_PRIVACY_INDEX_BITS is 16"):
        make_app(db_url, tmp_path / "old-setting")
    started = make_app(db_url, tmp_path / "new-setting", PRIVACY_INDEX_BITS=20)  # starts
    with started.app_context():
        db.engine.dispose()  # its pooled connection, closed now rather than by the garbage collector


def test_reindex_asks_first_and_refuses_a_size_out_of_range(app, persons):
    runner = app.test_cli_runner()
    before = _entries()
    result = runner.invoke(args=["pathway", "reindex", "--bits", "20"], input="n\n")
    assert result.exit_code == 1 and "Stop the service first" in result.output
    result = runner.invoke(args=["pathway", "reindex", "--bits", "64", "--yes"])
    assert result.exit_code == 2 and "64" in result.output
    db.session.expire_all()
    assert _entries() == before


def test_a_size_out_of_range_is_refused_with_the_setting(db_url, tmp_path):
    with pytest.raises(ConfigurationError, match="PRIVACY_INDEX_BITS must be between 1 and 63"):
        make_app(db_url, tmp_path, PRIVACY_INDEX_BITS=0)


@pytest.mark.no_database
def test_the_start_up_check_refuses_a_setting_the_stored_indexes_do_not_have(tmp_path):
    """``integration-centre check`` (and gunicorn's master) exit with status 2 and one line."""
    import random
    import uuid

    from integration_centre import startup
    from integration_centre.startup import ExitCode, StartupError
    from tests.test_startup_checks import _prepare_instance

    env = _prepare_instance(tmp_path)
    app = make_app(env["INTEGRATION_CENTRE_DATABASE_URL"], tmp_path / "writer", MASTER_KEY=None,
                   MASTER_KEY_FILE=env["INTEGRATION_CENTRE_MASTER_KEY_FILE"])  # fmt: skip
    rng = random.Random(19)
    with app.app_context():  # entries as `pathway reindex --bits 20` leaves them
        db.session.execute(
            BlindIndexEntry.__table__.insert(),
            [{"index_name": "family_dob", "person_id": uuid.uuid4(), "value": rng.getrandbits(20)} for _ in range(80)],
        )
        db.session.commit()
        db.engine.dispose()
    with pytest.raises(StartupError) as refused:
        startup.run_checks(env)
    assert refused.value.code == ExitCode.CONFIGURATION
    assert "keep 20 bits but INTEGRATION_CENTRE_PRIVACY_INDEX_BITS is 16" in refused.value.message
    assert "database at the latest revision" in startup.run_checks(
        {**env, "INTEGRATION_CENTRE_PRIVACY_INDEX_BITS": "20"}
    )
