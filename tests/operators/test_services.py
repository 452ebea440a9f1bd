"""Referral services: the state machine with the pathway step kept consistent, timeline, events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.operators.models import Referral, ReferralEvent
from integration_centre.pathway import events
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.pathway.states import StepState
from tests.operators.conftest import ON


def _step(referral):
    return db.session.get(Case, referral.case_id).step(referral.step_code)


def test_refer_moves_the_step_and_carries_the_deadline(referral, org):
    assert referral.reference.startswith(f"R-{ON.year}-")
    assert referral.state == "sent"
    step = _step(referral)
    assert step.state == StepState.REFERRED
    assert step.operator_id == org["operator"].id
    # The case's completion deadline, counted from the permit order (2025-02-03).
    case = db.session.get(Case, referral.case_id)
    expected = pathway.deadline_date(case, {"permit_order": date(2025, 2, 3), "registration": date(2025, 2, 10)})
    assert expected is not None and referral.deadline == expected


def test_full_journey_completes_the_step_with_timeline_and_events(referral, operator_user):
    with events.collect() as received:
        services.accept(operator_user, referral.id, on=ON)
        db.session.commit()
        services.record_attendance(
            operator_user, referral.id, sessions=80, hours="400", attended_from=ON, attended_until=ON, on=ON
        )
        db.session.commit()
        services.complete(operator_user, referral.id, result="A2", course_format="evening", on=ON)
        db.session.commit()
    item = db.session.get(Referral, referral.id)
    assert item.state == "completed"
    assert item.result == "A2"
    step = _step(item)
    assert step.state == StepState.COMPLETED
    assert step.hours == 400
    assert step.result == "A2"
    types = [e.type for e in received]
    assert {"referral_accepted", "referral_started", "referral_completed", "step_completed"} <= set(types)
    completed = next(e for e in received if e.type == "referral_completed")
    assert completed.operator_id == item.operator_id
    assert completed.step_code == "french_course"
    assert completed.duration_days == 0
    actions = set(db.session.scalars(select(TimelineEntry.action).where(TimelineEntry.case_id == item.case_id)))
    assert {"referral.sent", "referral.accepted", "referral.started", "referral.completed"} <= actions
    assert [e.action for e in item.history] == ["send", "accept", "start", "attendance", "complete"]


def test_decline_returns_the_step_to_the_office(referral, operator_user):
    with pytest.raises(services.ReferralInvalid):
        services.decline(operator_user, referral.id, "whatever")
    db.session.rollback()
    services.decline(operator_user, referral.id, "no_places", on=ON)
    db.session.commit()
    item = db.session.get(Referral, referral.id)
    assert (item.state, item.reason) == ("declined", "no_places")
    assert _step(item).state == StepState.PENDING
    assert _step(item).operator_id is None


def test_withdraw_in_progress_lets_the_agent_refer_again(referral, operator_user, agent, org):
    services.accept(operator_user, referral.id, on=ON)
    services.start(operator_user, referral.id, on=ON)
    db.session.commit()
    services.withdraw(agent, referral.id, "referred_elsewhere", on=ON)
    db.session.commit()
    assert _step(referral).state == StepState.PENDING
    case = db.session.get(Case, referral.case_id)
    again = services.refer(agent, case, "french_course", org["other_operator"].id, on=ON)
    db.session.commit()
    assert again.reference != referral.reference


def test_abandon_in_progress_records_a_failed_step(referral, operator_user):
    services.accept(operator_user, referral.id, on=ON)
    services.record_attendance(operator_user, referral.id, sessions=3, hours=9, on=ON)
    services.abandon(operator_user, referral.id, "stopped_attending", on=ON)
    db.session.commit()
    assert _step(referral).state == StepState.FAILED
    assert db.session.get(Referral, referral.id).state == "abandoned"


def test_completion_needs_the_hours_and_result_and_writes_nothing_otherwise(referral, operator_user):
    services.accept(operator_user, referral.id, on=ON)
    services.start(operator_user, referral.id, on=ON)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(ReferralEvent))
    with pytest.raises(services.ReferralInvalid) as refused:
        services.complete(operator_user, referral.id, result="Z9")
    assert "result" in refused.value.errors
    db.session.rollback()
    with pytest.raises(services.ReferralError, match="at least 400"):
        services.complete(operator_user, referral.id, result="A2")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReferralEvent)) == before
    assert db.session.get(Referral, referral.id).state == "in_progress"
    assert _step(referral).state == StepState.IN_PROGRESS


def test_moves_outside_the_state_machine_are_conflicts(referral, operator_user, agent):
    with pytest.raises(services.InvalidTransition):
        services.complete(operator_user, referral.id, result="A2")
    db.session.rollback()
    services.accept(operator_user, referral.id)
    db.session.commit()
    with pytest.raises(services.Conflict):
        services.accept(operator_user, referral.id)
    db.session.rollback()
    with pytest.raises(services.Conflict):
        services.accept(operator_user, referral.id, expected_version=1)
    db.session.rollback()
    # Agents do not accept; operators do not withdraw (404: not their move).
    with pytest.raises(services.NotFound):
        services.withdraw(operator_user, referral.id, "error")


def test_other_organisation_gets_not_found_everywhere(referral, other_operator_user):
    with pytest.raises(services.NotFound):
        services.get_referral(other_operator_user, referral.id)
    for call in (
        lambda: services.accept(other_operator_user, referral.id),
        lambda: services.decline(other_operator_user, referral.id, "no_places"),
        lambda: services.record_attendance(other_operator_user, referral.id, sessions=1, hours=1),
        lambda: services.complete(other_operator_user, referral.id, result="A2"),
        lambda: services.abandon(other_operator_user, referral.id, "moved_away"),
    ):
        with pytest.raises(services.NotFound):
            call()
        db.session.rollback()
    assert services.list_referrals(other_operator_user).total == 0
    with pytest.raises(services.NotFound):
        services.get_referral(other_operator_user, "not-a-uuid")


def test_operator_view_is_minimal(referral, operator_user):
    view = services.operator_view(referral, operator_user)
    assert set(view["person"]) == {
        "given_names",
        "family_name",
        "name",
        "preferred_language",
        "interpreter_language",
        "interpreter_needed",
        "phone",
        "email",
    }
    assert view["person"]["name"] == "Amira Al-Hassan"
    flat = repr(view)
    for forbidden in ("1995", "Rue de Fer", "SY", "refugee", "social_assessment"):
        assert forbidden not in flat


def test_list_filters_tabs_and_reference(referral, operator_user, agent, case_ready, org):
    second = services.refer(agent, case_ready(), "citizenship", org["operator"].id, on=ON)
    db.session.commit()
    services.accept(operator_user, second.id)
    db.session.commit()
    assert services.list_referrals(operator_user).total == 2
    assert [r.id for r in services.list_referrals(operator_user, tab="new").items] == [referral.id]
    assert [r.id for r in services.list_referrals(operator_user, state="accepted").items] == [second.id]
    found = services.list_referrals(operator_user, reference=referral.reference.lower())
    assert [r.id for r in found.items] == [referral.id]
    assert services.tab_counts(operator_user) == {"new": 1, "accepted": 1, "in_progress": 0, "done": 0}
    later = services.list_referrals(operator_user, updated_since=second.updated_at)
    assert [r.id for r in later.items] == [second.id]


def test_suggestions_rank_by_municipality_language_capacity(referral, org, case_ready):
    case = db.session.get(Case, referral.case_id)
    ranked = services.suggest_operators(case, "french_course", municipality="92094", language="ar")
    assert [s.entry.organisation.id for s in ranked] == [org["operator"].id, org["other_operator"].id]
    assert ranked[0].matches == ["service", "municipality", "language", "capacity"]
    assert services.suggest_operators(case, "citizenship", municipality=None, language=None)[0].entry.load == 1


def test_directory_search_and_load(referral, org):
    page = services.search_directory(service_type="french_course", municipality="92094")
    assert [e.organisation.id for e in page.items] == [org["operator"].id]
    assert page.items[0].load == 1 and page.items[0].free == 29
    assert services.search_directory(language="zz").total == 0
