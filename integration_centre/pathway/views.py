"""Thin views: register a newcomer (with the duplicate check), see eligibility, open a case,
see a case; and the admin's list of pathway definitions. The rules are in the services."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform, refusal_message
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import duplicates as duplicate_reviews
from integration_centre.pathway import reference, registration, services
from integration_centre.pathway.definitions import registry
from integration_centre.pathway.errors import DuplicateSuspected, PathwayError, RegistrationInvalid
from integration_centre.pathway.forms import NewcomerForm, OpenCaseForm
from integration_centre.pathway.labels import (
    EDUCATION_LABELS,
    EVIDENCE_LABELS,
    NATIONALITY_GROUP_LABELS,
    OBLIGATION_LABELS,
    RESIDENCE_LABELS,
    SEX_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
)
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy import erasure

bp = Blueprint("pathway", __name__)
admin_bp = Blueprint("pathway_admin", __name__, url_prefix="/admin/pathways")
BLUEPRINTS = (bp, admin_bp)

add_nav_item("pathway.register", _l("Register a newcomer"), [Role.AGENT], order=20)
add_nav_item(
    "pathway_admin.definitions",
    _l("Pathway definitions"),
    [Role.ADMIN],
    order=30,
    group="pathways",
    description=_l("The versions of the pathway's steps and rules."),
)
add_nav_item(
    "pathway_admin.duplicate_reviews_page",
    _l("Duplicate reviews"),
    [Role.ADMIN],
    order=31,
    group="pathways",
    description=_l("Possible duplicate files waiting for a decision."),
    count=lambda: len(duplicate_reviews.reviews(current_user)),
    count_label=lambda n: ngettext("%(num)d waiting", "%(num)d waiting", n),
)


def _labels() -> dict:
    return {
        "sex": SEX_LABELS,
        "residence": RESIDENCE_LABELS,
        "education": EDUCATION_LABELS,
        "status": STATUS_LABELS,
        "state": STATE_LABELS,
        "country": reference.country_name,
        "language": reference.language_name,
        "municipality": reference.municipality,
    }


def _newcomer_or_404(newcomer_id: uuid.UUID) -> Newcomer:
    newcomer = db.session.get(Newcomer, newcomer_id)
    require(person_visible_to(current_user, newcomer))
    return newcomer


@bp.route("/newcomers/new", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def register():
    """Register a newcomer; a suspected duplicate is shown and must be confirmed."""
    form = NewcomerForm()
    duplicates = []
    form_ok, outcome = False, None
    if form.is_submitted():
        # WTForms checks the shapes, the service checks the rules: show both at once.
        form_ok = form.validate()
        outcome = registration.validate(form.to_data())
        form.add_errors(outcome.errors)
    if form_ok and outcome is not None and not outcome.errors:
        try:
            newcomer = registration.register_newcomer(
                current_user,
                form.to_data(),
                current_user.office,
                confirm_duplicate=form.confirm_duplicate.data == "yes",
            )
        except RegistrationInvalid as exc:
            refusal_message(exc)  # rolls back first
            form.add_errors(exc.errors)
        except DuplicateSuspected as exc:
            # Rolls back first; the check's audit and review task were committed by the check itself.
            message = refusal_message(exc)
            duplicates = [
                {**services.newcomer_summary(current_user, n, "duplicate_check"), "reasons": exc.reasons.get(n.id, [])}
                for n in exc.existing
                if person_visible_to(current_user, n)
            ]
            form.form_errors.append(message)
            if exc.elsewhere and duplicates:
                form.form_errors.append(
                    _(
                        "A file that may be the same person also exists in another office: the centre's "
                        "coordinator will review it."
                    )
                )
            form.confirm_duplicate.data = "yes"
            db.session.commit()  # the audit of the summaries shown
        except PathwayError as exc:  # too many duplicate checks
            form.form_errors.append(refusal_message(exc))  # rolls back first
        else:
            db.session.commit()
            for warning in outcome.warnings:
                flash(warning, "warning")
            flash(_("The file was created."), "success")
            return redirect(url_for("pathway.newcomer", newcomer_id=newcomer.id))
    return render_template("pathway/register.html", form=form, duplicates=duplicates, labels=_labels())


@bp.get("/newcomers/<uuid:newcomer_id>")
@roles_required(Role.AGENT)
def newcomer(newcomer_id: uuid.UUID):
    """The newcomer's file, the eligibility explanation and the cases."""
    person = _newcomer_or_404(newcomer_id)
    erased = erasure.erased_on(person.id)
    if erased is not None:  # only a shell is left (Art. 17): no field can be decrypted
        cases = [c for c in person.cases if c.office_id == current_user.office_id]
        return render_template("privacy/retention/erased_person.html", erased_on=erased, cases=cases, labels=_labels())
    summary = services.newcomer_summary(current_user, person)
    cases = [c for c in person.cases if c.office_id == current_user.office_id]
    # With an active case, its kept status (decided at opening); else a preview for today.
    active = next((c for c in cases if c.status in ACTIVE_CASE_STATUSES), None)
    try:
        eligibility = services.eligibility_for(current_user, person, case=active)
    except PathwayError as exc:
        eligibility, error = None, exc.message
    else:
        error = None
    return render_template(
        "pathway/newcomer.html",
        person=summary,
        eligibility=eligibility,
        eligibility_error=error,
        cases=cases,
        form=OpenCaseForm(),
        labels=_labels(),
    )


@bp.post("/newcomers/<uuid:newcomer_id>/cases")
@roles_required(Role.AGENT)
def open_case(newcomer_id: uuid.UUID):
    """Open a case at the agent's office."""
    person = _newcomer_or_404(newcomer_id)
    form = OpenCaseForm()
    if not form.validate_on_submit() or erasure.erased_on(person.id) is not None:
        abort(400)
    opened = []

    def open_it() -> None:
        opened.append(
            services.open_case(
                current_user,
                person,
                voluntary=form.voluntary.data,
                entry_channel=form.entry_channel.data or None,
                purpose=form.purpose.data or None,
            )
        )

    if not perform(open_it, success=_("The case was opened.")):
        return redirect(url_for("pathway.newcomer", newcomer_id=newcomer_id))
    return redirect(url_for("workspace.case", case_id=opened[0].id))


@admin_bp.get("/")
@roles_required(Role.ADMIN)
def definitions():
    """Every installed pathway definition, old versions included."""
    return render_template("pathway/definitions.html", definitions=registry().all(), locale=current_language())


@admin_bp.get("/<code>/<version>")
@roles_required(Role.ADMIN)
def definition(code: str, version: str):
    """One definition as readable tables."""
    try:
        item = registry().get(code, version)
    except KeyError:
        abort(404)
    return render_template(
        "pathway/definition.html",
        definition=item,
        locale=current_language(),
        evidence_labels=EVIDENCE_LABELS,
        obligation_labels=OBLIGATION_LABELS,
        nationality_group_labels=NATIONALITY_GROUP_LABELS,
        step_names={step.code: step.label(current_language()) for step in item.steps},
    )


@admin_bp.get("/duplicate-reviews")
@roles_required(Role.ADMIN)
def duplicate_reviews_page():
    """The possible duplicates across offices the coordinator has to review (file references only)."""
    status = "reviewed" if request.args.get("status") == "reviewed" else "open"
    items = duplicate_reviews.reviews(current_user, status)
    return render_template(
        "pathway/duplicate_reviews.html",
        reviews=items,
        status=status,
        offices=duplicate_reviews.file_offices(items),
    )


@admin_bp.post("/duplicate-reviews/<uuid:review_id>/done")
@roles_required(Role.ADMIN)
def duplicate_review_done(review_id: uuid.UUID):
    """Mark a review as done."""
    review = duplicate_reviews.get_review(current_user, review_id)
    perform(lambda: duplicate_reviews.mark_reviewed(current_user, review), success=_("The review is marked as done."))
    return redirect(url_for("pathway_admin.duplicate_reviews_page"))
