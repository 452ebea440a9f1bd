"""Plaintext never at rest for real newcomer files (issue 3, criterion 4).

A newcomer is registered with marker values (names, NISS, address, contact, a step note), a case
runs through its first steps, then the raw database bytes (SQLite file or pg_dump), the
application log and the audit rows are scanned for each marker in UTF-8, UTF-16, upper/lower
case, hex and base64: none may appear. The key bytes are not in the dump either.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import text

from integration_centre.extensions import db
from integration_centre.pathway import services
from integration_centre.pathway.services import StepChange, transition_step
from tests.keys import TEST_KEYRING
from tests.pathway.conftest import newcomer_data
from tests.privacy.markers import audit_rows_bytes, database_bytes, find_markers

FAMILY, GIVEN, NISS = "Qwzxvorkian", "Plixtobrand", "85073003328"
STREET, PHONE, EMAIL, NOTE = "Rue Zorblatt 17", "+32 470 98 76 54", "plixto@zorblatt.example", "Notemarkerjuxt"
MARKERS = [FAMILY, GIVEN, NISS, STREET, PHONE, EMAIL, NOTE]


def test_no_newcomer_marker_in_database_log_or_audit(app, agent, org, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        from integration_centre.pathway import registration

        newcomer = registration.register_newcomer(
            agent,
            newcomer_data(
                family_name=FAMILY,
                given_names=GIVEN,
                niss=NISS,
                date_of_birth=date(1985, 7, 30),
                sex="M",
                address=f"{STREET}, 5000 Namur",
                phone=PHONE,
                email=EMAIL,
            ),
            org["office"],
            confirm_duplicate=True,
            today=date(2025, 3, 1),
        )
        db.session.commit()
        case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
        services.transition_case(agent, case, "start", on=date(2025, 3, 1))
        transition_step(agent, case, "social_assessment", "start", StepChange(note=NOTE), on=date(2025, 3, 2))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                connection.execute(text("PRAGMA wal_checkpoint(FULL)"))
        dump = database_bytes(db_url)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert len(dump) > 1000
    assert find_markers(dump, MARKERS) == []
    keys = [*TEST_KEYRING.keks.values(), TEST_KEYRING.index_root_key, TEST_KEYRING.audit_key]
    assert not any(key in dump or key.hex().encode() in dump for key in keys)
    log_text = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert "INSERT INTO newcomer" in log_text.decode(), "the SQL log was captured"
    assert find_markers(log_text, MARKERS) == []
    assert find_markers(audit_rows_bytes(db.session), MARKERS) == []
