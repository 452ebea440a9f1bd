"""Concurrent confirmations of one referral record exactly one completion (row lock + version)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.operators.models import Referral, ReferralEvent
from integration_centre.pathway.models import Case, TimelineEntry
from tests.operators.conftest import ON


@pytest.fixture
def ready_to_complete(referral, operator_user):
    services.accept(operator_user, referral.id, on=ON)
    services.record_attendance(operator_user, referral.id, sessions=100, hours=400, on=ON)
    db.session.commit()
    return referral


def _completions(referral_id) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id, ReferralEvent.action == "complete")
    )


def test_a_stale_second_confirmation_is_a_conflict(app, ready_to_complete, operator_user):
    referral_id = ready_to_complete.id
    stale = db.session.get(Referral, referral_id)
    version = stale.version
    with app.app_context():
        services.complete(db.session.get(User, operator_user.id), referral_id, result="A2")
        db.session.commit()
        db.session.remove()
    with pytest.raises(services.Conflict):
        services.complete(operator_user, stale, result="A2", expected_version=version)
    db.session.rollback()
    with pytest.raises(services.Conflict):
        services.complete(operator_user, referral_id, result="A2")
    db.session.rollback()
    assert _completions(referral_id) == 1


def test_parallel_confirmations_record_one_completion(app, ready_to_complete, operator_user):
    referral_id = ready_to_complete.id
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers with a file lock; the race is exercised on PostgreSQL")
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def confirm() -> None:
        with app.app_context():
            actor = db.session.get(User, operator_user.id)
            barrier.wait()
            try:
                services.complete(actor, referral_id, result="A2")
                db.session.commit()
                outcomes.append("completed")
            except services.Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as exc:  # noqa: BLE001 - any other failure is reported by the assertion
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["completed"] + ["conflict"] * 11, outcomes
    db.session.expire_all()
    assert _completions(referral_id) == 1
    case_id = db.session.get(Referral, referral_id).case_id
    entries = db.session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.action == "referral.completed")
    )
    assert entries == 1
    assert db.session.get(Case, case_id).step("french_course").state == "completed"
