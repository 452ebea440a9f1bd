"""Admin page of the audit log: filters, pagination, CSV export (thin views)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import fresh_login_required, roles_required
from integration_centre.core import csv_writer
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.rights import audit_labels
from integration_centre.rights import audit_log as audit_log_service
from integration_centre.rights.audit_forms import AuditFilterForm

bp = Blueprint("privacy", __name__, url_prefix="/admin/audit")
PER_PAGE = 50


def _form() -> tuple[AuditFilterForm, audit.AuditFilter, bool]:
    form = AuditFilterForm(request.args)
    users = db.session.execute(select(User.id, User.display_name, User.email).order_by(User.display_name)).all()
    form.user.choices = [("", _l("All users"))] + [(str(uid), f"{name} ({email})") for uid, name, email in users]
    form.action.choices = [("", _l("All actions")), *audit_labels.action_choices()]
    valid = not request.args or form.validate()
    if not valid:
        return form, audit.AuditFilter(), False

    def bound(day, end: bool) -> datetime | None:
        if day is None:
            return None
        local = datetime.combine(day + timedelta(days=1) if end else day, time.min, clock.zone())
        return local - timedelta(microseconds=1) if end else local

    file_number = (form.person.data or "").strip().lower() or None
    filters = audit.AuditFilter(
        actor_id=form.user.data or None,
        object_type="person" if file_number else None,
        object_prefix=file_number,
        action=form.action.data or None,
        start=bound(form.date_from.data, end=False),
        end=bound(form.date_to.data, end=True),
    )
    return form, filters, True


@bp.route("/")
@roles_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first: one line per page view and object, filtered and paginated.

    The persons' names are shown on request (``names=1``); reading them is audited.
    """
    form, filters, valid = _form()
    listing = audit_log_service.entries(filters, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    show_names = request.args.get("names") == "1"
    person_names = audit_log_service.person_names(current_user, listing.items) if show_names else {}
    args = {k: v for k, v in request.args.items() if k not in ("page", "names") and v}
    return render_template(
        "rights/audit_log.html",
        form=form,
        listing=listing,
        valid=valid,
        args=args,
        show_names=show_names,
        user_names=audit_log_service.user_names(listing.items),
        person_names=person_names,
        labels=audit_labels,
    )


@bp.route("/export.csv")
@roles_required(Role.ADMIN)
@fresh_login_required
def export_csv():
    """The filtered audit log as CSV (re-authentication required; the export is itself audited)."""
    _form_unused, filters, valid = _form()
    if not valid:
        filters = audit.AuditFilter()
    records = db.session.scalars(audit.filtered_query(filters)).all()
    # The chained fields as stored (to check them against the chain), then the same in words.
    names = audit_log_service.all_user_names()
    rows = [
        (*audit.CSV_COLUMNS, *audit_log_service.CSV_LABEL_COLUMNS),
        *(
            [*(getattr(rec, column) for column in audit.CSV_COLUMNS), *audit_log_service.csv_labels(rec, names)]
            for rec in records
        ),
    ]
    response = csv_writer.csv_response(rows, "audit-log.csv")
    audit.record("export", "audit_log", purpose="audit.export")
    db.session.commit()
    return response


def wire() -> None:
    """The audit log's navigation link."""
    add_nav_item(
        "privacy.audit_log",
        _l("Audit log"),
        [Role.ADMIN],
        order=50,
        group="audit",
        description=_l("Who opened which file, when and why; security events."),
    )
