"""Merge pages: the look-alike files of a person, the comparison of two files with the choice of the
file to keep, and the coordinator's entry from a duplicate review. Thin: rules in ``pathway.merge``."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.pathway import duplicates, merge
from integration_centre.pathway.labels import STATUS_LABELS
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.pathway.views import _labels, admin_bp, bp

BLUEPRINTS = (bp, admin_bp)


class MergeForm(FlaskForm):
    """Which file to keep, and the confirmation that both files are the same person."""

    keep = RadioField(_l("File to keep"), validators=[DataRequired(_l("Choose the file to keep."))])
    confirm = BooleanField(
        _l("I checked: both files are the same person."),
        validators=[DataRequired(_l("Confirm that both files are the same person."))],
    )
    review = HiddenField()


def _person_or_404(person_id: uuid.UUID) -> Newcomer:
    person = db.session.get(Newcomer, person_id)
    require(person is not None)
    return person


@bp.get("/newcomers/<uuid:newcomer_id>/merge")
@roles_required(Role.AGENT)
def merge_candidates(newcomer_id: uuid.UUID):
    """The files that look like the same person and that the agent may merge with this one."""
    person = _person_or_404(newcomer_id)
    require(person_visible_to(current_user, person))
    found = merge.candidates(current_user, person)
    summaries = [merge.summary(current_user, other) for other in found]
    db.session.commit()  # the audit of the search and of the summaries shown
    return render_template("pathway/merge_candidates.html", person_id=person.id, candidates=summaries)


@bp.route("/newcomers/<uuid:newcomer_id>/merge/<uuid:other_id>", methods=["GET", "POST"])
@roles_required(Role.AGENT, Role.ADMIN)
def merge_compare(newcomer_id: uuid.UUID, other_id: uuid.UUID):
    """The two files side by side; choose the file to keep and confirm."""
    first, second = _person_or_404(newcomer_id), _person_or_404(other_id)
    review = None
    review_id = request.values.get("review")
    if review_id:
        try:
            review = duplicates.get_review(current_user, uuid.UUID(review_id))
        except ValueError:
            require(False)
    left, right = merge.compare(current_user, first, second)
    form = MergeForm()
    form.keep.choices = [
        SelectChoice(str(first.id), _("The first file")),
        SelectChoice(str(second.id), _("The second file")),
    ]
    if request.method == "GET":
        form.review.data = str(review.id) if review else ""
    if form.validate_on_submit():
        kept, removed = (first, second) if form.keep.data == str(first.id) else (second, first)
        kept_id = kept.id
        if perform(
            lambda: merge.merge_files(current_user, kept, removed, review=review),
            success=_("The files were merged: everything is now in the kept file."),
            form=form,
        ):
            if current_user.role == Role.ADMIN:
                return redirect(url_for("pathway_admin.duplicate_reviews_page"))
            return redirect(url_for("pathway.newcomer", newcomer_id=kept_id))
        left, right = merge.compare(current_user, first, second)
    else:
        db.session.commit()  # the audit of the comparison
    return render_template(
        "pathway/merge_compare.html",
        files=[left, right],
        form=form,
        labels=_labels(),
        status_labels=STATUS_LABELS,
    )


@admin_bp.get("/duplicate-reviews/<uuid:review_id>/merge")
@roles_required(Role.ADMIN)
def duplicate_review_merge(review_id: uuid.UUID):
    """The pairs of files a duplicate review points to, each with a link to its comparison."""
    review = duplicates.get_review(current_user, review_id)
    pairs = merge.review_pairs(current_user, review)
    db.session.commit()  # the audit of the search
    return render_template("pathway/duplicate_review_merge.html", review=review, pairs=pairs)
