"""Criterion 3 and contract 6: the social assessment never reaches statistics (facts, releases,
committee pages), events, the timeline, nor anyone but the agents of the case's office."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select
from werkzeug.exceptions import NotFound

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway.models import TimelineEntry
from integration_centre.reception import services
from integration_centre.reception.models import ASSESSMENT_DOMAINS, NEED_LEVELS
from integration_centre.stats import services as stats
from integration_centre.stats.models import Release
from tests.conftest import login
from tests.reception.helpers import finish_training

MARKERS = {domain: f"Mk{domain.capitalize()}Q7v{i}x" for i, domain in enumerate(ASSESSMENT_DOMAINS)}
NOTES_MARKER = "MkNotesZ9w4"
ALL_MARKERS = [*MARKERS.values(), NOTES_MARKER]


def seed_assessment(agent, case, on=date(2025, 3, 3)):
    """An assessment whose every domain and note holds a marker value (level "urgent")."""
    data = {domain: {"level": "urgent", "detail": marker} for domain, marker in MARKERS.items()}
    data["notes"] = NOTES_MARKER
    return services.record_assessment(agent, case, data, on=on)


def _complete(agent, case, on=date(2025, 3, 5)):
    services.record_session(
        agent,
        case,
        held_on=on,
        format="individual",
        themes=["pathway"],
        language="ar",
        interpreter=True,
        hours="2",
        today=on,
    )
    services.record_positioning_test(agent, case, tested_on=on, level="B2", today=on)
    task = services.add_task(agent, case, kind="bank_account", title=None, due_on=None, today=on)
    services.complete_task(agent, task, on=on)
    services.sign_agreement(agent, case, signed_on=on, today=on)
    db.session.commit()


@pytest.fixture
def assessed_cases(agent, started_case):
    """Three cases with marker assessments, taken to the certificate (every event emitted)."""
    cases = []
    for index, sex in enumerate(("F", "M", "F")):
        case = started_case(family_name=f"Person{index}", given_names="Test", sex=sex)
        with events.collect() as received:
            seed_assessment(agent, case)
            db.session.commit()
            _complete(agent, case)
            finish_training(agent, case)
            services.issue_certificate(agent, case, on=date(2025, 9, 2))
            db.session.commit()
        for event in received:
            payload = repr(event.as_dict())
            assert not [m for m in ALL_MARKERS if m in payload], event.type
            assert "urgent" not in payload and "to_follow" not in payload
        cases.append(case)
    return cases


def _row_values(table) -> list[str]:
    return [repr(tuple(row)) for row in db.session.execute(select(table)).all()]


def test_stats_tables_and_releases_hold_no_assessment(assessed_cases):
    for period in ("2025-Q1", "2025-Q3", "2025"):
        stats.publish(period)
    db.session.commit()
    stats_tables = [t for t in db.metadata.sorted_tables if t.name.startswith("stats_")]
    assert any(t.name == "stats_fact" for t in stats_tables)
    fact_rows = _row_values(db.metadata.tables["stats_fact"])
    assert fact_rows, "the events produced facts"
    assert any("assessment_recorded" in row for row in fact_rows)  # the fact that it was done, only
    forbidden_columns = {*ASSESSMENT_DOMAINS, "notes", "detail", "need", "level", "assessment"}
    for table in stats_tables:
        columns = {c["name"] for c in inspect(db.engine).get_columns(table.name)}
        assert not columns & forbidden_columns, (table.name, columns & forbidden_columns)
        for row in _row_values(table):
            assert not [m for m in ALL_MARKERS if m.lower() in row.lower()], table.name
            for level in NEED_LEVELS[1:]:
                assert f"'{level}'" not in row, (table.name, level)
    releases = db.session.scalars(select(Release)).all()
    assert releases
    for release in releases:
        assert not [m for m in ALL_MARKERS if m.lower() in release.content.lower()]
        assert '"urgent"' not in release.content and '"to_follow"' not in release.content


def test_committee_pages_show_no_assessment(assessed_cases, login_as):
    stats.publish("2025-Q3")
    db.session.commit()
    client, _user = login_as(Role.COMMITTEE)
    for path in ("/statistics/", "/statistics/funnel", "/statistics/trends", "/statistics/methodology"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert not [m for m in ALL_MARKERS if m in body], path
    release = db.session.scalars(select(Release)).first()
    download = client.get(f"/statistics/releases/{release.id}.csv")
    assert download.status_code == 200
    assert not [m for m in ALL_MARKERS if m in download.get_data(as_text=True)]


def test_timeline_keeps_codes_only(agent, started_case):
    case = started_case()
    seed_assessment(agent, case)
    db.session.commit()
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)).all()
    assert [e.note_ct for e in entries if e.action.startswith("assessment")] == [None]
    for entry in entries:
        text = repr((entry.action, entry.reason, entry.step_code, entry.from_state, entry.to_state))
        assert not [m for m in ALL_MARKERS if m in text]


def test_only_agents_of_the_case_office_see_the_assessment(client, agent, other_agent, make_user, started_case):
    case = started_case()
    seed_assessment(agent, case)
    db.session.commit()
    for outsider in (other_agent, make_user(Role.OPERATOR), make_user(Role.COMMITTEE), make_user(Role.ADMIN)):
        with pytest.raises(NotFound):
            services.assessment_for(outsider, case)
    login(client, other_agent)
    for path in (f"/cases/{case.id}/reception", f"/cases/{case.id}/reception/assessment"):
        response = client.get(path)
        assert response.status_code == 404
        assert not [m for m in ALL_MARKERS if m in response.get_data(as_text=True)]
    own = client.application.test_client()
    login(own, agent)
    body = own.get(f"/cases/{case.id}/reception/assessment").get_data(as_text=True)
    assert all(marker in body for marker in ALL_MARKERS)
    panel = own.get(f"/cases/{case.id}/reception").get_data(as_text=True)
    assert not [m for m in ALL_MARKERS if m in panel], "the case panel shows levels, never the details"
