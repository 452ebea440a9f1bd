"""The worker's rounds stay short: due statistics releases are published oldest first, at most
``MAX_RELEASES_PER_ROUND`` per round, the next rounds going on until none is due; two workers
at once (overlapping ``worker --once`` from cron) never publish nor send twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from integration_centre import worker as worker_module
from integration_centre.extensions import db
from integration_centre.jobs import queue
from integration_centre.worker import LEASE, Worker

# Four months of facts: five releases due (each costs its disclosure audit), enough for three rounds.
NOW = datetime(2026, 5, 15, 3, 0, tzinfo=UTC)
ALL_DUE = ["2026-01", "2026-02", "2026-03", "2026-Q1", "2026-04"]


def _facts() -> None:
    from integration_centre.stats import demo as stats_demo

    rows = stats_demo.synthetic_rows(80, date(2026, 1, 1), date(2026, 4, 30), stats_demo.demo_sites(), [1], seed=5)
    stats_demo.insert_rows(iter(rows))
    db.session.commit()


def _release_count() -> int:
    from integration_centre.stats.models import Release

    return db.session.scalar(select(func.count()).select_from(Release))


def test_a_round_publishes_at_most_the_cap_oldest_first_and_the_next_rounds_go_on(app, org, monkeypatch):
    from integration_centre.stats import services

    _facts()
    assert services.due_periods(NOW.date()) == ALL_DUE
    monkeypatch.setattr(worker_module, "MAX_RELEASES_PER_ROUND", 2)
    monkeypatch.setattr(worker_module, "RELEASES_BUDGET", timedelta(hours=1))  # the cap, not the clock
    worker = Worker()
    first = worker.round(NOW)
    assert first.releases == ["2026-01 region", "2026-02 region"]
    assert worker.last_stats is None  # a backlog: not held back by STATS_EVERY
    second = worker.round(NOW + timedelta(minutes=1))
    assert second.releases == ["2026-03 region", "2026-Q1 region"]
    third = Worker().round(NOW + timedelta(minutes=2))  # a new process (cron) goes on too
    assert third.releases == ["2026-04 region"]
    assert services.due_periods(NOW.date()) == []
    assert _release_count() == len(ALL_DUE)
    assert Worker().round(NOW + timedelta(minutes=3)).releases == []


def test_a_round_stops_publishing_when_its_time_budget_is_spent(app, org, monkeypatch):
    _facts()
    monkeypatch.setattr(worker_module, "MAX_RELEASES_PER_ROUND", 2)  # each release costs its audit: 2 of the 5 due
    monkeypatch.setattr(worker_module, "RELEASES_BUDGET", timedelta(0))
    assert Worker().round(NOW).releases == []
    monkeypatch.setattr(worker_module, "RELEASES_BUDGET", timedelta(seconds=600))
    assert len(Worker().round(NOW).releases) == worker_module.MAX_RELEASES_PER_ROUND


def test_an_overlapping_worker_neither_publishes_nor_sends_twice(app, org, monkeypatch):
    monkeypatch.setattr(worker_module, "RELEASES_BUDGET", timedelta(hours=1))  # a loaded machine is slow
    monkeypatch.setattr(worker_module, "MAX_RELEASES_PER_ROUND", 2)  # each release costs its audit: 2 of the 5 due
    from integration_centre.operators.models import OutboxMessage

    _facts()
    db.session.add(OutboxMessage(recipient="ecole@test.example", subject="New referral R-1", body="R-1"))
    db.session.commit()
    assert queue.acquire_lease(LEASE, "cron-run-1:100", worker_module.LEASE_TTL)  # a run still going
    assert not queue.acquire_lease(LEASE, "cron-run-2:200", worker_module.LEASE_TTL)
    report = Worker(name="cron-run-2:200").round(NOW)
    assert report.busy and report.releases == [] and _release_count() == 0
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "another worker is busy" in result.output and _release_count() == 0
    queue.release_lease(LEASE, "cron-run-1:100")
    report = Worker(name="cron-run-2:200").round(NOW)
    assert not report.busy and len(report.releases) == worker_module.MAX_RELEASES_PER_ROUND
    assert queue.acquire_lease(LEASE, "cron-run-3:300", worker_module.LEASE_TTL)  # given back after the round


def test_a_dead_workers_lease_is_taken_over(app, monkeypatch):
    from integration_centre.jobs import queue as queue_module

    assert queue.acquire_lease(LEASE, "dead:1", worker_module.LEASE_TTL)
    later = datetime.now(UTC) + worker_module.LEASE_TTL + timedelta(minutes=1)
    monkeypatch.setattr(queue_module, "utcnow", lambda: later)
    assert queue.acquire_lease(LEASE, "alive:2", worker_module.LEASE_TTL)
    assert not queue.acquire_lease(LEASE, "dead:1", worker_module.LEASE_TTL)
