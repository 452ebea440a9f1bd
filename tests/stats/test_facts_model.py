"""Facts: anonymous by construction, written in the transaction of the change, retractable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.stats.facts import InvalidEvent, fact_from_event
from integration_centre.stats.models import Fact, Release

STATS_DIR = Path(__file__).resolve().parents[2] / "integration_centre" / "stats"
FORBIDDEN_WORDS = ("person", "case", "step_id", "name", "birth", "niss", "newcomer")


def _event(**changes) -> events.DomainEvent:
    fields = {
        "type": "case_completed",
        "occurred_at": "2026-07-14T10:00:00+00:00",
        "event_date": "2026-07-14",
        "month": "2026-07",
        "cohort_month": "2025-03",
        "definition_code": "wallonia",
        "definition_version": "2025",
        "office_id": 3,
        "centre_id": 2,
        "person": {
            "age_band": "25-29",
            "sex": "F",
            "nationality": "SY",
            "nationality_group": "NON_EU",
            "municipality_code": "82003",
            "status": "dispensed:work",
            "residence_category": "family_reunification",
            "cefr_level": "A2",
            "education_level": "secondary",
        },
        "duration_days": 500,
    }
    fields.update(changes)
    return events.DomainEvent(**fields)


def test_no_fact_or_release_column_references_persons_cases_or_steps():
    for table in (Fact.__table__, Release.__table__):
        assert not table.foreign_keys, f"{table.name} must not reference any table"
        for column in table.columns:
            assert not any(word in column.name for word in FORBIDDEN_WORDS), column.name


def test_no_stats_module_imports_person_models_or_privacy():
    for path in STATS_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                assert not name.startswith("integration_centre.privacy"), (path.name, name)
                assert not name.startswith("integration_centre.pathway.models"), (path.name, name)
                assert name != "integration_centre.pathway.services", (path.name, name)


def test_fact_keeps_categories_only():
    fact = fact_from_event(_event())
    assert (fact.event_type, fact.period_month, fact.iso_week, fact.cohort_month) == (
        "case_completed",
        "2026-07",
        "2026-W29",
        "2025-03",
    )
    assert fact.nationality_group == "middle_east"  # our regional group, not the payload's EU/non-EU
    assert (fact.status, fact.dispensation_reason) == ("dispensed", "work")
    assert (fact.age_band, fact.sex, fact.municipality_code, fact.cefr_level) == ("25-29", "F", "82003", "A2")
    assert fact.duration_days == 500 and fact.milestone and fact.weight == 1
    stored = {column.name for column in Fact.__table__.columns}
    # Issue 16: the education level is now published (a code of the list; "secondary" is none).
    assert "occurred_at" not in stored and fact.education_level is None
    assert fact.nationality == "SY"  # a frequent nationality is kept for the top-nationalities table


def test_plain_dict_payloads_and_retractions():
    payload = _event().as_dict() | {"retraction": True}
    assert fact_from_event(payload).weight == -1
    assert fact_from_event({"type": "step.started", "event_date": "2026-01-02"}).event_type == "step_started"
    assert not fact_from_event({"type": "step_retried", "event_date": "2026-01-02"}).milestone
    assert fact_from_event({"type": "step_retried", "event_date": "2026-01-02", "first_for_case": True}).milestone
    with pytest.raises(InvalidEvent):
        fact_from_event({"type": "case_opened"})
    with pytest.raises(InvalidEvent):
        fact_from_event({"type": "case_opened", "event_date": "2026-01-02", "status": "somebody"})


def test_fact_written_in_the_same_transaction_as_the_change(app):
    import integration_centre.stats.views  # noqa: F401 - the listener is connected when the stats views load

    db.session.scalar(select(func.count()).select_from(Fact))  # the change's transaction has begun
    events.queue(db.session, _event())
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Fact)) == 0
    events.queue(db.session, _event())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Fact)) == 1


CONTRACT_EVENTS = (
    "referral_sent", "referral_accepted", "referral_declined", "referral_started", "referral_completed",
    "referral_abandoned", "referral_withdrawn", "deadline_extended", "noncompliance_notice",
    "noncompliance_referred", "agreement_signed", "certificate_issued", "certificate_revoked", "assessment_recorded",
)  # fmt: skip


@pytest.mark.parametrize("event_type", CONTRACT_EVENTS)
def test_events_of_the_other_packages_become_milestone_facts(app, event_type):
    import integration_centre.stats.views  # noqa: F401 - the listener is connected when the stats views load

    assert event_type in events.EVENT_TYPES
    event = _event(type=event_type, step_code="french_course", operator_id=7, duration_days=12, reason="illness")
    events.queue(db.session, event)
    db.session.commit()
    fact = db.session.scalar(select(Fact))
    assert (fact.event_type, fact.operator_id, fact.duration_days, fact.milestone) == (event_type, 7, 12, True)
    if event_type == "assessment_recorded":
        # Special-category data: only the fact that the assessment was done.
        assert fact.outcome is None and fact.cefr_level is None
    else:
        # A health reason never reaches the facts: it is folded into the coarse code (issue 15, finding 8).
        assert fact.outcome == "personal_circumstances"
