"""Thin views of the requests register: requests, their handling (deadline, answer, export,
rectification, restriction) and the single download of an export.

The DPO is represented by the admin role. Persons are found by POST (NISS or names and date of
birth through blind indexes); URLs carry only UUIDs. The notice and records pages share the
blueprint (``notice_views``).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts import services as account_services
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.accounts.sessions import mark_reauthenticated
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.privacy import restrictions
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import PrivacyRefusal
from integration_centre.rights import export, rectification, requests
from integration_centre.rights.errors import as_refusals
from integration_centre.rights.forms import (
    CloseForm,
    ConfirmForm,
    DownloadForm,
    ExportForm,
    ExtendForm,
    FindPersonForm,
    RecordRequestForm,
    RectifyForm,
    RequestFilterForm,
    choices,
)
from integration_centre.rights.models import OPEN_STATUSES, ExportFile, SubjectRequest

bp = Blueprint("rights", __name__)
PER_PAGE = 25
ERASURE_ENDPOINT = "privacy_retention.confirm"


def _open_requests() -> int:
    """How many data-subject requests are open (the admin home's card)."""
    return db.session.scalar(select(func.count()).where(SubjectRequest.status.in_(OPEN_STATUSES))) or 0


def wire() -> None:
    """The register's navigation link and the export's description of the audit log's actors."""
    add_nav_item(
        "rights.register",
        _l("Data-subject requests"),
        [Role.ADMIN],
        order=55,
        group="personal_data",
        description=_l("Requests for access, rectification, erasure or restriction, and their deadlines."),
        count=_open_requests,
        count_label=lambda n: ngettext("%(num)d open", "%(num)d open", n),
    )
    export.register_actor_describer(_describe_actors)


def _describe_actors(ids: set[str]) -> dict[str, dict[str, str | None]]:
    """Role and organisation (office, operator or centre) of each user id of the audit log."""
    numeric = [int(i) for i in ids if i.isdigit()]
    if not numeric:
        return {}
    result = {}
    for user in db.session.scalars(select(User).where(User.id.in_(numeric))):
        organisation = user.office or user.operator or user.centre
        result[str(user.id)] = {"role": str(user.role), "organisation": organisation.name if organisation else None}
    return result


# --- Register ---------------------------------------------------------------------------------


@bp.get("/admin/privacy/requests/")
@roles_required(Role.ADMIN)
def register():
    """The register of requests: filters, overdue flagged, deadline order, pagination."""
    form = RequestFilterForm(request.args)
    valid = not request.args or form.validate()
    filters = requests.RequestFilter(
        status=form.status.data or None if valid else None,
        kind=form.kind.data or None if valid else None,
        sort=form.sort.data or "due_on" if valid else "due_on",
    )
    today = clock.today()
    listing = db.paginate(
        requests.filtered_query(filters, today=today), page=request.args.get("page", 1, type=int), per_page=PER_PAGE
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "rights/register.html",
        form=form,
        listing=listing,
        args=args,
        today=today,
        overdue=requests.overdue_count(today),
        kinds=requests.KIND_LABELS,
        statuses=requests.STATUS_LABELS,
    )


@bp.route("/admin/privacy/requests/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_request():
    """Find the person (POST), then record the request for the person chosen."""
    find_form = FindPersonForm(prefix="find")
    record_form = RecordRequestForm(prefix="req")
    matches: list[tuple[uuid.UUID, str]] = []
    searched = False
    if request.method == "POST" and request.form.get("step") == "find":
        searched = True
        if find_form.validate():
            matches = requests.find_persons(
                current_user,
                niss=(find_form.niss.data or "").strip() or None,
                family_name=(find_form.family_name.data or "").strip() or None,
                given_name=(find_form.given_names.data or "").strip() or None,
                birth_date=find_form.date_of_birth.data,
            )
            db.session.commit()  # the audited search
        if not record_form.received_on.data:
            record_form.received_on.data = clock.today()
    elif request.method == "POST" and request.form.get("step") == "record":
        person_ids = request.form.getlist("req-candidates")
        matches = _labels_for(person_ids)
        record_form.person_id.choices = choices((str(pid), label) for pid, label in matches)
        if record_form.validate():
            person_id = uuid.UUID(record_form.person_id.data)
            recorded = []
            if perform(
                lambda: recorded.append(requests.record_request(
                    current_user, person_id, record_form.kind.data, record_form.received_on.data,
                    details=record_form.details.data,
                )),
                form=record_form,
            ):  # fmt: skip
                flash(_("The request %(ref)s was recorded.", ref=recorded[0].reference), "success")
                return redirect(url_for("rights.request_detail", request_id=recorded[0].id))
        searched = True
    record_form.person_id.choices = choices((str(pid), label) for pid, label in matches)
    if len(matches) == 1 and not record_form.person_id.data:
        record_form.person_id.data = str(matches[0][0])
    return render_template(
        "rights/new_request.html",
        find_form=find_form,
        record_form=record_form,
        matches=matches,
        searched=searched,
    )


def _labels_for(person_ids: list[str]) -> list[tuple[uuid.UUID, str]]:
    result = []
    for raw in person_ids[:20]:
        try:
            person_id = uuid.UUID(raw)
        except ValueError:
            continue
        label = requests.person_label(current_user, person_id, "rights.search")
        if label:
            result.append((person_id, label))
    return result


def _request_or_404(request_id: uuid.UUID) -> SubjectRequest:
    item = db.session.get(SubjectRequest, request_id)
    require(item is not None)
    return item


def _detail(item: SubjectRequest, **forms):
    today = clock.today()
    person = requests.person_label(current_user, item.person_id)
    with_access = {}
    if person is not None:
        with access(current_user, requests.PURPOSE, [item.person_id]):
            with_access = {"details": item.details, "extension_reason": item.extension_reason, "answer": item.answer}
    rectify_form = forms.get("rectify_form") or RectifyForm(prefix="rect")
    fields = rectification.fields().items()
    rectify_form.field.choices = choices([("", _("Choose…")), *((k, str(v)) for k, v in fields)])
    context = {
        "item": item,
        "person": person,
        "texts": with_access,
        "today": today,
        "kinds": requests.KIND_LABELS,
        "statuses": requests.STATUS_LABELS,
        "restriction": restrictions.active_restriction(item.person_id),
        "files": export.pending_files(item),
        "history": rectification.history(current_user, item.person_id) if person else [],
        "field_labels": rectification.fields(),
        "extend_form": forms.get("extend_form") or ExtendForm(prefix="ext"),
        "close_form": forms.get("close_form") or CloseForm(prefix="close"),
        "export_form": forms.get("export_form") or ExportForm(prefix="exp"),
        "rectify_form": rectify_form,
        "confirm_form": ConfirmForm(),
        "erasure_url": _erasure_url(item),
    }
    return render_template("rights/request.html", **context)


def _erasure_url(item: SubjectRequest) -> str | None:
    """The erasure page (legal holds, confirmation) for the person, when it is installed."""
    if ERASURE_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(ERASURE_ENDPOINT, person_id=item.person_id, request=str(item.id))


@bp.get("/admin/privacy/requests/<uuid:request_id>")
@roles_required(Role.ADMIN)
def request_detail(request_id: uuid.UUID):
    """One request: the person, deadline, answer, and the actions its kind calls for."""
    return _detail(_request_or_404(request_id))


def _act(request_id: uuid.UUID, action, success: str, form_name: str | None = None, form=None):
    """Validate, then ``perform`` the action: a refusal naming the form's fields shows the page
    again (400); any other refusal is flashed on the request's page."""
    item = _request_or_404(request_id)
    if form is not None and not form.validate_on_submit():
        return _detail(item, **{form_name: form}), 400
    if form is None and not ConfirmForm().validate_on_submit():
        abort(400)
    if not perform(as_refusals(lambda: action(item)), success=success, form=form) and form is not None:
        if not form.form_errors:  # the refusal is on the form's fields
            return _detail(db.session.get(SubjectRequest, request_id), **{form_name: form}), 400
        for message in form.form_errors:
            flash(message, "error")
    return redirect(url_for("rights.request_detail", request_id=request_id))


@bp.post("/admin/privacy/requests/<uuid:request_id>/start")
@roles_required(Role.ADMIN)
def start_request(request_id: uuid.UUID):
    """Mark the request as being handled."""
    return _act(request_id, lambda item: requests.start(current_user, item), _("The request is now in progress."))


@bp.post("/admin/privacy/requests/<uuid:request_id>/extend")
@roles_required(Role.ADMIN)
def extend_request(request_id: uuid.UUID):
    """Extend the deadline by one or two months, with the reason."""
    form = ExtendForm(prefix="ext")
    return _act(
        request_id,
        lambda item: requests.extend(current_user, item, int(form.months.data), form.reason.data),
        _("The deadline was extended."),
        "extend_form",
        form,
    )


@bp.post("/admin/privacy/requests/<uuid:request_id>/close")
@roles_required(Role.ADMIN)
def close_request(request_id: uuid.UUID):
    """Close the request as answered or refused."""
    form = CloseForm(prefix="close")
    return _act(
        request_id,
        lambda item: requests.close(current_user, item, form.status.data, form.answer.data),
        _("The request was closed."),
        "close_form",
        form,
    )


@bp.post("/admin/privacy/requests/<uuid:request_id>/export")
@roles_required(Role.ADMIN)
def produce_export(request_id: uuid.UUID):
    """Produce the access/portability export (JSON and PDF), each downloadable once."""
    form = ExportForm(prefix="exp")

    def act(item):
        name = requests.person_label(current_user, item.person_id, export.PURPOSE)
        if name is None:
            raise PrivacyRefusal(_("No data can be read for this person any more (erased)."))
        export.produce(current_user, item, person_name=name, language=form.language.data)

    return _act(request_id, act, _("The export is ready: download each file once."), "export_form", form)


@bp.post("/admin/privacy/requests/<uuid:request_id>/restrict")
@roles_required(Role.ADMIN)
def restrict(request_id: uuid.UUID):
    """Restrict the person's file: read-only and hidden from agents' dashboards."""
    return _act(
        request_id,
        lambda item: restrictions.restrict(item.person_id, actor=current_user, request_id=item.id),
        _("The file is restricted: read-only and hidden from the agents' dashboards."),
    )


@bp.post("/admin/privacy/requests/<uuid:request_id>/lift")
@roles_required(Role.ADMIN)
def lift_restriction(request_id: uuid.UUID):
    """Lift the restriction: the file can be changed and is listed again."""
    return _act(
        request_id,
        lambda item: restrictions.lift(item.person_id, actor=current_user),
        _("The restriction was lifted."),
    )


@bp.post("/admin/privacy/requests/<uuid:request_id>/rectify")
@roles_required(Role.ADMIN)
def rectify(request_id: uuid.UUID):
    """Rectify one field of the file; the previous value is kept, encrypted."""
    form = RectifyForm(prefix="rect")
    form.field.choices = choices([("", ""), *((k, str(v)) for k, v in rectification.fields().items())])
    return _act(
        request_id,
        lambda item: rectification.rectify(
            current_user, item.person_id, form.field.data, form.value.data, request=item
        ),
        _("The field was rectified; the previous value is kept in the history."),
        "rectify_form",
        form,
    )


# --- Single download of an export ------------------------------------------------------------


def _file_or_404(file_id: uuid.UUID) -> ExportFile:
    row = db.session.get(ExportFile, file_id)
    require(row is not None and row.created_by_id == current_user.id)
    return row


@bp.route("/admin/privacy/exports/<uuid:file_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def download(file_id: uuid.UUID):
    """Type the password again, then download the file; it is wiped after this single download."""
    row = _file_or_404(file_id)
    form = DownloadForm()
    if row.downloaded_at is None and form.validate_on_submit():
        try:
            account_services.check_password_reentry(current_user, form.password.data)
        except account_services.AccountError as error:
            db.session.commit()  # the failed attempt counts towards the throttle
            form.password.errors = [
                _("The password is not correct.") if error.code == "wrong_password"
                else _("Too many attempts: try again later.")
            ]  # fmt: skip
        else:
            mark_reauthenticated()
            try:
                row, data = export.take(current_user, file_id)
            except LookupError:
                db.session.rollback()
                abort(404)
            db.session.commit()
            item = db.session.get(SubjectRequest, row.request_id)
            name = f"{item.reference}-export.{row.format}"
            mimetype = "application/json" if row.format == "json" else "application/pdf"
            return Response(
                data,
                mimetype=mimetype,
                headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"},
            )
    return render_template("rights/download.html", row=row, form=form,
                           item=db.session.get(SubjectRequest, row.request_id))  # fmt: skip
