"""``integration-centre worker [--once] [--sleep N]``: the background worker.

One loop, each round in this order:

1. the queued jobs (``jobs.queue``), one after another, each dispatched by kind to the package
   that owns it (``intake.import``: a large list; progress written after each batch);
2. the e-mail outbox (``operators.outbox.send_due``: what ``integration-centre outbox send``
   did every minute from cron);
3. the statistics releases that became due (``stats.services.due_periods`` → ``publish``, for
   the region and every centre scope already published: what the monthly
   ``integration-centre stats publish --due`` did), checked at most every ``STATS_EVERY``;
   oldest first and at most ``MAX_RELEASES_PER_ROUND`` (and ``RELEASES_BUDGET``) per round, so
   that a first round on years of facts stays short: the next rounds publish the rest;
4. the import store's clean-up (uploads left unfinished 24 hours are abandoned, their files
   deleted), at most every ``SWEEP_EVERY``.

It sits with the commands (above every domain package) because it dispatches to several of
them; the queue itself (``integration_centre.jobs``) knows none of them. Several workers may run
on several machines: a job is claimed by one only, and steps 2 to 4 run in one worker at a time
(the lease ``worker.periodic`` of ``jobs.queue``: two overlapping ``worker --once`` from cron
never send a message nor publish a release twice; the second only runs the jobs). Logs name
jobs by id and kind and a failure by its exception's class, never a message or a traceback
(they could quote a row's value).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.jobs import queue

log = logging.getLogger("integration_centre.worker")
STATS_EVERY = timedelta(minutes=30)
SWEEP_EVERY = timedelta(minutes=30)
MAX_JOBS_PER_ROUND = 20
MAX_RELEASES_PER_ROUND = 5
RELEASES_BUDGET = timedelta(seconds=15)
LEASE = "worker.periodic"
LEASE_TTL = timedelta(minutes=10)  # a holder silent for longer is taken as dead


def _run_import(payload: dict, progress: Callable[[int, int | None], None]) -> str | None:
    from integration_centre.intake import uploads

    status = uploads.run_job(payload, progress)
    return None if status in ("completed", "checked") else f"import_{status}"


# kind → handler(payload, progress) returning None when done, else an error code (no value).
HANDLERS: dict[str, Callable[[dict, Callable], str | None]] = {"intake.import": _run_import}


@dataclass
class RoundReport:
    """What one round did."""

    jobs_done: int = 0
    jobs_failed: int = 0
    mail_sent: int = 0
    mail_retried: int = 0
    releases: list[str] = field(default_factory=list)
    swept: int = 0
    busy: bool = False  # another worker held the lease: only the jobs were run


@dataclass
class Worker:
    """The loop's state: when the periodic tasks last ran (kept in memory, per process)."""

    name: str = field(default_factory=queue.worker_name)
    last_stats: datetime | None = None
    last_sweep: datetime | None = None

    def round(self, now: datetime | None = None) -> RoundReport:
        """Run one round (every step committed on its own); a failing step is logged and skipped."""
        now = now or utcnow()
        report = RoundReport()
        self._run_steps(report, now, (self.run_jobs,))  # each job is claimed by one worker only
        # The rest must not run twice at once (two overlapping ``worker --once`` from cron, or
        # several workers): one worker at a time holds the lease, the others skip these steps.
        if not queue.acquire_lease(LEASE, self.name, LEASE_TTL):
            report.busy = True
            log.info("worker steps skipped: another worker holds the lease")
            return report
        try:
            self._run_steps(report, now, (self.send_mail, self.publish_releases, self.sweep))
        finally:
            try:
                queue.release_lease(LEASE, self.name)
            except Exception as exc:  # noqa: BLE001 - the lease then expires after LEASE_TTL
                db.session.rollback()
                log.error("worker lease not released: %s", type(exc).__name__)
        return report

    @staticmethod
    def _run_steps(report: RoundReport, now: datetime, steps) -> None:
        for step in steps:
            try:
                step(report, now)
            except Exception as exc:  # noqa: BLE001 - one broken step must not stop the others
                db.session.rollback()
                # The class only: a message or a traceback could quote a value of a row.
                log.error("worker step %s failed: %s", step.__name__, type(exc).__name__)

    def run_jobs(self, report: RoundReport, now: datetime) -> None:
        """Claim and run due jobs until none is left (at most ``MAX_JOBS_PER_ROUND``)."""
        queue.give_up_exhausted()
        for _n in range(MAX_JOBS_PER_ROUND):
            job = queue.claim(self.name, tuple(HANDLERS))
            if job is None:
                return
            job_id, kind, payload = job.id, job.kind, dict(job.payload)
            log.info("job %s (%s) started", job_id, kind)
            try:
                error = HANDLERS[kind](payload, lambda done, total, job_id=job_id: queue.progress(job_id, done, total))
            except Exception as exc:  # noqa: BLE001 - any failure fails the job, the worker goes on
                db.session.rollback()
                error = type(exc).__name__
                log.error("job %s (%s) raised %s", job_id, kind, error)
            if error:
                queue.fail(job_id, error)
                report.jobs_failed += 1
                log.warning("job %s (%s) failed: %s", job_id, kind, error)
            else:
                queue.finish(job_id)
                report.jobs_done += 1
                log.info("job %s (%s) done", job_id, kind)

    def send_mail(self, report: RoundReport, now: datetime) -> None:
        """Send the due messages of the outbox."""
        from integration_centre.operators import outbox

        sent = outbox.send_due(now)
        report.mail_sent, report.mail_retried = sent.sent, sent.retried + sent.failed

    def publish_releases(self, report: RoundReport, now: datetime) -> None:
        """Publish the statistics releases that became due (region and published centre scopes).

        Oldest first, at most ``MAX_RELEASES_PER_ROUND`` and for at most ``RELEASES_BUDGET`` per
        round: a first round on years of facts (every month, quarter and year of every scope, a few
        seconds each) would otherwise run for a quarter of an hour. What is left is published by
        the next rounds (not held back by ``STATS_EVERY`` while a backlog remains)."""
        if self.last_stats is not None and now - self.last_stats < STATS_EVERY:
            return
        from integration_centre.stats import services

        started = time.monotonic()
        due = self.due_releases(now)
        broken: set[str] = set()  # a scope whose release failed: its later periods wait for a fix
        done = 0
        for _end, _rank, _order, period, scope in due:
            if scope in broken:
                continue
            if done >= MAX_RELEASES_PER_ROUND or time.monotonic() - started >= RELEASES_BUDGET.total_seconds():
                self.last_stats = None  # a backlog: the next round goes on at once
                log.info("releases: %d published, more due for the next rounds", done)
                return
            try:
                services.publish(period, scope)
                db.session.commit()
            except (services.PublishError, ValueError) as exc:
                db.session.rollback()
                log.warning("release %s %s not published: %s", period, scope, type(exc).__name__)
                broken.add(scope)
                continue
            done += 1
            report.releases.append(f"{period} {scope}")
        self.last_stats = now

    @staticmethod
    def due_releases(now: datetime) -> list[tuple]:
        """Every due (period, scope), oldest first: by the period's end, a month before its
        quarter and year, the region before the centres; as (end, rank, order, period, scope)."""
        from integration_centre.stats import services

        scopes = [services.REGION, *sorted({s for _p, s in services.published_keys() if s != services.REGION})]
        due = []
        for order, scope in enumerate(scopes):
            for period in services.due_periods(now.date(), scope):
                parsed = services.parse_period(period)
                due.append((parsed.end, len(parsed.months), order, period, scope))
        return sorted(due)

    def sweep(self, report: RoundReport, now: datetime) -> None:
        """Abandon stale uploads and delete stray files of the import store."""
        if self.last_sweep is not None and now - self.last_sweep < SWEEP_EVERY:
            return
        self.last_sweep = now
        from integration_centre.intake import uploads

        report.swept = uploads.sweep(now)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round and stop (cron, tests).")
@click.option(
    "--sleep", "sleep", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds between rounds."
)
@with_appcontext
def worker_command(once: bool, sleep: float) -> None:
    """Run the background worker: queued imports, the e-mail outbox, due statistics releases."""
    worker = Worker()
    stopping = []
    if not once:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stopping.append(True))
    while True:
        report = worker.round()
        if once:
            click.echo(
                f"jobs done {report.jobs_done}, failed {report.jobs_failed}; mail sent {report.mail_sent}, "
                f"to retry {report.mail_retried}; releases {len(report.releases)}; swept {report.swept}"
                + ("; another worker is busy: outbox and releases left to it" if report.busy else "")
            )
            return
        db.session.remove()  # one short session per round, no connection held while asleep
        for _tick in range(int(sleep * 10)):
            if stopping:
                return
            time.sleep(0.1)
        if stopping:
            return


def register(app: Flask) -> None:
    """Attach the ``worker`` command."""
    app.cli.add_command(worker_command)
