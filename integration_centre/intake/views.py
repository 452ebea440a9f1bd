"""The import pages of an agent: upload a list → map its columns → dry-run report → confirm →
the import (inline, or by the worker with a progress page). Thin: the steps are in ``uploads``.

Nothing here shows a cell of the file: reports hold line numbers, column headers, field codes
and reasons; the status JSON holds counts.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre.accounts.models import Office, Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.config import MEGABYTE
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import flash_refusal, perform
from integration_centre.core.uploads import allow_larger_body
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.intake import fields, mappings, staging, uploads
from integration_centre.intake.forms import ActionForm, PresetForm, UploadForm, columns_form
from integration_centre.intake.sources import max_import_bytes
from integration_centre.privacy.errors import DecryptionError

bp = Blueprint("intake", __name__, url_prefix="/imports")
BLUEPRINTS = (bp,)
PAGE_SIZE = 50
STATUS_LABELS = {
    "uploaded": _l("Columns to check"),
    "checking": _l("Checking the rows"),
    "checked": _l("Checked, waiting for confirmation"),
    "queued": _l("Waiting for the worker"),
    "running": _l("Importing"),
    "completed": _l("Imported"),
    "failed": _l("Stopped"),
    "abandoned": _l("Abandoned"),
}
# Why the worker's dry run could not read the file (``ImportRefused.code``), said on the columns page.
REFUSAL_REASONS = {
    "csv": _l("a cell is too long or badly quoted"),
    "encoding": _l("its characters cannot be read: save it as CSV UTF-8"),
    "empty": _l("it holds no row"),
    "columns": _l("columns needed by the import are missing"),
    "xlsx": _l("the spreadsheet is damaged: save it again as .xlsx or as CSV"),
    "gone": _l("the uploaded file is no longer kept"),
}


def register_navigation() -> None:
    """The imports in the agent's navigation; the upload may be as large as ``MAX_IMPORT_MB``."""
    add_nav_item("intake.index", _l("Imports"), [Role.AGENT], order=9)
    allow_larger_body("intake.index", "MAX_IMPORT_BYTES")


def _preset_choices(office_id: int) -> list[tuple[str, str]]:
    office = db.session.get(Office, office_id)
    return [("", _("— none —"))] + [(str(m.id), m.name) for m in mappings.list_mappings(office)]


def _name(upload) -> str:
    try:
        return staging.filename(upload)
    except DecryptionError:  # an unreadable name is shown as such, never guessed
        return "—"


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def index():
    """The office's recent imports, and the form to upload a list."""
    form = UploadForm()
    form.preset.choices = _preset_choices(current_user.office_id)
    if form.validate_on_submit():
        storage = form.file.data
        if storage is None or not getattr(storage, "filename", None):
            form.file.errors = [_("Choose a file to import.")]
        else:
            content = storage.stream.read(max_import_bytes() + 1)
            staged = []

            def act() -> None:
                office = db.session.get(Office, current_user.office_id)
                upload = uploads.stage(current_user, office, storage.filename, content)
                if form.preset.data:
                    preset = next((m for m in mappings.list_mappings(office) if str(m.id) == form.preset.data), None)
                    if preset is not None:
                        uploads.apply_preset(current_user, upload, preset)
                staged.append(upload)

            if perform(act, form=form):
                return redirect(url_for("intake.columns", upload_id=staged[0].id))
    items = uploads.recent_uploads(current_user)
    return render_template(
        "intake/index.html",
        form=form,
        items=items,
        names={item.id: _name(item) for item in items},
        status_labels=STATUS_LABELS,
        max_mb=max_import_bytes() // MEGABYTE,
    )


@bp.route("/<uuid:upload_id>/columns", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def columns(upload_id: uuid.UUID):
    """Which field each column feeds (pre-filled from the detection or the saved mapping)."""
    upload = uploads.get_upload(current_user, upload_id)
    if upload.status not in ("uploaded", "checked"):
        return redirect(url_for("intake.upload", upload_id=upload.id))
    headers = [c["header"] for c in upload.columns]
    form = columns_form(headers, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        for select, column in zip(form.column_fields, upload.columns, strict=True):
            select.data = column["field"] or ""
    preset_form = PresetForm(formdata=None)
    preset_form.preset.choices = _preset_choices(upload.office_id)
    preset_form.preset.data = str(upload.mapping_id or "")
    if request.method == "POST" and form.validate():
        chosen = [select.data or "" for select in form.column_fields]
        ok = perform(lambda: uploads.set_columns(current_user, upload, chosen, form.save_as.data), form=form)
        if ok:
            try:
                uploads.request_dry_run(current_user, upload)
            except DomainError as exc:
                flash_refusal(exc)
                return redirect(url_for("intake.columns", upload_id=upload.id))
            return redirect(url_for("intake.upload", upload_id=upload.id))
    refusal = uploads.dry_run_refusal(upload)
    return render_template(
        "intake/columns.html",
        upload=upload,
        refusal=refusal,
        refusal_reason=REFUSAL_REASONS.get(refusal, _l("the file could not be read")) if refusal else None,
        form=form,
        preset_form=preset_form,
        name=_name(upload),
        required=[fields.LABELS[code] for code in fields.REQUIRED],
    )


@bp.post("/<uuid:upload_id>/preset")
@roles_required(Role.AGENT)
def apply_preset(upload_id: uuid.UUID):
    """Map the columns as a saved mapping says."""
    upload = uploads.get_upload(current_user, upload_id)
    form = PresetForm()
    form.preset.choices = _preset_choices(upload.office_id)
    if form.validate_on_submit() and form.preset.data and upload.status in ("uploaded", "checked"):
        office = db.session.get(Office, upload.office_id)
        preset = next((m for m in mappings.list_mappings(office) if str(m.id) == form.preset.data), None)
        if preset is not None:
            perform(
                lambda: uploads.apply_preset(current_user, upload, preset), success=_("The saved mapping was applied.")
            )
    return redirect(url_for("intake.columns", upload_id=upload.id))


def _page_of(items: list, page: int) -> tuple[list, int]:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], pages


@bp.get("/<uuid:upload_id>")
@roles_required(Role.AGENT)
def upload(upload_id: uuid.UUID):
    """The upload's page: its dry-run report to confirm, its progress, or its outcome."""
    upload = uploads.get_upload(current_user, upload_id)
    if upload.status == "uploaded":
        return redirect(url_for("intake.columns", upload_id=upload.id))
    # The import's report once it ran; before, the dry run's (not while it runs: its figures would mislead).
    run = upload.run or (upload.dry_run if upload.status in ("checked", "abandoned") else None)
    report = run.report if run is not None else {}
    issues = sorted(
        [*report.get("errors", []), *report.get("warnings", [])], key=lambda i: (i.get("line", 0), i["severity"])
    )
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1
    shown, pages = _page_of(issues, page)
    return render_template(
        "intake/upload.html",
        upload=upload,
        name=_name(upload),
        report=report,
        issues=shown,
        issue_count=len(issues),
        page=min(max(page, 1), pages),
        pages=pages,
        state=uploads.status_of(upload),
        status_labels=STATUS_LABELS,
        field_labels=fields.LABELS,
        action_form=ActionForm(),
        inline_rows=uploads.inline_rows(),
    )


@bp.get("/<uuid:upload_id>/status.json")
@roles_required(Role.AGENT)
def status(upload_id: uuid.UUID):
    """The upload's state and progress (counts only), polled by the progress page."""
    upload = uploads.get_upload(current_user, upload_id)
    state = uploads.status_of(upload)
    state["label"] = str(STATUS_LABELS[upload.status])
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<uuid:upload_id>/confirm")
@roles_required(Role.AGENT)
def confirm(upload_id: uuid.UUID):
    """Run the checked import (or queue it for the worker)."""
    upload = uploads.get_upload(current_user, upload_id)
    form = ActionForm()
    if form.validate_on_submit() and upload.status == "checked":
        try:
            queued = uploads.confirm(current_user, upload)
        except DomainError as exc:
            flash_refusal(exc)
        else:
            flash(
                _("The import was queued: this page shows its progress.") if queued else _("The import is done."),
                "success",
            )
    return redirect(url_for("intake.upload", upload_id=upload.id))


@bp.post("/<uuid:upload_id>/abandon")
@roles_required(Role.AGENT)
def abandon(upload_id: uuid.UUID):
    """Give up the upload: its file is deleted."""
    upload = uploads.get_upload(current_user, upload_id)
    form = ActionForm()
    if form.validate_on_submit() and upload.status in ("uploaded", "checked"):
        perform(
            lambda: uploads.abandon(current_user, upload), success=_("The import was abandoned and its file deleted.")
        )
    return redirect(url_for("intake.index"))
