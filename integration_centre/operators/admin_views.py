"""Thin views of the admin's operator directory: the organisations and their directory entries."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts.models import OperatorOrganisation, Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.operators import network, services
from integration_centre.operators.forms import ProfileForm
from integration_centre.operators.labels import template_labels

bp = Blueprint("operators_admin", __name__, url_prefix="/admin/operators")


@bp.get("/")
@roles_required(Role.ADMIN)
def organisations():
    """Every operator organisation with its directory entry."""
    page = services.search_directory(page=request.args.get("page", 1), per_page=50, include_inactive=True)
    return render_template("operators/admin_list.html", page=page, labels=template_labels())


@bp.route("/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_profile(organisation_id: int):
    """Edit an organisation's directory entry; errors beside the fields, nothing saved on bad input."""
    organisation = db.session.get(OperatorOrganisation, organisation_id)
    require(organisation is not None)
    profile = services.get_profile(organisation_id)
    form = ProfileForm(obj=profile) if request.method == "GET" and profile else ProfileForm()
    if form.validate_on_submit():
        data = services.ProfileData(
            description=form.description.data,
            service_types=form.service_types.data,
            municipalities=form.municipalities.data,
            languages=form.languages.data,
            formats=form.formats.data,
            capacity=form.capacity.data,
            contact_email=form.contact_email.data,
            contact_phone=form.contact_phone.data,
            website=form.website.data,
            accepts_referrals=form.accepts_referrals.data,
            notify_by_email=form.notify_by_email.data,
        )

        def save() -> None:
            services.save_profile(current_user, organisation, data)
            network.sync_profile(organisation)  # the organisation's services win over the entry

        if perform(save, success=_("The directory entry was saved."), form=form):
            return redirect(url_for("operators_admin.organisations"))
    return render_template(
        "operators/admin_profile.html",
        organisation=organisation,
        form=form,
        labels=template_labels(),
        has_services=bool(network.services_of(organisation)),
    )
