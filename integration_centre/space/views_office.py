"""The office's side of the person's requests (staff blueprint ``space_office``, agents only):
the office's pending requests, their review (move the appointment, apply the change, decline),
and a panel on the case page. An agent of another office gets 404 (``space.requests.get_request``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.agenda import services as agenda
from integration_centre.agenda.forms import MoveForm, time_choices
from integration_centre.agenda.labels import KIND_LABELS as AGENDA_KIND_LABELS
from integration_centre.core import panels
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.space import requests as services
from integration_centre.space.request_forms import ApplyForm, DeclineForm
from integration_centre.space.request_labels import (
    CONTACT_DECLINE_REASONS,
    CONTACT_FIELD_LABELS,
    DECLINE_REASON_LABELS,
    KIND_LABELS,
    MOVE_DECLINE_REASONS,
    MOVE_REASON_LABELS,
    STATUS_LABELS,
)
from integration_centre.space.request_models import APPOINTMENT_MOVE, CONTACT_CHANGE

PER_PAGE = 25


def make_blueprint() -> Blueprint:
    """A new ``space_office`` blueprint with its routes (made afresh for each app)."""
    bp = Blueprint("space_office", __name__, url_prefix="/space-requests")
    bp.add_url_rule("", "pending", pending)
    bp.add_url_rule("/<uuid:space_request_id>", "review", review)
    bp.add_url_rule("/<uuid:space_request_id>/move", "move", move, methods=["POST"])
    bp.add_url_rule("/<uuid:space_request_id>/apply", "apply", apply, methods=["POST"])
    bp.add_url_rule("/<uuid:space_request_id>/decline", "decline", decline, methods=["POST"])
    return bp


def register(app) -> None:
    """Wire the office's side: navigation, the case panel, the subject-data hooks, the blueprint."""
    from integration_centre.space import request_data

    wire()
    request_data.register()
    app.register_blueprint(make_blueprint())


def wire() -> None:
    """The agent's navigation link (with the count of pending requests) and the case page's panel."""
    add_nav_item(
        "space_office.pending",
        _l("Requests from the space"),
        [Role.AGENT],
        order=9,
        description=_l("What persons ask from their own space: another time, a new address or phone."),
        count=lambda: services.pending_count(current_user),
        count_label=lambda n: ngettext("%(num)d waiting", "%(num)d waiting", n),
    )
    panels.register("case", "space_requests", "space/office/_case_panel.html", context=case_panel, order=45)


def _labels() -> dict:
    return {
        "kinds": KIND_LABELS,
        "statuses": STATUS_LABELS,
        "move_reasons": MOVE_REASON_LABELS,
        "decline_reasons": DECLINE_REASON_LABELS,
        "field_labels": CONTACT_FIELD_LABELS,
        "appointment_kinds": AGENDA_KIND_LABELS,
    }


def case_panel(case=None, newcomer=None, **_page) -> dict | None:
    """The person's requests waiting at the agent's office, on the case page."""
    if case is None or getattr(current_user, "role", None) != Role.AGENT or current_user.office_id != case.office_id:
        return None
    items = services.person_pending(current_user, case.person_id)
    confirmed = services.person_confirmed_appointments(current_user, case.person_id)
    return {"space_requests": items, "space_confirmed": confirmed, "space_labels": _labels()}


@roles_required(Role.AGENT)
def pending():
    """The office's requests waiting for a decision (oldest first), with the person's name."""
    listing = db.paginate(
        services.pending_query(current_user), page=request.args.get("page", 1, type=int), per_page=PER_PAGE
    )
    rows = services.office_rows(current_user, list(listing.items))
    db.session.commit()  # the audited read of the names
    return render_template("space/office/pending.html", listing=listing, rows=rows, **_labels())


def _move_form(item, formdata=True) -> MoveForm:
    office_id = current_user.office_id
    form = MoveForm() if formdata else MoveForm(formdata=None)
    form.agent.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(agent.id), agent.display_name) for agent in agenda.office_agents(office_id)
    ]
    form.start.choices = [SelectChoice("", "—"), *time_choices(agenda.settings_of(office_id).slot_minutes)]
    form.room.choices = [SelectChoice("", _("No room"))] + [
        SelectChoice(str(room.id), room.name) for room in agenda.office_rooms(office_id)
    ]
    return form


def _review_page(item, *, move_form=None, apply_form=None, decline_form=None, status: int = 200):
    row = services.office_rows(current_user, [item])[0]
    details = services.read_details(current_user, item)
    context = {"row": row, "item": item, "details": details}
    if item.kind == APPOINTMENT_MOVE:
        if move_form is None:
            move_form = _move_form(item, formdata=False)
            appointment = row.appointment
            if appointment is not None:
                local = appointment.starts_at.astimezone(clock.zone())
                move_form.agent.data = str(appointment.agent_id)
                move_form.room.data = str(appointment.room_id or "")
                move_form.day.data = local.date()
                move_form.start.data = local.strftime("%H:%M")
        context["move_form"] = move_form
        reasons = MOVE_DECLINE_REASONS
    else:
        current, version = services.current_contact(current_user, item)
        apply_form = apply_form or ApplyForm(formdata=None, version=str(version))
        context.update(current=current, apply_form=apply_form)
        reasons = CONTACT_DECLINE_REASONS
    decline_form = decline_form or DeclineForm(formdata=None)
    decline_form.set_reasons(reasons)
    context["decline_form"] = decline_form
    db.session.commit()  # the audited reads
    return render_template("space/office/review.html", **context, **_labels()), status


@roles_required(Role.AGENT)
def review(space_request_id: uuid.UUID):
    """One request: what the person asked, and the actions."""
    return _review_page(services.get_request(current_user, space_request_id))


def _to_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@roles_required(Role.AGENT)
def move(space_request_id: uuid.UUID):
    """Move the appointment to a new time, as the person asked."""
    item = services.get_request(current_user, space_request_id)
    if item.kind != APPOINTMENT_MOVE:
        return redirect(url_for("space_office.review", space_request_id=item.id))
    form = _move_form(item)
    if form.validate_on_submit():

        def act() -> None:
            hours, minutes = (int(part) for part in form.start.data.split(":"))
            services.move_as_requested(
                current_user,
                item,
                starts_at=datetime.combine(form.day.data, time(hours, minutes), tzinfo=clock.zone()),
                minutes=form.minutes.data,
                agent_id=_to_int(form.agent.data),
                room_id=_to_int(form.room.data),
            )

        if perform(act, success=_("The appointment was moved. The person sees it in their space."), form=form):
            return redirect(url_for("space_office.pending"))
        item = services.get_request(current_user, space_request_id)
    return _review_page(item, move_form=form, status=400)


@roles_required(Role.AGENT)
def apply(space_request_id: uuid.UUID):
    """Apply the new contact details to the person's file (the file's edit rules)."""
    item = services.get_request(current_user, space_request_id)
    if item.kind != CONTACT_CHANGE:
        return redirect(url_for("space_office.review", space_request_id=item.id))
    form = ApplyForm()
    if form.validate_on_submit():

        def act() -> None:
            services.apply_contact_change(current_user, item, expected_version=_to_int(form.version.data))

        if perform(act, success=_("The file was updated."), form=form):
            return redirect(url_for("space_office.pending"))
        item = services.get_request(current_user, space_request_id)
    return _review_page(item, apply_form=form, status=400)


@roles_required(Role.AGENT)
def decline(space_request_id: uuid.UUID):
    """Decline the request with a reason the person reads."""
    item = services.get_request(current_user, space_request_id)
    form = DeclineForm()
    form.set_reasons(MOVE_DECLINE_REASONS if item.kind == APPOINTMENT_MOVE else CONTACT_DECLINE_REASONS)
    if form.validate_on_submit():
        if perform(
            lambda: services.decline(current_user, item, form.reason.data),
            success=_("The request was declined. The person sees the reason in their space."),
            form=form,
        ):
            return redirect(url_for("space_office.pending"))
        item = services.get_request(current_user, space_request_id)
    return _review_page(item, decline_form=form, status=400)
