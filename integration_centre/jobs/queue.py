"""Enqueue, claim, report progress, finish: the queue's whole contract.

Claiming is safe with several workers: on PostgreSQL the candidate row is read with
``SELECT … FOR UPDATE SKIP LOCKED`` (two workers never get the same row, neither waits for the
other); on SQLite (one writer at a time) the claim is a conditional ``UPDATE … WHERE id = ? AND
status = ? AND locked_by IS NULL`` whose row count says who won. A job whose worker died (lock
older than ``STALE_LOCK``) is claimed again, up to ``MAX_ATTEMPTS``; then it is failed.

A lease (``acquire_lease``/``release_lease``) is a named lock held by one worker at a time (what
must not run twice at once: the outbox, the statistics releases), kept as a row of kind
``worker.lease`` (never claimed: it is not queued) whose ``locked_by``/``locked_at`` name the
holder; a lease older than its time to live is taken as a dead worker's.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

STALE_LOCK = timedelta(minutes=30)
MAX_ATTEMPTS = 3


def worker_name() -> str:
    """This process's name in ``locked_by``: host and pid."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def enqueue(kind: str, payload: dict, *, total: int | None = None) -> Job:
    """Add a job (flushed; committed with the caller's transaction). ``payload``: ids and codes only."""
    job = Job(
        id=uuid.uuid4(), kind=kind, payload=dict(payload), status=QUEUED, progress_total=total, run_after=utcnow()
    )
    db.session.add(job)
    db.session.flush()
    return job


def _claimable(now):
    stale = now - STALE_LOCK
    return and_(
        Job.run_after <= now,
        or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.locked_at < stale, Job.attempts < MAX_ATTEMPTS)),
    )


def claim(worker: str | None = None, kinds: tuple[str, ...] | None = None) -> Job | None:
    """Lock the oldest due job for ``worker`` and mark it running (committed); None when none is due."""
    worker = worker or worker_name()
    now = utcnow()
    query = select(Job.id).where(_claimable(now)).order_by(Job.run_after, Job.created_at).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if db.engine.dialect.name == "postgresql":
        job_id = db.session.scalar(query.with_for_update(skip_locked=True))
        if job_id is None:
            db.session.rollback()
            return None
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=RUNNING, locked_by=worker, locked_at=now, started_at=now, attempts=Job.attempts + 1)
        )
        db.session.commit()
        return db.session.get(Job, job_id)
    for _try in range(5):
        job_id = db.session.scalar(query)
        if job_id is None:
            db.session.rollback()
            return None
        won = db.session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(now))
            .values(status=RUNNING, locked_by=worker, locked_at=now, started_at=now, attempts=Job.attempts + 1)
        ).rowcount
        db.session.commit()
        if won:
            job = db.session.get(Job, job_id)
            db.session.refresh(job)
            return job
    return None


def progress(job_id: uuid.UUID, done: int, total: int | None = None) -> None:
    """Record ``done`` (of ``total``) and refresh the lock (committed on its own)."""
    values = {"progress_done": done, "locked_at": utcnow()}
    if total is not None:
        values["progress_total"] = max(total, done)
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def finish(job_id: uuid.UUID) -> None:
    """Mark the job done (committed)."""
    _end(job_id, DONE, None)


def fail(job_id: uuid.UUID, error: str) -> None:
    """Mark the job failed with ``error`` (a class name or a code, never a value; committed)."""
    _end(job_id, FAILED, error[:200])


def _end(job_id: uuid.UUID, status: str, error: str | None) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=status, error=error, finished_at=utcnow(), locked_by=None, locked_at=None)
    )
    db.session.commit()


def give_up_exhausted() -> int:
    """Fail the running jobs whose worker died ``MAX_ATTEMPTS`` times (committed); returns how many."""
    stale = utcnow() - STALE_LOCK
    count = db.session.execute(
        update(Job)
        .where(Job.status == RUNNING, Job.locked_at < stale, Job.attempts >= MAX_ATTEMPTS)
        .values(status=FAILED, error="worker_lost", finished_at=utcnow(), locked_by=None, locked_at=None)
    ).rowcount
    db.session.commit()
    return count


def get(job_id: uuid.UUID | None) -> Job | None:
    """The job ``job_id`` (None for None)."""
    return db.session.get(Job, job_id) if job_id else None


LEASE_KIND = "worker.lease"


def _lease_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"integration-centre:lease:{name}")


def acquire_lease(name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease ``name`` for ``holder`` (committed); False when another holds it (for less
    than ``ttl``). Not re-entrant: a second take by the same holder is refused too."""
    lease_id, now = _lease_id(name), utcnow()
    if db.session.get(Job, lease_id) is None:
        try:
            db.session.add(Job(id=lease_id, kind=LEASE_KIND, payload={"lease": name}, status=DONE, run_after=now))
            db.session.commit()
        except IntegrityError:  # another worker created it at the same moment
            db.session.rollback()
    won = db.session.execute(
        update(Job)
        .where(Job.id == lease_id, or_(Job.locked_by.is_(None), Job.locked_at < now - ttl))
        .values(locked_by=holder[:80], locked_at=now)
    ).rowcount
    db.session.commit()
    return bool(won)


def release_lease(name: str, holder: str) -> None:
    """Give the lease ``name`` back if ``holder`` still holds it (committed)."""
    db.session.execute(
        update(Job)
        .where(Job.id == _lease_id(name), Job.locked_by == holder[:80])
        .values(locked_by=None, locked_at=None)
    )
    db.session.commit()
