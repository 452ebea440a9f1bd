"""What the person asks of the office: confirm or move an appointment, a new address or phone, a
data-protection request — and the state of what they asked (thin views over ``space.requests``).

Every page is audited under its own purpose; every POST is one transaction (``perform``), carries
the CSRF token, and is rate-limited per person.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from integration_centre.core.requests import perform
from integration_centre.extensions import db, limiter
from integration_centre.privacy.access import access
from integration_centre.space import requests as services
from integration_centre.space import session
from integration_centre.space.models import SpaceLink
from integration_centre.space.request_forms import ConfirmForm, ContactChangeForm, MoveRequestForm, RightsRequestForm
from integration_centre.space.request_labels import (
    APPOINTMENT_LABELS,
    DECLINE_REASON_LABELS,
    KIND_LABELS,
    MOVE_REASON_LABELS,
    RIGHTS_KIND_LABELS,
    STATUS_LABELS,
)
from integration_centre.space.session import person_required

POST_LIMIT = "20/hour"  # a person's requests from the space, per person


def _person_key() -> str:
    """The rate limit's key: the person of the space session (else the address)."""
    person_id = session.current_person_id()
    return f"space-person:{person_id}" if person_id is not None else get_remote_address()


def _office_id(person_id: uuid.UUID) -> int | None:
    record = session.current_session()
    link_office = None
    if record is not None and record.link_id is not None:
        link = db.session.get(SpaceLink, record.link_id)
        link_office = link.office_id if link is not None else None
    return services.person_office_id(person_id, link_office)


def _labels() -> dict:
    return {
        "kinds": KIND_LABELS,
        "statuses": STATUS_LABELS,
        "appointment_kinds": APPOINTMENT_LABELS,
        "move_reasons": MOVE_REASON_LABELS,
        "decline_reasons": DECLINE_REASON_LABELS,
        "rights_kinds": RIGHTS_KIND_LABELS,
    }


@person_required
def requests_page():
    """The person's appointments (confirm or ask to move), what they can ask, what they asked."""
    person_id = session.current_person_id()
    with access(session.person_actor(), "space.requests", [person_id]):
        appointments = services.upcoming_appointments(person_id)
        rows = [
            (item, services.confirmation_of(item) is not None, services.move_request_of(item) is not None)
            for item in appointments
        ]
        asked = services.person_requests(person_id)
    db.session.commit()  # the audit record of this view
    return render_template(
        "space/requests.html", appointments=rows, asked=asked, confirm_form=ConfirmForm(), **_labels()
    )


@limiter.limit(POST_LIMIT, key_func=_person_key, methods=["POST"])
@person_required
def confirm_appointment(appointment_id: uuid.UUID):
    """The person says "I will come"."""
    person_id = session.current_person_id()
    appointment = services.person_appointment(person_id, appointment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        actor = session.person_actor()

        def act() -> None:
            with access(actor, "space.appointment_confirm", [person_id]):
                services.confirm_appointment(actor, person_id, appointment)

        perform(act, success=_("Thank you. The office knows that you will come."))
    return redirect(url_for("space.requests") + "#appointments")


@limiter.limit(POST_LIMIT, key_func=_person_key, methods=["POST"])
@person_required
def move_appointment(appointment_id: uuid.UUID):
    """The person asks to move an appointment: a reason and, optionally, better days."""
    person_id = session.current_person_id()
    actor = session.person_actor()
    appointment = services.person_appointment(person_id, appointment_id)
    form = MoveRequestForm()
    if form.validate_on_submit():

        def act() -> None:
            services.ask_to_move(actor, person_id, appointment, reason=form.reason.data, preferred=form.preferred.data)

        if perform(act, success=_("Your request was sent. The office will answer here."), form=form):
            return redirect(url_for("space.requests") + "#asked")
    with access(actor, "space.appointment_move", [person_id]):
        already = services.move_request_of(appointment) is not None
    db.session.commit()
    return render_template(
        "space/move_request.html", form=form, appointment=appointment, already=already, **_labels()
    ), (400 if form.errors or form.form_errors else 200)


@limiter.limit(POST_LIMIT, key_func=_person_key, methods=["POST"])
@person_required
def contact_change():
    """The person tells the office a new address, phone or e-mail (the office checks it first)."""
    person_id = session.current_person_id()
    actor = session.person_actor()
    form = ContactChangeForm()
    if form.validate_on_submit():

        def act() -> None:
            services.report_contact_change(
                actor,
                person_id,
                _office_id(person_id),
                address=form.address.data,
                phone=form.phone.data,
                email=form.email.data,
            )

        if perform(act, success=_("Thank you. The office will check it. Then it changes in your file."), form=form):
            return redirect(url_for("space.requests") + "#asked")
    with access(actor, "space.contact_change", [person_id]):
        waiting = services.person_has_pending_contact(person_id)
    db.session.commit()
    return render_template("space/contact_change.html", form=form, waiting=waiting), (
        400 if form.errors or form.form_errors else 200
    )


@limiter.limit(POST_LIMIT, key_func=_person_key, methods=["POST"])
@person_required
def rights_request():
    """The person asks for a copy of their data, or a correction (the data protection officer answers)."""
    person_id = session.current_person_id()
    actor = session.person_actor()
    form = RightsRequestForm()
    if form.validate_on_submit():

        def act() -> None:
            services.file_rights_request(
                actor, person_id, _office_id(person_id), kind=form.kind.data, details=form.details.data
            )

        if perform(act, success=_("Your request was sent. The answer comes within one month."), form=form):
            return redirect(url_for("space.requests") + "#asked")
    with access(actor, "space.rights_request", [person_id]):
        pass  # the page shows nothing of the file: the view itself is audited
    db.session.commit()
    return render_template("space/rights_request.html", form=form), (400 if form.errors or form.form_errors else 200)


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes to the space blueprint."""
    blueprint.add_url_rule("/requests", "requests", requests_page)
    blueprint.add_url_rule(
        "/appointments/<uuid:appointment_id>/confirm",
        "confirm_appointment",
        confirm_appointment,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/appointments/<uuid:appointment_id>/move",
        "move_appointment",
        move_appointment,
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule("/contact", "contact_change", contact_change, methods=["GET", "POST"])
    blueprint.add_url_rule("/data-request", "rights_request", rights_request, methods=["GET", "POST"])
