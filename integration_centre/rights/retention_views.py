"""Admin pages: upcoming purges (retention) and the erasure of a person after a confirmation step
(the engines are ``privacy.retention`` and ``privacy.erasure``)."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, ValidationError

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import fresh_login_required, roles_required
from integration_centre.core import panels
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import flash_refusal
from integration_centre.extensions import db
from integration_centre.privacy import audit_retention, erasure, retention
from integration_centre.privacy.context import Actor
from integration_centre.privacy.errors import PrivacyError

bp = Blueprint("privacy_retention", __name__, url_prefix="/admin")
PER_PAGE = 50
HORIZON_DAYS = 90
REQUEST_ENDPOINT = "rights.request_detail"  # the requests register (same package), when installed


class FindPersonForm(FlaskForm):
    """The person's file number (the UUID shown on the file and in the requests register)."""

    person = StringField(_l("File number"), validators=[InputRequired(message=_l("Enter the file number."))])

    def validate_person(self, field) -> None:
        """A well-formed file number (UUID)."""
        try:
            field.data = str(uuid.UUID((field.data or "").strip()))
        except ValueError:
            raise ValidationError(_("This is not a file number (for example 3f2b…-…).")) from None


class ConfirmErasureForm(FlaskForm):
    """The explicit confirmation of an erasure."""

    confirm = BooleanField(
        _l("I understand that the erasure cannot be undone."),
        validators=[InputRequired(message=_l("Tick the box to confirm the erasure."))],
    )


@bp.get("/retention/")
@roles_required(Role.ADMIN)
def upcoming():
    """Files due for erasure now and in the next 90 days, with the configured periods."""
    items = retention.upcoming(days=HORIZON_DAYS)
    page = max(request.args.get("page", 1, type=int), 1)
    pages = max((len(items) + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    periods = [(c, current_app.config[c.setting]) for c in retention.categories()]
    return render_template(
        "rights/retention/upcoming.html",
        purges=items[(page - 1) * PER_PAGE : page * PER_PAGE],
        total=len(items),
        page=page,
        pages=pages,
        horizon=HORIZON_DAYS,
        periods=periods,
        settings={name: current_app.config[name] for name in retention_settings()},
        today=erasure.utcnow().date(),
        audit_plan=audit_retention.purgeable(erasure.utcnow().date()),
        pending_replay=len(erasure.pending_replay()),
    )


def retention_settings() -> list[str]:
    """The retention settings shown on the page."""
    return [
        "RETENTION_CLOSED_CASE_YEARS",
        "RETENTION_CERTIFICATE_YEARS",
        "RETENTION_UNFINISHED_MONTHS",
        "RETENTION_AUDIT_YEARS",
    ]


@bp.route("/erasure/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def find_person():
    """Start an erasure from the person's file number (POST: the number never goes in a URL query)."""
    form = FindPersonForm()
    if form.validate_on_submit():
        return redirect(url_for("privacy_retention.confirm", person_id=form.person.data, **_request_arg()))
    return render_template("rights/retention/find.html", form=form)


def _request_arg() -> dict:
    value = request.args.get("request", "")
    return {"request": value} if _is_uuid(value) else {}


def _back_to_request() -> str | None:
    """The requests-register page of the request this erasure answers, when there is one."""
    value = request.args.get("request", "")
    if not _is_uuid(value) or REQUEST_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(REQUEST_ENDPOINT, request_id=value)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@bp.route("/erasure/<uuid:person_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_required
def confirm(person_id: uuid.UUID):
    """The legal holds (refusal explained) or the confirmation step, then the erasure."""
    done = erasure.erased_on(person_id)
    if done is not None:
        return redirect(url_for("privacy_retention.erased", person_id=person_id))
    actor = Actor.from_user(current_user)
    holds = erasure.legal_holds(person_id)
    form = ConfirmErasureForm()
    if not holds and form.validate_on_submit():
        try:
            erasure.erase_person(person_id, actor=actor)
        except erasure.ErasureRefused as exc:
            db.session.rollback()
            holds = exc.reasons
        except PrivacyError as exc:
            flash_refusal(exc)  # rolls back first
            return redirect(url_for("privacy_retention.find_person"))
        else:
            try:
                db.session.commit()
            except IntegrityError:  # erased meanwhile by another admin: the ledger has one entry
                db.session.rollback()
                return redirect(url_for("privacy_retention.erased", person_id=person_id, **_request_arg()))
            flash(_("The person's data was erased."), "success")
            return redirect(url_for("privacy_retention.erased", person_id=person_id, **_request_arg()))
    description = erasure.describe(person_id, actor)
    if description is None and not holds and not erasure.remains(person_id)["live_key"]:
        return render_template("rights/retention/find.html", form=FindPersonForm(), unknown=True), 404
    return render_template(
        "rights/retention/confirm.html",
        person_id=person_id,
        description=description,
        holds=holds,
        form=form,
        request_url=_back_to_request(),
    )


@bp.get("/erasure/<uuid:person_id>/done")
@roles_required(Role.ADMIN)
def erased(person_id: uuid.UUID):
    """What is left: the shell and the erasure date."""
    on = erasure.erased_on(person_id)
    if on is None:
        return redirect(url_for("privacy_retention.confirm", person_id=person_id))
    return render_template(
        "rights/retention/erased.html",
        person_id=person_id,
        erased_on=on,
        remains=erasure.remains(person_id),
        request_url=_back_to_request(),
    )


def _erased_panel(case=None, **_page) -> dict | None:
    """On the case page of an erased person: the date of the erasure (nothing else is left)."""
    on = erasure.erased_on(case.person_id) if case is not None else None
    return None if on is None else {"erased_on": on}


def wire() -> None:
    """The retention and erasure links, and the "erased on" panel of the case page."""
    add_nav_item(
        "privacy_retention.upcoming",
        _l("Retention"),
        [Role.ADMIN],
        order=52,
        group="personal_data",
        description=_l("Files whose retention period ends soon."),
    )
    add_nav_item(
        "privacy_retention.find_person",
        _l("Erasure"),
        [Role.ADMIN],
        order=53,
        group="personal_data",
        description=_l("Erase a person's data when the law requires it."),
    )
    panels.register("case", "erasure", "rights/retention/_panel_erased.html", context=_erased_panel, order=1)
