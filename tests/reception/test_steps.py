"""Reception records move the matching pathway steps under every rule version: the Brussels
combined assessment-and-language step, hours summed against a step's minimum, refusals explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.states import StepState
from integration_centre.reception import services

ON = date(2025, 3, 5)


def _brussels_case(agent, register):
    newcomer = register()
    case = pathway.open_case(agent, newcomer, jurisdiction="brussels", on=date(2025, 3, 1))
    pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
    db.session.commit()
    assert case.definition_code == "brussels"
    return case


def test_brussels_combined_step_needs_welcome_then_assessment_and_test(agent, register):
    case = _brussels_case(agent, register)
    refused = services.record_assessment(agent, case, {"notes": "first"}, on=ON)
    db.session.commit()
    assert refused.step_message  # "needs first: welcome", shown to the agent; the record is kept
    assert case.step("social_language_assessment").state == StepState.PENDING
    assert services.assessment_for(agent, case)["notes"] == "first"

    pathway.transition_step(agent, case, "welcome", "start", on=ON)
    pathway.transition_step(agent, case, "welcome", "complete", on=ON)
    moved = services.record_assessment(agent, case, {"notes": "second"}, on=ON)
    db.session.commit()
    assert moved.step_message is None
    assert case.step("social_language_assessment").state == StepState.IN_PROGRESS  # the test is still missing
    services.record_positioning_test(agent, case, tested_on=ON, level="A2", today=ON)
    db.session.commit()
    step = case.step("social_language_assessment")
    assert step.state == StepState.COMPLETED and step.result == "A2"


def test_session_hours_add_up_to_the_step_minimum(agent, register):
    case = _brussels_case(agent, register)
    pathway.transition_step(agent, case, "welcome", "start", on=ON)
    pathway.transition_step(agent, case, "welcome", "complete", on=ON)
    services.record_assessment(agent, case, {"notes": "x"}, on=ON)
    services.record_positioning_test(agent, case, tested_on=ON, level="A1", today=ON)
    db.session.commit()
    kwargs = {"format": "group", "themes": ["institutions"], "language": "fr", "interpreter": False, "today": ON}
    services.record_session(agent, case, held_on=ON, hours="3", **kwargs)
    db.session.commit()
    step = case.step("rights_and_duties")  # at least 10 hours in Brussels
    assert step.state == StepState.IN_PROGRESS and step.hours == Decimal("3.00")
    services.record_session(agent, case, held_on=ON, hours="7.5", **kwargs)
    db.session.commit()
    assert step.state == StepState.COMPLETED and step.hours == Decimal("10.50")


def test_records_refused_on_a_closed_case(agent, started_case):
    case = started_case()
    pathway.transition_case(agent, case, "close", reason="moved_away", on=ON)
    db.session.commit()
    with pytest.raises(PathwayError, match="closed"):
        services.record_assessment(agent, case, {"notes": "x"}, on=ON)
    db.session.rollback()
    assert services.get_assessment(agent, case) is None
