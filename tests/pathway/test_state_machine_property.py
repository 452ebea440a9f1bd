"""Acceptance 4 (property): random transition sequences never reach an inconsistent case.

Each example registers a new person and opens a case, then applies random actions with random
(sometimes wrong) values. Refused actions must change nothing; accepted ones must write one
timeline entry and deliver one event; the invariants below hold after every step.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway import events, registration, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import TimelineEntry
from integration_centre.pathway.needs import left_out_by_needs
from integration_centre.pathway.services import StepChange, step_required
from integration_centre.pathway.states import (
    CASE_ACTIONS,
    DONE_STEP_STATES,
    STEP_ACTIONS,
    CaseStatus,
    StepState,
    step_actions_from,
)
from tests.pathway.conftest import finish_reception, newcomer_data

WALLONIA_STEPS = (
    "social_assessment",
    "rights_and_duties",
    "language_test",
    "admin_help",
    "agreement",
    "french_course",
    "citizenship",
    "orientation",
    "certificate",
)
RESULTS = st.sampled_from([None, "A1", "A2", "B1", "aoc", "fic", "pass", "zz"])
EVIDENCE = st.sampled_from(
    [(), ("signed_agreement",), ("attendance_record",), ("signed_agreement", "attendance_record")]
)
REASONS = st.sampled_from([None, "condition_not_met", "prior_learning", "other", "illness", "moved_away"])


def run_property(agent, org, counter, reached):
    class CaseMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            counter["n"] += 1
            newcomer = registration.register_newcomer(
                agent,
                newcomer_data(family_name=f"Person {counter['n']}"),
                org["office"],
                confirm_duplicate=True,
                today=date(2026, 1, 1),
            )
            self.case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
            db.session.commit()
            self.accepted = 1  # case.open
            self.delivered: list = []
            events.subscribe(self.delivered.append)

        @initialize(ahead=st.booleans(), level=st.sampled_from(["A1", "B1"]))
        def maybe_skip_reception(self, ahead, level):
            """Half of the sequences start after the agreement, to explore the later steps more."""
            if ahead:
                services.transition_case(agent, self.case, "start")
                finish_reception(agent, self.case, level=level)
                self.accepted += 1 + 2 * 5

        def teardown(self):
            events.unsubscribe(self.delivered.append)

        def _snapshot(self):
            db.session.refresh(self.case)
            return (
                self.case.status,
                self.case.version,
                tuple((s.step_code, s.state, s.hours, s.result, tuple(s.evidence or ())) for s in self.case.steps),
            )

        def _attempt(self, call):
            before = self._snapshot()
            delivered_before = len(self.delivered)
            try:
                call()
                db.session.commit()
            except PathwayError:
                db.session.rollback()
                assert self._snapshot() == before
                assert len(self.delivered) == delivered_before
                return
            self.accepted += 1
            assert len(self.delivered) == delivered_before + 1

        @rule(
            code=st.sampled_from(WALLONIA_STEPS),
            action=st.sampled_from(sorted(STEP_ACTIONS)),
            hours=st.one_of(st.none(), st.integers(0, 500)),
            result=RESULTS,
            evidence=EVIDENCE,
            reason=REASONS,
            with_operator=st.booleans(),
            with_date=st.booleans(),
        )
        def step_action(self, code, action, hours, result, evidence, reason, with_operator, with_date):
            change = StepChange(
                hours=hours,
                result=result,
                evidence=evidence,
                reason=reason,
                operator_id=org["operator"].id if with_operator else None,
                planned_on=date(2025, 4, 1) if with_date else None,
            )
            self._attempt(lambda: services.transition_step(agent, self.case, code, action, change))

        @rule(code=st.sampled_from(WALLONIA_STEPS), level=st.sampled_from(["A1", "B1"]), data=st.data())
        def existing_move(self, code, level, data):
            """One of the moves that exist from the step's state, with well-formed values.

            Guards (dependencies, conditions, role) may still refuse it; this rule makes the
            sequences reach every state, while ``step_action`` throws arbitrary input at the engine.
            """
            step = self.case.step(code)
            step_def = services.definition_of(self.case).step(code)
            actions = step_actions_from(step.state)
            if not actions:
                return
            action = data.draw(st.sampled_from(actions))
            result = None
            if step_def.result:
                result = level if step_def.result["type"] == "cefr" else step_def.result["options"][0]
            change = StepChange(
                hours=step_def.min_hours if action == "complete" else None,
                result=result if action == "complete" else None,
                evidence=step_def.evidence if action == "complete" else (),
                operator_id=org["operator"].id if action == "refer" else None,
                planned_on=date(2025, 4, 1) if action == "plan" else None,
                reason=data.draw(st.sampled_from(["condition_not_met", "prior_learning"]))
                if action in ("exempt", "cancel", "fail")
                else None,
            )
            self._attempt(lambda: services.transition_step(agent, self.case, code, action, change))

        @rule(
            action=st.sampled_from(sorted(CASE_ACTIONS - {"transfer"})),
            reason=st.one_of(REASONS, st.sampled_from(["illness", "moved_away"])),
        )
        def case_action(self, action, reason):
            self._attempt(lambda: services.transition_case(agent, self.case, action, reason=reason))

        @rule(needs=st.lists(st.sampled_from(["french", "orientation", "unknown"]), max_size=2))
        def needs(self, needs):
            before = self.case.version
            try:
                services.set_needs(agent, self.case, needs)
                db.session.commit()
                self.accepted += 1
            except PathwayError:
                db.session.rollback()
                assert self.case.version == before

        @invariant()
        def consistent(self):
            case = self.case
            definition = services.definition_of(case)
            reached.update({("case", case.status.value), *(("step", s.state.value) for s in case.steps)})
            assert case.status in set(CaseStatus)
            by_code = {s.step_code: s for s in case.steps}
            assert set(by_code) == {s.code for s in definition.steps}
            for step in case.steps:
                assert step.state in set(StepState)
                step_def = definition.step(step.step_code)
                if step.state in (StepState.REFERRED, StepState.IN_PROGRESS, StepState.COMPLETED, StepState.FAILED):
                    for dependency in step_def.depends_on:
                        dep = by_code[dependency]
                        dep_def = definition.step(dependency)
                        assert dep.state in DONE_STEP_STATES or (
                            step_required(case, dep_def, definition) is False
                            and (dep.state == StepState.CANCELLED or left_out_by_needs(case, dep_def))
                        ), (step.step_code, dependency, dep.state)
                if step.state == StepState.COMPLETED:
                    assert step.confirmed_by_id is not None
                    if step_def.min_hours is not None:
                        assert Decimal(step.hours) >= Decimal(str(step_def.min_hours))
                    assert set(step_def.evidence) <= set(step.evidence or [])
                if step.state == StepState.REFERRED:
                    assert step.operator_id is not None
            if case.status == CaseStatus.COMPLETED:
                assert by_code["certificate"].state == StepState.COMPLETED
                assert all(by_code[s.code].state in DONE_STEP_STATES for s in definition.steps if s.mandatory)
            if case.status in (CaseStatus.CLOSED, CaseStatus.SUSPENDED):
                assert case.status_reason is not None
            timeline = db.session.scalar(
                select(func.count()).select_from(TimelineEntry).where(TimelineEntry.case_id == case.id)
            )
            assert timeline == self.accepted

    CaseMachine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=50,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    run_state_machine_as_test(CaseMachine, settings=CaseMachine.TestCase.settings)


def test_random_transition_sequences_keep_cases_consistent(agent, org):
    reached: set = set()
    run_property(agent, org, {"n": 0}, reached)
    # The sequences explore the whole machine, not only its first states.
    missing = {("step", s.value) for s in StepState} - reached
    missing |= {("case", s.value) for s in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED, CaseStatus.CLOSED)} - reached
    assert not missing, missing
