"""The workspace's blueprint and its small pages: person search, deadline calculator."""

from __future__ import annotations

import uuid

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.i18n import current_language
from integration_centre.pathway import services as pathway
from integration_centre.workspace import services
from integration_centre.workspace.forms import CalculatorForm, SearchForm

bp = Blueprint("workspace", __name__)
BLUEPRINTS = (bp,)


def register_navigation() -> None:
    """The agent's navigation links to the workspace pages."""
    add_nav_item("workspace.home", _l("Home"), [Role.AGENT], order=0)
    add_nav_item("workspace.search", _l("Find a person"), [Role.AGENT], order=10)
    add_nav_item("workspace.calculator", _l("Deadline calculator"), [Role.AGENT], order=40)


def case_or_404(case_id: uuid.UUID):
    """The case if the current user may see it, else 404."""
    return pathway.get_case(current_user, case_id)


def to_int(value) -> int | None:
    """A submitted whole number (a version, a page), None when missing or not a number."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Search


@bp.route("/search", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def search():
    """Find a person by NISS or by family name and date of birth (POST: nothing in the URL)."""
    form = SearchForm()
    results, searched, page, pages = [], False, 1, 1
    if form.is_submitted() and form.validate():
        errors = services.validate_search(
            form.family_name.data, form.given_names.data, form.date_of_birth.data, (form.niss.data or "").strip()
        )
        for name, message in errors.items():
            getattr(form, name).errors = [message]
        if not errors:
            found = services.search_persons(
                current_user,
                family_name=form.family_name.data,
                given_names=form.given_names.data,
                birth_date=form.date_of_birth.data,
                niss=(form.niss.data or "").strip() or None,
            )
            searched = True
            pages = max(1, -(-len(found) // services.PAGE_SIZE))
            page = min(max(1, to_int(form.page.data) or 1), pages)
            results = found[(page - 1) * services.PAGE_SIZE : page * services.PAGE_SIZE]
            total = len(found)
            return render_template(
                "workspace/search.html", form=form, results=results, searched=searched, page=page, pages=pages,
                total=total, status_labels=pathway.STATUS_LABELS,
            )  # fmt: skip
    return render_template(
        "workspace/search.html", form=form, results=results, searched=searched, page=page, pages=pages, total=0,
        status_labels=pathway.STATUS_LABELS,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Deadline calculator


@bp.route("/deadlines/calculator", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def calculator():
    """Permit-order date → the deadlines under every rule version (POST: no date in the URL)."""
    form = CalculatorForm()
    rows = None
    if form.validate_on_submit():
        if form.registration_date.data and form.registration_date.data < form.permit_order_date.data:
            form.registration_date.errors = [_("The registration cannot be before the permit was ordered.")]
        else:
            rows = services.calculate(
                form.permit_order_date.data,
                form.registration_date.data,
                pathway.centre_jurisdiction(current_user.office),  # the versions of the centre's region
            )
    return render_template("workspace/calculator.html", form=form, rows=rows, locale=current_language())
