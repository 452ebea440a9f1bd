"""Thin views of the network administration: centres, reception offices, operator organisations
and their services. Rules and audit are in ``accounts/network.py`` and ``operators/network.py``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from integration_centre.accounts import network as accounts_network
from integration_centre.accounts.forms import ConfirmForm
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.accounts.network import DAYS, NetworkInvalid, NetworkRefused
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.extensions import db
from integration_centre.operators import network
from integration_centre.operators.labels import DAY_LABELS, NETWORK_ACTION_LABELS, SERVICE_LABELS
from integration_centre.operators.models import OperatorProfile, OperatorService
from integration_centre.operators.network_forms import (
    JURISDICTION_LABELS,
    CentreForm,
    OfficeForm,
    OrganisationForm,
    ServiceForm,
)
from integration_centre.pathway import reference
from integration_centre.pathway.services import jurisdictions as pathway_jurisdictions

bp = Blueprint("network", __name__, url_prefix="/admin")


def _labels() -> dict:
    return {
        "action": NETWORK_ACTION_LABELS,
        "day": DAY_LABELS,
        "days": DAYS,
        "service": SERVICE_LABELS,
        "municipality": accounts_network.municipality_name,
        "language": reference.language_name,
        "jurisdiction": JURISDICTION_LABELS,
    }


def _show_errors(form, exc: NetworkInvalid) -> None:
    """Each service error beside its field (on top of the form when the field is unknown)."""
    for name, messages in exc.errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def _get(model, object_id: int):
    item = db.session.get(model, object_id)
    require(item is not None)
    return item


def _save(form, act, done: str, target):
    """Validate, run ``act`` in one transaction; bad input rolls back and shows the errors."""
    if not form.validate_on_submit():
        return None
    try:
        item = act()
    except NetworkInvalid as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return None
    db.session.commit()
    flash(done, "success")
    return redirect(target(item))


# --- centres -----------------------------------------------------------------------------------


@bp.get("/centres")
@roles_required(Role.ADMIN)
def centres():
    """The centres, their offices and whether two-step login is compulsory for their users."""
    rows = db.session.scalars(select(Centre).order_by(Centre.code)).all()
    return render_template("operators/network/centres.html", centres=rows)


def _centre_data(form: CentreForm) -> accounts_network.CentreData:
    return accounts_network.CentreData(
        code=form.code.data or "",
        name=form.name.data or "",
        address=form.address.data or "",
        territory=list(form.territory.data or []),
        jurisdiction=form.jurisdiction.data or "",
        known_jurisdictions=tuple(pathway_jurisdictions()),
    )


@bp.route("/centres/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_centre():
    """Create a centre."""
    form = CentreForm()
    response = _save(
        form,
        lambda: accounts_network.create_centre(current_user, _centre_data(form)),
        _("The centre was created."),
        lambda centre: url_for("network.centre", centre_id=centre.id),
    )
    return response or render_template("operators/network/centre_form.html", form=form, centre=None)


@bp.get("/centres/<int:centre_id>")
@roles_required(Role.ADMIN)
def centre(centre_id: int):
    """One centre: details, territory, offices, organisations and history."""
    item = _get(Centre, centre_id)
    organisations = db.session.scalars(
        select(OperatorOrganisation)
        .where(OperatorOrganisation.centre_id == item.id)
        .order_by(OperatorOrganisation.name)
    ).all()
    return render_template(
        "operators/network/centre.html",
        centre=item,
        organisations=organisations,
        history=accounts_network.history("centre", item.id),
        labels=_labels(),
    )


@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_centre(centre_id: int):
    """Change a centre's code, name, address, territory."""
    item = _get(Centre, centre_id)
    form = CentreForm(obj=item) if request.method == "GET" else CentreForm()
    response = _save(
        form,
        lambda: accounts_network.update_centre(current_user, item, _centre_data(form)),
        _("The centre was saved."),
        lambda centre: url_for("network.centre", centre_id=centre.id),
    )
    return response or render_template("operators/network/centre_form.html", form=form, centre=item)


# --- reception offices -------------------------------------------------------------------------


def _office_data(form: OfficeForm) -> accounts_network.OfficeData:
    return accounts_network.OfficeData(
        name=form.name.data or "",
        address=form.address.data or "",
        territory=list(form.territory.data or []),
        opening_hours=form.hours(),
    )


@bp.route("/centres/<int:centre_id>/offices/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_office(centre_id: int):
    """Create a reception office of a centre."""
    item = _get(Centre, centre_id)
    form = OfficeForm(centre=item)
    response = _save(
        form,
        lambda: accounts_network.create_office(current_user, item, _office_data(form)),
        _("The office was created."),
        lambda office: url_for("network.office", office_id=office.id),
    )
    return response or render_template(
        "operators/network/office_form.html", form=form, centre=item, office=None, labels=_labels()
    )


@bp.get("/offices/<int:office_id>")
@roles_required(Role.ADMIN)
def office(office_id: int):
    """One office: details, opening hours, territory, users and history."""
    item = _get(Office, office_id)
    users = db.session.scalars(select(User).where(User.office_id == item.id).order_by(User.display_name)).all()
    return render_template(
        "operators/network/office.html",
        office=item,
        users=users,
        history=accounts_network.history("office", item.id),
        labels=_labels(),
    )


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_office(office_id: int):
    """Change an office's name, address, territory or opening hours."""
    item = _get(Office, office_id)
    form = OfficeForm(obj=item, centre=item.centre) if request.method == "GET" else OfficeForm(centre=item.centre)
    if request.method == "GET":
        form.fill_hours(item.opening_hours)
    response = _save(
        form,
        lambda: accounts_network.update_office(current_user, item, _office_data(form)),
        _("The office was saved."),
        lambda office: url_for("network.office", office_id=office.id),
    )
    return response or render_template(
        "operators/network/office_form.html", form=form, centre=item.centre, office=item, labels=_labels()
    )


def _confirm(kind: str, item, *, act, back: str, blocked: str | None):
    """Confirmation page restating the consequence; on POST ``act()`` runs (refusals shown)."""
    form = ConfirmForm()
    if blocked is None and form.validate_on_submit():
        try:
            act()
        except NetworkRefused as exc:
            db.session.rollback()
            blocked = exc.message
        else:
            db.session.commit()
            flash(_("Done."), "success")
            return redirect(back)
    status = 409 if blocked and request.method == "POST" else 200
    return (
        render_template("operators/network/confirm.html", kind=kind, item=item, form=form, back=back, blocked=blocked),
        status,
    )


def _blocked_office(item: Office) -> str | None:
    cases, referrals = network.open_cases(item), network.open_referrals(office=item)
    return network.open_work_message(cases, referrals) if cases or referrals else None


@bp.route("/offices/<int:office_id>/deactivate", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def deactivate_office(office_id: int):
    """Confirmation, then deactivate the office (refused while it has open cases or referrals)."""
    item = _get(Office, office_id)
    return _confirm(
        "office",
        item,
        act=lambda: network.deactivate_office(current_user, item),
        back=url_for("network.office", office_id=item.id),
        blocked=_blocked_office(item) if request.method == "GET" else None,
    )


@bp.post("/offices/<int:office_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate_office(office_id: int):
    """Make the office available again."""
    item = _get(Office, office_id)
    if ConfirmForm().validate_on_submit():
        network.reactivate_office(current_user, item)
        db.session.commit()
        flash(_("The office is active again."), "success")
    return redirect(url_for("network.office", office_id=item.id))


# --- operator organisations --------------------------------------------------------------------


def _organisation_form(organisation: OperatorOrganisation | None = None) -> OrganisationForm:
    if request.method == "GET" and organisation is not None:
        profile = db.session.get(OperatorProfile, organisation.id)
        form = OrganisationForm(
            data={
                "name": organisation.name,
                "centre_id": str(organisation.centre_id or ""),
                "address": organisation.address or "",
                "contact_email": profile.contact_email if profile else "",
            }
        )
    else:
        form = OrganisationForm()
    form.set_centres(db.session.scalars(select(Centre).order_by(Centre.code)).all())
    return form


def _organisation_data(form: OrganisationForm) -> accounts_network.OrganisationData:
    return accounts_network.OrganisationData(
        name=form.name.data or "",
        centre_id=form.centre(),
        address=form.address.data or "",
        contact_email=form.contact_email.data or "",
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_organisation():
    """Create an operator organisation."""
    form = _organisation_form()
    if request.method == "GET" and request.args.get("centre_id", "").isdigit():
        form.centre_id.data = request.args["centre_id"]
    response = _save(
        form,
        lambda: network.create_organisation(current_user, _organisation_data(form)),
        _("The organisation was created. Add its services."),
        lambda organisation: url_for("network.organisation", organisation_id=organisation.id),
    )
    return response or render_template("operators/network/organisation_form.html", form=form, organisation=None)


@bp.get("/organisations/<int:organisation_id>")
@roles_required(Role.ADMIN)
def organisation(organisation_id: int):
    """One organisation: details, services, users and history."""
    item = _get(OperatorOrganisation, organisation_id)
    users = db.session.scalars(select(User).where(User.operator_id == item.id).order_by(User.display_name)).all()
    return render_template(
        "operators/network/organisation.html",
        organisation=item,
        profile=db.session.get(OperatorProfile, item.id),
        services=network.services_of(item),
        users=users,
        history=accounts_network.history("operator_organisation", item.id),
        labels=_labels(),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_organisation(organisation_id: int):
    """Change an organisation's name, centre, address or contact e-mail."""
    item = _get(OperatorOrganisation, organisation_id)
    form = _organisation_form(item)
    response = _save(
        form,
        lambda: network.update_organisation(current_user, item, _organisation_data(form)),
        _("The organisation was saved."),
        lambda organisation: url_for("network.organisation", organisation_id=organisation.id),
    )
    return response or render_template("operators/network/organisation_form.html", form=form, organisation=item)


@bp.route("/organisations/<int:organisation_id>/deactivate", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def deactivate_organisation(organisation_id: int):
    """Confirmation, then deactivate the organisation (refused while referrals to it are open)."""
    item = _get(OperatorOrganisation, organisation_id)
    referrals = network.open_referrals(organisation=item) if request.method == "GET" else 0
    return _confirm(
        "organisation",
        item,
        act=lambda: network.deactivate_organisation(current_user, item),
        back=url_for("network.organisation", organisation_id=item.id),
        blocked=network.open_work_message(0, referrals) if referrals else None,
    )


@bp.post("/organisations/<int:organisation_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate_organisation(organisation_id: int):
    """Make the organisation available again."""
    item = _get(OperatorOrganisation, organisation_id)
    if ConfirmForm().validate_on_submit():
        network.reactivate_organisation(current_user, item)
        db.session.commit()
        flash(_("The organisation is active again."), "success")
    return redirect(url_for("network.organisation", organisation_id=item.id))


# --- services ----------------------------------------------------------------------------------


def _service_data(form: ServiceForm) -> network.ServiceData:
    return network.ServiceData(
        service_type=form.service_type.data or "",
        places=form.places.data,
        languages=list(form.languages.data or []),
        schedule=form.schedule.data or "",
        territory=list(form.territory.data or []),
    )


@bp.route("/organisations/<int:organisation_id>/services/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_service(organisation_id: int):
    """Add a service to an organisation."""
    item = _get(OperatorOrganisation, organisation_id)
    form = ServiceForm()
    response = _save(
        form,
        lambda: network.create_service(current_user, item, _service_data(form)),
        _("The service was added."),
        lambda service: url_for("network.organisation", organisation_id=item.id),
    )
    return response or render_template(
        "operators/network/service_form.html", form=form, organisation=item, service=None
    )


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_service(service_id: int):
    """Change a service of an organisation."""
    service = _get(OperatorService, service_id)
    form = ServiceForm(obj=service) if request.method == "GET" else ServiceForm()
    response = _save(
        form,
        lambda: network.update_service(current_user, service, _service_data(form)),
        _("The service was saved."),
        lambda saved: url_for("network.organisation", organisation_id=saved.organisation_id),
    )
    return response or render_template(
        "operators/network/service_form.html", form=form, organisation=service.organisation, service=service
    )


@bp.route("/services/<int:service_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete_service(service_id: int):
    """Confirmation, then remove a service."""
    service = _get(OperatorService, service_id)
    back = url_for("network.organisation", organisation_id=service.organisation_id)
    return _confirm(
        "service", service, act=lambda: network.delete_service(current_user, service), back=back, blocked=None
    )
