"""Issue 18: the presentation and agenda tables of the catalogue — built from plain payloads (the
agenda's events), counted in releases, small cells never shown."""

from __future__ import annotations

import json

import pytest

from integration_centre.extensions import db
from integration_centre.stats import services
from integration_centre.stats.catalogue import catalogue
from integration_centre.stats.facts import record_event

PERIOD = "2026-05"
NEW_TABLES = ("presented_centre_deadline", "no_shows_centre_kind", "first_appointment_wait", "interpreter_languages")


def _payload(event_type: str, reason: str, centre_id: int, i: int, month: str) -> dict:
    return {
        "type": event_type,
        "event_date": f"{month}-{1 + i % 28:02d}",
        "office_id": centre_id,
        "centre_id": centre_id,
        "reason": reason,
        "person": {"age_band": "30-34", "sex": "F" if i % 2 else "M", "nationality": "SY", "status": "obliged"},
    }


# (event, reason, centre, how many): one small group per table (2 < k = 5)
SEED = [
    ("presentation_recorded", "within_deadline", 1, 20), ("presentation_recorded", "late", 1, 9),
    ("presentation_recorded", "within_deadline", 2, 15), ("presentation_recorded", "late", 2, 2),
    ("presentation_recorded", "within_deadline", 3, 12), ("presentation_recorded", "late", 3, 8),
    ("appointment_no_show", "reception", 1, 11), ("appointment_no_show", "social_assessment", 1, 6),
    ("appointment_no_show", "reception", 2, 9), ("appointment_no_show", "social_assessment", 2, 1),
    ("appointment_no_show", "reception", 3, 7), ("appointment_no_show", "social_assessment", 3, 7),
    ("first_appointment_booked", "wait_d000_014", 1, 10), ("first_appointment_booked", "wait_d015_030", 1, 8),
    ("first_appointment_booked", "wait_d000_014", 2, 3), ("first_appointment_booked", "wait_d015_030", 2, 12),
    ("first_appointment_booked", "wait_d000_014", 3, 9), ("first_appointment_booked", "wait_d015_030", 3, 9),
    ("interpreter_requested", "ar", 1, 14), ("interpreter_requested", "ps", 1, 6),
    ("interpreter_requested", "ar", 2, 10), ("interpreter_requested", "ps", 2, 2),
    ("interpreter_requested", "ar", 3, 8), ("interpreter_requested", "ps", 3, 7),
]  # fmt: skip
SMALL = {
    "presented_centre_deadline": ("2", "late"),
    "no_shows_centre_kind": ("2", "social_assessment"),
    "first_appointment_wait": ("2", "wait_d000_014"),
    "interpreter_languages": ("ps", "2"),
}


LARGE_PERIOD = "2026-06"  # the same groups without the small ones: every table published


def _tables(period: str) -> dict:
    release = services.publish(period).release
    db.session.commit()
    return {t["id"]: t for t in json.loads(release.content)["tables"]}


@pytest.fixture
def released(app, org):
    for event_type, reason, centre, count in SEED:
        for i in range(count):
            record_event(_payload(event_type, reason, centre, i, PERIOD))
            if count >= 5:
                record_event(_payload(event_type, reason, centre, i, LARGE_PERIOD))
    db.session.commit()
    return {"tables": list(_tables(PERIOD).values()), "large": _tables(LARGE_PERIOD)}


def test_the_catalogue_holds_the_new_tables():
    ids = catalogue().ids
    assert all(table in ids for table in NEW_TABLES)


def test_releases_include_them_and_hide_small_cells(released):
    tables = {t["id"]: t for t in released["tables"]}
    for table_id in NEW_TABLES:
        table = tables[table_id]
        cells = {(str(r), str(c)): v for r, c, v in table["cells"]}
        assert SMALL[table_id] not in cells, table_id  # the small group is never shown
        assert all(v is None or v == 0 or v >= 5 for v in cells.values()), table_id
    # without the small groups, each table is published with the hand counts
    large = released["large"]
    assert all(large[t]["status"] == "published" for t in NEW_TABLES)
    cells = {(str(r), str(c)): v for r, c, v in large["presented_centre_deadline"]["cells"]}
    assert cells[("1", "within_deadline")] == 20 and cells[("1", "late")] == 9 and cells[("3", "late")] == 8
    cells = {(str(r), str(c)): v for r, c, v in large["interpreter_languages"]["cells"]}
    assert cells[("ar", "1")] == 14 and cells[("ps", "3")] == 7
