"""Plaintext never at rest (demonstrated on the test model; the pathway reuses markers.py)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import text

from integration_centre.extensions import db
from integration_centre.privacy import blind_index
from integration_centre.privacy.access import access
from tests.keys import TEST_KEYRING
from tests.privacy.conftest import AGENT, new_person
from tests.privacy.markers import audit_rows_bytes, database_bytes, encodings, find_markers

MARKERS = ["Qwzxvorkian", "Plixtobrand", "85073003328", "Rue Zorblatt 17", "Notemarkerjuxt"]


def test_marker_encodings_are_found():
    for name, pattern in encodings("Qwzxvorkian").items():
        assert find_markers(b"xx" + pattern + b"yy", ["Qwzxvorkian"]), name
    assert find_markers(b"nothing here", MARKERS) == []


def test_no_marker_in_database_log_or_audit(app, tables, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    app.config["SQLALCHEMY_ECHO"] = True
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    people = []
    for index in range(3):
        person = new_person(
            family_name=MARKERS[0],
            given_name=MARKERS[1],
            niss=MARKERS[2],
            address={"street": MARKERS[3], "n": index},
            notes=MARKERS[4],
            birth_date=date(1985, 7, 30),
        )
        blind_index.set_person_indexes(
            person.id, family_name=MARKERS[0], given_name=MARKERS[1], birth_date=date(1985, 7, 30), niss=MARKERS[2]
        )
        people.append(person)
    db.session.commit()
    with access(AGENT, "test.view", [p.id for p in people]):
        assert [p.notes for p in people] == [MARKERS[4]] * 3
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(FULL)"))
    dump = database_bytes(db_url)
    assert len(dump) > 1000
    assert find_markers(dump, MARKERS) == []
    keys = [*TEST_KEYRING.keks.values(), TEST_KEYRING.index_root_key, TEST_KEYRING.audit_key]
    assert not any(key in dump or key.hex().encode() in dump for key in keys)
    log_text = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert find_markers(log_text, MARKERS) == []
    assert find_markers(audit_rows_bytes(db.session), MARKERS) == []
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
