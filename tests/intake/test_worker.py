"""The background worker: a large list is queued and imported with progress per batch; a failed
batch is reported; the outbox is sent by the worker; a job is claimed by one worker only."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.intake.models import ImportUpload
from integration_centre.jobs import queue
from integration_centre.jobs.models import Job
from integration_centre.operators.models import OutboxMessage
from integration_centre.pathway import registration
from integration_centre.pathway.models import Newcomer
from integration_centre.worker import Worker
from tests.intake.conftest import ROWS, csv_bytes
from tests.intake.test_import_pages import post_columns, upload_list
from tests.operators.smtp_server import SMTPServer


def _queued(app, client) -> tuple[str, Job]:
    app.config.update(IMPORT_INLINE_ROWS=3, IMPORT_BATCH_SIZE=2)
    upload_id = upload_list(client, csv_bytes(ROWS))
    post_columns(client, upload_id)  # a long list: its dry run goes to the worker too
    assert db.session.get(ImportUpload, uuid.UUID(upload_id)).status == "checking"
    assert "import-progress.js" in client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert client.get(f"/imports/{upload_id}/status.json").get_json()["finished"] is False
    assert Worker().round().jobs_done == 1
    db.session.expire_all()
    assert db.session.get(ImportUpload, uuid.UUID(upload_id)).status == "checked"
    assert "Dry-run report" in client.get(f"/imports/{upload_id}").get_data(as_text=True)
    response = client.post(f"/imports/{upload_id}/confirm")
    assert response.status_code == 302
    db.session.expire_all()
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "queued"
    job = db.session.get(Job, upload.job_id)
    assert job.kind == "intake.import" and job.payload == {"upload_id": upload_id} and job.status == "queued"
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert "import-progress.js" in page and "/status.json" in page
    return upload_id, job


def test_the_worker_imports_a_large_list_with_progress(app, login_as, monkeypatch):
    client, _agent = login_as(Role.AGENT)
    upload_id, job = _queued(app, client)
    seen = []
    real_progress = queue.progress

    def spy(job_id, done, total=None):
        real_progress(job_id, done, total)
        seen.append((db.session.get(Job, job_id).progress_done, done))

    monkeypatch.setattr(queue, "progress", spy)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "jobs done 1, failed 0" in result.output
    # one write per batch of 2 rows, then the end of the file
    assert [done for _stored, done in seen] == [2, 4, 6, 8, 8]
    assert all(stored == done for stored, done in seen)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.progress_done == 8 and job.attempts == 1 and job.locked_by is None
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "completed" and upload.run.rows_created == 4 and upload.wrapped_key is None
    state = client.get(f"/imports/{upload_id}/status.json").get_json()
    assert state["finished"] and state["done"] == 8 and state["created"] == 4
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 4  # no existing file: line 6 is created too


def test_a_failed_batch_is_reported(app, login_as, monkeypatch):
    client, _agent = login_as(Role.AGENT)
    upload_id, job = _queued(app, client)
    real, calls = registration.register_many, []  # one call per batch since the batch import

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(registration, "register_many", flaky)
    report = Worker().round()
    assert report.jobs_failed == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and job.error == "import_failed"
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "failed" and upload.wrapped_key is None
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert "could not be written (RuntimeError)" in page
    assert 'data-status="failed"' in client.get("/imports/").get_data(as_text=True)


def test_the_worker_sends_the_outbox(app):
    db.session.add(OutboxMessage(recipient="ecole@test.example", subject="New referral R-1", body="R-1"))
    db.session.commit()
    with SMTPServer() as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert "mail sent 1" in result.output
        assert len(server.messages) == 1 and server.messages[0][1] == ["ecole@test.example"]
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_a_job_is_claimed_once(app):
    job = queue.enqueue("intake.import", {"upload_id": "x"})
    db.session.commit()
    first = queue.claim("w1")
    assert first is not None and first.id == job.id and first.locked_by == "w1"
    assert queue.claim("w2") is None
    queue.finish(job.id)
    assert queue.claim("w2") is None


def test_the_status_endpoint_holds_counts_only(app, login_as):
    client, _agent = login_as(Role.AGENT)
    upload_id = upload_list(client, csv_bytes(ROWS))
    body = client.get(f"/imports/{upload_id}/status.json").get_data(as_text=True)
    assert re.fullmatch(r"[\s\w\":,{}.\-]*", body)
    assert set(client.get(f"/imports/{upload_id}/status.json").get_json()) == {
        "status", "done", "total", "created", "failed_rows", "skipped", "finished", "label"
    }  # fmt: skip


def test_a_job_that_raises_fails_and_its_file_is_destroyed(app, login_as, monkeypatch):
    from integration_centre.intake import staging, uploads

    client, _agent = login_as(Role.AGENT)
    upload_id, job = _queued(app, client)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(uploads, "run_import", broken)
    assert Worker().round().jobs_failed == 1
    db.session.expire_all()
    assert db.session.get(Job, job.id).error == "RuntimeError"
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "failed" and upload.wrapped_key is None and not staging.path_of(upload).exists()
    assert "could not start" in client.get(f"/imports/{upload_id}").get_data(as_text=True)


def test_the_worker_publishes_the_due_statistics_releases_once(app, org):
    from datetime import UTC, date, datetime

    from integration_centre.stats import demo as stats_demo
    from integration_centre.stats import services as stats

    rows = stats_demo.synthetic_rows(60, date(2026, 10, 1), date(2026, 10, 31), stats_demo.demo_sites(), [1], seed=3)
    stats_demo.insert_rows(iter(rows))
    db.session.commit()
    now = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)
    assert stats.due_periods(now.date()) == ["2026-10"]
    worker = Worker()
    assert worker.round(now).releases == ["2026-10 region"]
    assert stats.due_periods(now.date()) == []
    assert Worker().round(now).releases == []  # nothing due any more


def test_an_upload_whose_job_was_lost_is_closed_by_the_sweep(app, login_as):
    from datetime import timedelta

    from integration_centre.clock import utcnow
    from integration_centre.intake import staging, uploads

    client, _agent = login_as(Role.AGENT)
    upload_id, job = _queued(app, client)
    assert uploads.sweep(utcnow() + timedelta(hours=25)) == 0  # its job is still queued: kept
    queue.fail(job.id, "worker_lost")
    uploads.sweep(utcnow() + timedelta(hours=25))
    db.session.expire_all()
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "failed" and not staging.path_of(upload).exists()
