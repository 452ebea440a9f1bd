"""Imports through the pages and the worker: upload → mapping → dry run → confirm → import.

Each step is one function taking the acting agent; the pages and the worker call these, the
engine (``engine.run_import``) does the reading and writing. The file lives sealed in the
import store (``staging``) from upload to the end of its import (or its abandonment). A list
larger than ``IMPORT_INLINE_ROWS`` rows is imported by the background worker (job kind
``intake.import``, payload: the upload's id only); a smaller one during the request.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.intake import fields, mappings, sources, staging
from integration_centre.intake.engine import DEFAULT_BATCH_SIZE, check_mapping, run_import
from integration_centre.intake.errors import ImportRefused
from integration_centre.intake.models import OPEN_STATUSES, ImportMapping, ImportUpload
from integration_centre.jobs import queue
from integration_centre.jobs.models import DONE, FAILED

JOB_KIND = "intake.import"
FINISHED = ("completed", "failed", "abandoned")
BUSY = ("checking", "queued", "running")  # the worker (or the request) is on it
DEFAULT_INLINE_ROWS = 200
RECENT = 20
REFUSED = "refused_"  # a dry-run job's outcome when the file is unreadable: refused_<reason code>


def inline_rows() -> int:
    """Lists with more rows than this are imported by the worker (``IMPORT_INLINE_ROWS``)."""
    return int(current_app.config.get("IMPORT_INLINE_ROWS", DEFAULT_INLINE_ROWS))


def batch_size() -> int:
    """Rows per transaction (``IMPORT_BATCH_SIZE``, a Flask key; 200 by default)."""
    return int(current_app.config.get("IMPORT_BATCH_SIZE", DEFAULT_BATCH_SIZE))


def _require_agent(actor: User, office_id: int) -> None:
    require(actor.role == Role.AGENT and can_see_office(actor, office_id))


def stage(actor: User, office: Office, filename: str, content: bytes) -> ImportUpload:
    """Check an uploaded list, detect its columns and keep it sealed (flushed; the caller commits).

    Raises ``ImportRefused`` (nothing kept) when the file cannot be imported at all.
    """
    _require_agent(actor, office.id)
    name = fields.display_header(filename or "")[:200] or "list"
    source = sources.open_source(io.BytesIO(content), name)
    row_iter = source.rows()
    try:
        first = next(row_iter, None)
        if first is None:
            raise ImportRefused(_("The file holds no row."), "empty")
        estimated = source.estimated_rows
        if estimated is None:  # an XLSX: count its rows (streamed)
            estimated = sum(1 for _row in row_iter)
    finally:
        row_iter.close()
    detected = fields.detect(first[1])
    upload = ImportUpload(
        id=uuid.uuid4(),
        office_id=office.id,
        actor_id=actor.id,
        status="uploaded",
        size_bytes=len(content),
        source_kind=source.kind,
        rows_estimated=estimated,
        columns=[{"header": c.header, "field": c.field or ""} for c in detected.columns],
    )
    staging.seal_name(upload, name)
    db.session.add(upload)
    db.session.flush()
    staging.store(upload, content)
    return upload


def get_upload(actor: User, upload_id: uuid.UUID) -> ImportUpload:
    """The upload ``upload_id`` of the actor's office, else 404."""
    upload = db.session.get(ImportUpload, upload_id)
    require(upload is not None)
    _require_agent(actor, upload.office_id)
    return upload


def recent_uploads(actor: User, limit: int = RECENT) -> list[ImportUpload]:
    """The office's latest uploads, newest first."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    query = (
        select(ImportUpload)
        .options(selectinload(ImportUpload.run), selectinload(ImportUpload.dry_run))
        .where(ImportUpload.office_id == actor.office_id)
        .order_by(ImportUpload.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def apply_preset(actor: User, upload: ImportUpload, preset: ImportMapping) -> None:
    """Map the upload's columns as the office's ``preset`` says (flushed)."""
    _require_agent(actor, upload.office_id)
    require(preset.office_id == upload.office_id)
    chosen = fields.detect([c["header"] for c in upload.columns], preset.columns, preset.defaults)
    upload.columns = [{"header": c.header, "field": c.field or ""} for c in chosen.columns]
    upload.mapping_id = preset.id
    db.session.flush()


def set_columns(actor: User, upload: ImportUpload, chosen: list[str], save_as: str | None = None) -> None:
    """Record the field chosen for each column (in order; "" ignores it); optionally save them as a
    preset of the office. Refused when two columns feed one field (flushed)."""
    _require_agent(actor, upload.office_id)
    require(upload.status in OPEN_STATUSES and len(chosen) == len(upload.columns))
    seen: dict[str, str] = {}
    for column, field in zip(upload.columns, chosen, strict=True):
        if field and field not in fields.FIELDS:
            raise ImportRefused(_("Unknown field in the mapping: %(field)s.", field=field[:40]), "mapping")
        if field and field in seen:
            raise ImportRefused(
                _("Two columns feed the same field (%(field)s): choose one.", field=str(fields.LABELS[field])),
                "mapping",
            )
        if field:
            seen[field] = column["header"]
    upload.columns = [{"header": c["header"], "field": f} for c, f in zip(upload.columns, chosen, strict=True)]
    upload.job_id = None  # a new check: the previous dry run's refusal is no longer said
    preset = db.session.get(ImportMapping, upload.mapping_id) if upload.mapping_id else None
    defaults = preset.defaults if preset is not None and preset.office_id == upload.office_id else {}
    if save_as:
        office = db.session.get(Office, upload.office_id)
        saved = mappings.save_mapping(
            actor, office, save_as, {c["header"]: c["field"] for c in upload.columns}, defaults
        )
        upload.mapping_id = saved.id
    upload.status = "uploaded"
    db.session.flush()


def _columns(upload: ImportUpload) -> dict[str, str]:
    return {c["header"]: c["field"] for c in upload.columns}


def _preset(upload: ImportUpload) -> ImportMapping | None:
    preset = db.session.get(ImportMapping, upload.mapping_id) if upload.mapping_id else None
    return preset if preset is not None and preset.office_id == upload.office_id else None


def _stream(upload: ImportUpload) -> io.BytesIO:
    stream = staging.open_stream(upload)
    if stream is None:
        raise ImportRefused(_("The uploaded file is no longer kept: upload it again."), "gone")
    return stream


def check_columns(upload: ImportUpload) -> None:
    """Refuse (``ImportRefused``) columns that feed no field or miss a required one, before any row is read."""
    preset = _preset(upload)
    preset_columns = {**(preset.columns if preset else {}), **_columns(upload)}
    check_mapping(
        fields.detect([c["header"] for c in upload.columns], preset_columns, preset.defaults if preset else None)
    )


def request_dry_run(actor: User, upload: ImportUpload) -> bool:
    """Check the rows: at once for a small list, else queued for the worker (committed).

    Returns True when it was queued (the upload is then ``checking``). The columns are checked
    first, in the request, so that a missing field is said at once."""
    _require_agent(actor, upload.office_id)
    require(upload.status in OPEN_STATUSES)
    check_columns(upload)
    if (upload.rows_estimated or 0) > inline_rows():
        job = queue.enqueue(
            JOB_KIND, {"upload_id": str(upload.id), "dry_run": True}, total=upload.rows_estimated
        )  # fmt: skip
        upload.job_id = job.id
        upload.status = "checking"
        db.session.commit()
        return True
    dry_run(actor, upload)
    return False


def dry_run(actor: User, upload: ImportUpload, progress=None):
    """Check every row without writing a file; the report is kept with the upload (committed)."""
    _require_agent(actor, upload.office_id)
    require(upload.status in (*OPEN_STATUSES, "checking"))
    office = db.session.get(Office, upload.office_id)
    report = run_import(
        actor, office, _stream(upload), staging.filename(upload), preset=_preset(upload),
        columns=_columns(upload), dry_run=True, progress=progress, batch_size=batch_size(),
    )  # fmt: skip
    upload = db.session.get(ImportUpload, upload.id)
    upload.dry_run_id = uuid.UUID(report.run_id)
    upload.status = "checked"
    db.session.commit()
    return report


def confirm(actor: User, upload: ImportUpload) -> bool:
    """Import a checked upload: inline for a small list, else queued for the worker (committed).

    Returns True when it was queued."""
    _require_agent(actor, upload.office_id)
    require(upload.status == "checked")
    if (upload.rows_estimated or 0) > inline_rows():
        job = queue.enqueue(JOB_KIND, {"upload_id": str(upload.id)}, total=upload.rows_estimated)
        upload.job_id = job.id
        upload.status = "queued"
        db.session.commit()
        return True
    upload.status = "running"
    db.session.commit()
    execute(upload.id)
    return False


def execute(upload_id: uuid.UUID, progress=None) -> ImportUpload:
    """Run the import of ``upload_id`` in the name of the agent who uploaded it; destroy the file
    afterwards, whatever the outcome (committed). ``progress(done, total)`` follows the batches."""
    upload = db.session.get(ImportUpload, upload_id)
    actor = db.session.get(User, upload.actor_id) if upload.actor_id else None
    office = db.session.get(Office, upload.office_id)
    try:
        if actor is None or not actor.is_active or not can_see_office(actor, office.id):
            raise ImportRefused(_("The agent who uploaded the list can no longer import at this office."), "actor")
        upload.status = "running"
        db.session.commit()
        report = run_import(
            actor, office, _stream(upload), staging.filename(upload), preset=_preset(upload),
            columns=_columns(upload), progress=progress, batch_size=batch_size(),
        )  # fmt: skip
        upload = db.session.get(ImportUpload, upload_id)
        upload.run_id = uuid.UUID(report.run_id)
        upload.status = "completed" if report.status == "completed" else "failed"
    except ImportRefused:
        db.session.rollback()
        upload = db.session.get(ImportUpload, upload_id)
        upload.status = "failed"
    _close(upload, upload.status)
    return upload


def run_job(payload: dict, progress) -> str:
    """The worker's entry for a job of kind ``intake.import``; returns the upload's final status.

    An unexpected failure (the database gone…) still closes the upload as failed, its file
    destroyed, before the worker records the job's failure."""
    upload_id = uuid.UUID(payload["upload_id"])
    try:
        if payload.get("dry_run"):
            return _dry_run_job(upload_id, progress)
        return execute(upload_id, progress=progress).status
    except Exception:
        db.session.rollback()
        upload = db.session.get(ImportUpload, upload_id)
        if upload is not None and upload.status not in FINISHED:
            _close(upload, "failed")
        raise


def _dry_run_job(upload_id: uuid.UUID, progress) -> str:
    upload = db.session.get(ImportUpload, upload_id)
    actor = db.session.get(User, upload.actor_id) if upload.actor_id else None
    if upload.status != "checking" or actor is None or not actor.is_active:
        _close(upload, "failed")
        return upload.status
    try:
        dry_run(actor, upload, progress)
    except ImportRefused as exc:  # the file turned out unreadable: back to the columns page
        db.session.rollback()
        upload = db.session.get(ImportUpload, upload_id)
        upload.status = "uploaded"
        db.session.commit()
        return f"{REFUSED}{exc.code}"  # the job fails with the reason's code (no value)
    return db.session.get(ImportUpload, upload_id).status


def dry_run_refusal(upload: ImportUpload) -> str | None:
    """The reason's code (``csv``, ``encoding``, ``gone``…) when the worker's dry run found the
    file unreadable and sent the upload back to its columns page; None otherwise."""
    if upload.status != "uploaded" or upload.job_id is None:
        return None
    job = queue.get(upload.job_id)
    if job is None or job.status != FAILED or not job.error or REFUSED not in job.error:
        return None
    return job.error.split(REFUSED, 1)[1] or "refused"


def abandon(actor: User, upload: ImportUpload) -> None:
    """Give up an upload not yet imported: its file and key are destroyed (committed)."""
    _require_agent(actor, upload.office_id)
    require(upload.status in OPEN_STATUSES)
    _close(upload, "abandoned")


def _close(upload: ImportUpload, status: str) -> None:
    staging.destroy(upload)
    upload.status = status
    upload.finished_at = clock.utcnow()
    db.session.commit()


def sweep(now: datetime | None = None) -> int:
    """Abandon the uploads left unfinished for ``staging.STALE_AFTER`` and delete stray files of the
    store (committed); returns how many files went."""
    now = now or clock.utcnow()
    stale = list(
        db.session.scalars(
            select(ImportUpload).where(
                ImportUpload.status.in_(OPEN_STATUSES), ImportUpload.created_at < now - staging.STALE_AFTER
            )
        )
    )
    for upload in stale:
        _close(upload, "abandoned")
    stuck = db.session.scalars(
        select(ImportUpload).where(ImportUpload.status.in_(BUSY), ImportUpload.updated_at < now - staging.STALE_AFTER)
    ).all()
    for upload in stuck:  # its job failed or was lost, or its process was killed mid-request
        job = queue.get(upload.job_id)
        if job is None or job.status in (DONE, FAILED):
            _close(upload, "failed")
    known = {u.hex for u in db.session.scalars(select(ImportUpload.id).where(ImportUpload.wrapped_key.is_not(None)))}
    strays = staging.stray_files(known)
    for path in strays:
        path.unlink(missing_ok=True)
    return len(stale) + len(strays)


def status_of(upload: ImportUpload) -> dict:
    """The upload's state as plain data (the status page's JSON): counts only, never a value."""
    job = queue.get(upload.job_id)
    run = upload.run
    total = (job.progress_total if job else None) or upload.rows_estimated
    done = job.progress_done if job else (run.rows_read if run else 0)
    return {
        "status": upload.status,
        "done": done,
        "total": total,
        "created": run.rows_created if run else 0,
        "failed_rows": run.rows_failed if run else 0,
        "skipped": run.rows_skipped if run else 0,
        "finished": upload.status not in BUSY,
    }
