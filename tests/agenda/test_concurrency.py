"""Acceptance 5 (agenda, concurrency): two agents' sessions booking the last seat of a group
session at the same moment — exactly one succeeds; two bookings of one agent at the same time —
exactly one succeeds. Each booking runs in its own thread, application context, session and
connection, released together by a barrier. On SQLite (one writer, no row locks) it is skipped."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import Appointment, GroupSession
from integration_centre.extensions import db
from tests.agenda.conftest import next_week_at
from tests.conftest import is_postgres

pytestmark = pytest.mark.postgres_only


def _race(app, calls) -> list[str]:
    """Run each call in its own application context at the same moment; 'ok' or the refusal code."""
    barrier = threading.Barrier(len(calls))

    def run(call) -> str:
        with app.app_context():
            try:
                prepared = call()
                barrier.wait(timeout=30)
                prepared()
                db.session.commit()
                return "ok"
            except AgendaError as refused:
                db.session.rollback()
                return refused.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_bookings_of_the_last_seat_exactly_one_succeeds(app, db_url, agent, second_agent, register):
    if not is_postgres(db_url):
        pytest.skip("needs PostgreSQL (row locks and concurrent writers): runs in the PostgreSQL CI pass")
    people = [register(family_name=f"Nom{i}", niss=None) for i in range(3)]
    session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=next_week_at(9), capacity=2)
    agenda.book_seat(agent, session, person_id=people[0].id)
    db.session.commit()
    session_id = session.id

    def booking(actor_id, person_id):
        def prepare():
            actor = db.session.get(User, actor_id)
            target = db.session.get(GroupSession, session_id)
            return lambda: agenda.book_seat(actor, target, person_id=person_id)

        return prepare

    for _ in range(3):  # a few rounds: a lucky interleaving must not hide a lost update
        results = _race(app, [booking(agent.id, people[1].id), booking(second_agent.id, people[2].id)])
        assert sorted(results) == ["full", "ok"], results
        db.session.expire_all()
        taken = db.session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.session_id == session_id, Appointment.status == "booked"
            )
        )
        assert taken == 2 and db.session.get(GroupSession, session_id).seats_taken == 2
        # free the seat won in this round for the next one
        won = db.session.scalars(
            select(Appointment).where(
                Appointment.session_id == session_id,
                Appointment.person_id.in_([people[1].id, people[2].id]),
                Appointment.status == "booked",
            )
        ).one()
        agenda.cancel(agent, won)
        db.session.commit()


def test_concurrent_bookings_of_one_agent_at_one_time_exactly_one_succeeds(app, db_url, agent, second_agent, register):
    if not is_postgres(db_url):
        pytest.skip("needs PostgreSQL (row locks and concurrent writers): runs in the PostgreSQL CI pass")
    first, second = register(), register(family_name="Haddad", niss=None)
    at = next_week_at(10)

    def booking(actor_id, person_id):
        def prepare():
            actor = db.session.get(User, actor_id)
            return lambda: agenda.book(actor, kind="reception", person_id=person_id, agent_id=agent.id, starts_at=at)

        return prepare

    results = _race(app, [booking(agent.id, first.id), booking(second_agent.id, second.id)])
    assert sorted(results) == ["conflict", "ok"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.agent_id == agent.id)) == 1
