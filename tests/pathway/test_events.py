"""Acceptance 7: each transition writes its timeline entry and emits exactly one event."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select, text

from integration_centre.extensions import db
from integration_centre.pathway import events, services
from integration_centre.pathway.models import TimelineEntry
from integration_centre.pathway.services import StepChange
from integration_centre.privacy.access import access
from tests.pathway.conftest import RECEPTION


def timeline_count(case) -> int:
    return db.session.scalar(select(func.count()).select_from(TimelineEntry).where(TimelineEntry.case_id == case.id))


def test_each_transition_one_timeline_entry_and_one_event(agent, register):
    newcomer = register()
    moves = [("open", None)]
    with events.collect() as received:
        case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
        db.session.commit()
        assert len(received) == 1 and timeline_count(case) == 1
        steps = [("start", "case", None)]
        for code in RECEPTION:
            steps += [("start", code, None), ("complete", code, "A1" if code == "language_test" else None)]
        for action, code, result in steps:
            before_events, before_timeline = len(received), timeline_count(case)
            if code == "case":
                services.transition_case(agent, case, action, on=date(2025, 3, 2))
            else:
                services.transition_step(agent, case, code, action, StepChange(result=result), on=date(2025, 3, 2))
            assert len(received) == before_events  # delivered at commit, not before
            db.session.commit()
            assert len(received) == before_events + 1
            assert timeline_count(case) == before_timeline + 1
            moves.append((action, code))
    assert [e.type for e in received][:3] == ["case_opened", "case_started", "step_started"]
    completed = next(e for e in received if e.type == "step_completed" and e.step_code == "language_test")
    assert completed.result == "A1" and completed.person["cefr_level"] == "A1"


def test_no_event_when_the_transaction_rolls_back(agent, started_case):
    case = started_case()
    before = timeline_count(case)
    with events.collect() as received:
        services.transition_step(agent, case, "social_assessment", "start")
        assert len(events.pending(db.session)) == 1
        db.session.rollback()
        assert events.pending(db.session) == []
        db.session.commit()
    assert received == []
    assert timeline_count(case) == before


def test_no_event_when_a_savepoint_rolls_back(agent, started_case):
    case = started_case()
    with events.collect() as received:
        savepoint = db.session.begin_nested()
        services.transition_step(agent, case, "social_assessment", "start")
        savepoint.rollback()
        services.transition_step(agent, case, "rights_and_duties", "start")
        db.session.commit()
    assert [(e.type, e.step_code) for e in received] == [("step_started", "rights_and_duties")]


def test_listener_writes_in_the_same_transaction(agent, started_case):
    """A listener's writes commit with the transition, and a failing listener undoes everything."""
    case = started_case()
    db.session.execute(text("CREATE TABLE IF NOT EXISTS test_fact (event_type VARCHAR(40))"))
    db.session.commit()

    def write_fact(event):
        db.session.execute(text("INSERT INTO test_fact (event_type) VALUES (:t)"), {"t": event.type})

    def explode(event):
        raise RuntimeError("listener failed")

    events.subscribe(write_fact)
    try:
        services.transition_step(agent, case, "social_assessment", "start")
        db.session.commit()
        assert db.session.scalar(text("SELECT count(*) FROM test_fact")) == 1
        events.subscribe(explode)
        before = timeline_count(case)
        services.transition_step(agent, case, "rights_and_duties", "start")
        with pytest.raises(RuntimeError):
            db.session.commit()
        db.session.rollback()
        assert timeline_count(case) == before
        assert db.session.scalar(text("SELECT count(*) FROM test_fact")) == 1
    finally:
        events.unsubscribe(write_fact)
        events.unsubscribe(explode)
        db.session.execute(text("DROP TABLE test_fact"))
        db.session.commit()


def test_event_payload_is_plain_data_without_identity(agent, register):
    newcomer = register()
    with events.collect() as received:
        case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
        db.session.commit()
    payload = received[0].as_dict()
    serialised = json.dumps(payload)
    with access(agent, "test.view", [newcomer.id]):
        for secret in (newcomer.family_name, newcomer.given_names, newcomer.date_of_birth.isoformat(), newcomer.address,
                       newcomer.email, newcomer.phone, str(newcomer.id), str(case.id)):  # fmt: skip
            assert secret not in serialised
    assert payload["person"] == {
        "age_band": "25-29",
        "sex": "F",
        "nationality": "SY",
        "nationality_group": "NON_EU",
        "municipality_code": "92094",
        "arrondissement_code": "92000",
        "status": "obliged",
        "residence_category": "refugee",
        "cefr_level": None,
        "education_level": "upper_secondary",
        # Issue 16: the case's entry service and purpose (none given here) and the kind of file.
        "entry_channel": None,
        "purpose": None,
        "file_kind": "new",
    }
    assert payload["office_id"] == case.office_id and payload["cohort_month"] == "2025-03"
    assert (payload["definition_code"], payload["definition_version"]) == ("wallonia", "2025")


def test_timeline_holds_no_personal_data_in_clear(agent, started_case):
    case = started_case()
    services.transition_step(
        agent, case, "social_assessment", "start", StepChange(note="Parle peu, a besoin d'un interprète")
    )
    db.session.commit()
    rows = db.session.execute(text("SELECT * FROM pathway_timeline_entry")).mappings().all()
    stored = " ".join(str(v) for row in rows for v in row.values() if not isinstance(v, bytes | memoryview))
    assert "interprète" not in stored
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.action == "step.start")).one()
    with access(agent, "test.view", [case.person_id]):
        assert entry.note == "Parle peu, a besoin d'un interprète"
