"""Social assessment: encrypted field by field, visible to the case's office only, moves the step."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from werkzeug.exceptions import NotFound

from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway.states import CaseStatus, StepState
from integration_centre.reception import services
from integration_centre.reception.models import SocialAssessment

HEALTH_MARKER = "MARKER-HEALTH-7Q2Z"
NOTES_MARKER = "MARKER-NOTES-K81X"


def test_record_assessment_encrypts_each_domain_and_completes_the_step(agent, started_case):
    case = started_case()
    with events.collect() as received:
        assessment = services.record_assessment(
            agent,
            case,
            {
                "health": {"level": "urgent", "detail": HEALTH_MARKER},
                "housing": "Looking for a flat",
                "notes": NOTES_MARKER,
                "assessed_on": date(2025, 3, 2),
            },
            on=date(2025, 3, 3),
        )
        db.session.commit()
    assert case.step("social_assessment").state == StepState.COMPLETED
    types = [e.type for e in received]
    assert "assessment_recorded" in types
    for event in received:
        assert HEALTH_MARKER not in repr(event.as_dict()) and NOTES_MARKER not in repr(event.as_dict())
    row = db.session.execute(
        text("SELECT health_ct, notes_ct, housing_ct, leisure_ct FROM reception_assessment WHERE id = :id"),
        {"id": assessment.id.hex if db.engine.dialect.name == "sqlite" else assessment.id},
    ).one()
    assert row.health_ct and HEALTH_MARKER.encode() not in row.health_ct
    assert row.notes_ct and NOTES_MARKER.encode() not in row.notes_ct
    assert row.leisure_ct is None
    values = services.assessment_for(agent, case)
    assert values["health"] == {"level": "urgent", "detail": HEALTH_MARKER}
    assert values["housing"] == {"level": "to_follow", "detail": "Looking for a flat"}
    assert values["notes"] == NOTES_MARKER
    actions = [entry.action for entry in case.timeline]
    assert "assessment.record" in actions


def test_update_keeps_one_row_and_emits_once(agent, started_case):
    case = started_case()
    services.record_assessment(agent, case, {"health": "first"}, on=date(2025, 3, 3))
    db.session.commit()
    with events.collect() as received:
        services.record_assessment(agent, case, {"health": "second", "family": "two children"}, on=date(2025, 3, 4))
        db.session.commit()
    assert db.session.query(SocialAssessment).count() == 1
    assert [e.type for e in received] == []
    assert services.assessment_for(agent, case)["health"]["detail"] == "second"


def test_open_case_is_started_by_the_assessment(agent, register):
    from integration_centre.pathway import services as pathway

    case = pathway.open_case(agent, register(), on=date(2025, 3, 1))
    db.session.commit()
    services.record_assessment(agent, case, {"notes": "ok"}, on=date(2025, 3, 2))
    db.session.commit()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.step("social_assessment").state == StepState.COMPLETED


def test_agent_of_another_office_gets_404(agent, other_agent, started_case):
    case = started_case()
    services.record_assessment(agent, case, {"notes": "secret"}, on=date(2025, 3, 2))
    db.session.commit()
    with pytest.raises(NotFound):
        services.assessment_for(other_agent, case)
    with pytest.raises(NotFound):
        services.record_assessment(other_agent, case, {"notes": "x"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "__all__"),
        ({"health": {"level": "bogus", "detail": "x"}}, "health_level"),
        ({"notes": "x" * 10001}, "notes"),
        ({"notes": "x", "assessed_on": date(2030, 1, 1)}, "assessed_on"),
        ({"notes": "x", "shoe_size": "42"}, "__all__"),
    ],
)
def test_bad_input_writes_nothing(agent, started_case, data, field):
    case = started_case()
    version = case.version
    with pytest.raises(services.ReceptionInvalid) as caught:
        services.record_assessment(agent, case, data, on=date(2025, 3, 3))
    assert field in caught.value.errors
    db.session.rollback()
    assert db.session.query(SocialAssessment).count() == 0
    assert case.version == version
    assert case.step("social_assessment").state == StepState.PENDING


def test_restricted_file_refuses_reception_records(agent, started_case):
    from integration_centre.pathway.errors import PathwayError
    from integration_centre.privacy import restrictions

    case = started_case()
    restrictions.restrict(case.person_id, actor=agent)
    db.session.commit()
    with pytest.raises(PathwayError) as caught:
        services.record_assessment(agent, case, {"notes": "x"}, on=date(2025, 3, 3))
    assert caught.value.code == "restricted"
    db.session.rollback()
    with pytest.raises(PathwayError):
        services.queue_notification(agent, case, "cpas")
    db.session.rollback()
    assert db.session.query(SocialAssessment).count() == 0
