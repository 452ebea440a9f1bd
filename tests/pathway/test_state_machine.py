"""Acceptance 4: every allowed transition works, every other one is refused and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import events, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.pathway.services import StepChange
from integration_centre.pathway.states import (
    CASE_TRANSITIONS,
    STEP_ACTIONS,
    STEP_TRANSITIONS,
    CaseStatus,
    StepState,
    step_target,
)
from tests.pathway.conftest import finish_reception

STEP = "citizenship"  # operator-capable, 60 h minimum, evidence and a result expected


def complete_change() -> StepChange:
    return StepChange(hours=60, result="fic", evidence=("attendance_record",))


def params_for(action: str, operator_id: int) -> StepChange:
    return {
        "plan": StepChange(planned_on=date(2025, 4, 1)),
        "refer": StepChange(operator_id=operator_id),
        "complete": complete_change(),
        "fail": StepChange(reason="dropped_out"),
        "exempt": StepChange(reason="prior_learning"),
        "cancel": StepChange(reason="duplicate"),
    }.get(action, StepChange())


def snapshot(case: Case) -> tuple:
    db.session.refresh(case)
    steps = tuple((s.step_code, s.state, s.hours, s.result, tuple(s.evidence or ())) for s in case.steps)
    timeline = db.session.scalar(
        select(func.count()).select_from(TimelineEntry).where(TimelineEntry.case_id == case.id)
    )
    return case.status, case.version, steps, timeline


def force_state(case: Case, code: str, state: StepState) -> None:
    """Test set-up only: put a step in ``state`` directly."""
    case.step(code).state = state
    db.session.commit()


@pytest.fixture
def ready_case(agent, started_case):
    case = started_case()
    finish_reception(agent, case)
    return case


@pytest.mark.parametrize(
    "transition", STEP_TRANSITIONS, ids=[f"{t.action}:{t.source}->{t.target}" for t in STEP_TRANSITIONS]
)
def test_every_allowed_step_transition_works(agent, org, ready_case, transition):
    force_state(ready_case, STEP, StepState(transition.source))
    if transition.action == "decline":
        ready_case.step(STEP).operator_id = org["operator"].id
        db.session.commit()
    with events.collect() as received:
        step = services.transition_step(
            agent, ready_case, STEP, transition.action, params_for(transition.action, org["operator"].id)
        )
        db.session.commit()
    assert step.state == transition.target
    assert [e.type for e in received] == [services.STEP_EVENT[transition.action]]
    last = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.case_id == ready_case.id).order_by(TimelineEntry.at.desc())
    ).first()
    assert (last.action, last.from_state, last.to_state) == (
        f"step.{transition.action}",
        transition.source,
        transition.target,
    )


DISALLOWED = [
    (state, action) for state in StepState for action in sorted(STEP_ACTIONS) if step_target(action, state) is None
]


@pytest.mark.parametrize(("state", "action"), DISALLOWED, ids=[f"{a}-from-{s}" for s, a in DISALLOWED])
def test_every_disallowed_step_transition_is_refused_without_change(agent, org, ready_case, state, action):
    force_state(ready_case, STEP, state)
    before = snapshot(ready_case)
    with events.collect() as received, pytest.raises(PathwayError) as error:
        services.transition_step(agent, ready_case, STEP, action, params_for(action, org["operator"].id))
    db.session.rollback()
    assert "cannot be" in error.value.message
    assert snapshot(ready_case) == before
    assert received == [] and events.pending(db.session) == []


@pytest.mark.parametrize(
    ("setup", "action", "change", "fragment"),
    [
        ("none", "start", StepChange(), "needs first"),  # agreement not signed
        ("ready", "complete", StepChange(hours=59.5, result="fic", evidence=("attendance_record",)), "at least 60"),
        ("ready", "complete", StepChange(hours=60, result="fic"), "Evidence missing"),
        ("ready", "complete", StepChange(hours=60, evidence=("attendance_record",)), "Record the result"),
        ("ready", "complete", StepChange(hours=60, result="B2", evidence=("attendance_record",)), "Record the result"),
        ("ready", "refer", StepChange(), "Choose the operator"),
        ("ready", "plan", StepChange(), "planned date"),
        ("ready", "exempt", StepChange(reason="condition_not_met"), "needed for this person"),
        ("ready", "cancel", StepChange(), "reason"),
        ("ready", "complete", StepChange(hours="a lot"), "Hours must be a number"),
    ],
)
def test_guards_refuse_without_change(agent, started_case, setup, action, change, fragment):
    case = started_case()
    if setup == "ready":
        finish_reception(agent, case)
        if action == "complete":
            services.transition_step(agent, case, STEP, "start")
            db.session.commit()
    before = snapshot(case)
    with pytest.raises(PathwayError) as error:
        services.transition_step(agent, case, STEP, action, change)
    db.session.rollback()
    assert fragment in error.value.message
    assert snapshot(case) == before


def test_steps_change_only_while_the_case_is_in_progress(agent, register):
    case = services.open_case(agent, register(), on=date(2025, 3, 1))
    db.session.commit()
    before = snapshot(case)
    with pytest.raises(PathwayError, match="in progress"):
        services.transition_step(agent, case, "social_assessment", "start")
    db.session.rollback()
    assert snapshot(case) == before


def test_operator_only_on_referred_steps_and_limited_actions(agent, make_user, org, ready_case):
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    other_operator = make_user(Role.OPERATOR, operator_id=org["other_operator"].id)
    services.transition_step(agent, ready_case, STEP, "refer", StepChange(operator_id=org["operator"].id))
    db.session.commit()
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        services.transition_step(other_operator, ready_case, STEP, "start")
    with pytest.raises(PathwayError, match="Only the reception office"):
        services.transition_step(operator, ready_case, STEP, "cancel", StepChange(reason="x"))
    services.transition_step(operator, ready_case, STEP, "start")
    step = services.transition_step(operator, ready_case, STEP, "complete", complete_change())
    db.session.commit()
    assert step.state == StepState.COMPLETED and step.confirmed_by_id == operator.id


def test_operator_cannot_confirm_an_agent_only_step(agent, make_user, org, started_case):
    case = started_case()
    operator = make_user(Role.OPERATOR, operator_id=org["operator"].id)
    case.step("social_assessment").state = StepState.IN_PROGRESS
    case.step("social_assessment").operator_id = org["operator"].id
    db.session.commit()
    with pytest.raises(PathwayError, match="Your role cannot confirm"):
        services.transition_step(operator, case, "social_assessment", "complete")


def test_agent_of_another_office_gets_404(other_agent, ready_case):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        services.transition_step(other_agent, ready_case, STEP, "start")
    with pytest.raises(NotFound):
        services.transition_case(other_agent, ready_case, "suspend", reason="illness")


def complete_pathway(agent, case, level="B1"):
    """Walk a Wallonia case to completion: French not needed at B1, no orientation."""
    finish_reception(agent, case, level=level)
    services.transition_step(agent, case, "french_course", "exempt", StepChange(reason="condition_not_met"))
    services.transition_step(agent, case, "orientation", "exempt", StepChange(reason="condition_not_met"))
    services.transition_step(agent, case, STEP, "start")
    services.transition_step(agent, case, STEP, "complete", complete_change())
    services.transition_step(agent, case, "certificate", "start")
    services.transition_step(agent, case, "certificate", "complete")
    db.session.commit()


def test_full_pathway_and_case_completion(agent, started_case):
    case = started_case()
    before_certificate = snapshot(case)
    with pytest.raises(PathwayError, match="completed"):
        services.transition_case(agent, case, "complete")
    db.session.rollback()
    assert snapshot(case) == before_certificate
    complete_pathway(agent, case)
    with events.collect() as received:
        services.transition_case(agent, case, "complete", on=date(2026, 1, 10))
        db.session.commit()
    assert case.status == CaseStatus.COMPLETED
    assert (
        received[0].type == "case_completed"
        and received[0].duration_days == (date(2026, 1, 10) - date(2025, 3, 1)).days
    )


def test_french_needed_below_the_configured_level(agent, started_case):
    case = started_case()
    finish_reception(agent, case, level="A1")
    with pytest.raises(PathwayError, match="needed for this person"):
        services.transition_step(agent, case, "french_course", "exempt", StepChange(reason="condition_not_met"))
    db.session.rollback()
    services.set_needs(agent, case, ["orientation"])
    with pytest.raises(PathwayError, match="needed for this person"):
        services.transition_step(agent, case, "orientation", "exempt", StepChange(reason="condition_not_met"))


def test_certificate_needs_every_required_step(agent, started_case):
    case = started_case()
    finish_reception(agent, case, level="A1")
    services.transition_step(agent, case, "french_course", "exempt", StepChange(reason="prior_learning"))
    services.transition_step(agent, case, "orientation", "exempt", StepChange(reason="condition_not_met"))
    db.session.commit()
    with pytest.raises(PathwayError, match="needs first"):
        services.transition_step(agent, case, "certificate", "start")


CASE_PARAMS = {"close": {"reason": "moved_away"}, "suspend": {"reason": "illness"}}


@pytest.mark.parametrize(
    "transition", CASE_TRANSITIONS, ids=[f"{t.action}:{t.source}->{t.target}" for t in CASE_TRANSITIONS]
)
def test_every_allowed_case_transition_works(agent, org, register, transition):
    case = services.open_case(agent, register(), on=date(2025, 3, 1))
    case.status = transition.source
    db.session.commit()
    if transition.action == "complete":
        case.status = CaseStatus.IN_PROGRESS
        db.session.commit()
        complete_pathway(agent, case)
    params = dict(CASE_PARAMS.get(transition.action, {}))
    if transition.action == "transfer":
        params["target_office"] = org["other_office"]
    with events.collect() as received:
        services.transition_case(agent, case, transition.action, **params)
        db.session.commit()
    assert case.status == transition.target
    assert [e.type for e in received] == [services.CASE_EVENT[transition.action]]
    if transition.action == "transfer":
        successor = db.session.get(Case, case.successor_case_id)
        assert successor.office_id == org["other_office"].id
        assert successor.definition_version == case.definition_version
        assert len(successor.steps) == len(case.steps)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_disallowed_case_transitions_refused(agent, org, register, status):
    case = services.open_case(agent, register(), on=date(2025, 3, 1))
    case.status = status
    db.session.commit()
    allowed = {t.action for t in CASE_TRANSITIONS if t.source == status}
    for action in sorted({t.action for t in CASE_TRANSITIONS} - allowed):
        before = snapshot(case)
        params = dict(CASE_PARAMS.get(action, {}))
        if action == "transfer":
            params["target_office"] = org["other_office"]
        with pytest.raises(PathwayError, match="cannot be"):
            services.transition_case(agent, case, action, **params)
        db.session.rollback()
        assert snapshot(case) == before


def test_close_and_suspend_need_a_reason(agent, started_case):
    case = started_case()
    for action in ("close", "suspend"):
        with pytest.raises(PathwayError, match="Choose why"):
            services.transition_case(agent, case, action)
    db.session.rollback()
    assert case.status == CaseStatus.IN_PROGRESS
