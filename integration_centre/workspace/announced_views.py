"""The office's persons announced by a commune and not yet presented: the list, one person's
page (timeline, reminder, booking link) and the non-compliance procedure without a case.
Thin: the rules are in ``workspace.announced`` and ``workspace.noncompliance``."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from integration_centre import clock
from integration_centre.accounts.models import Office, Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.pathway import presentation
from integration_centre.privacy.access import access
from integration_centre.workspace import announced, noncompliance, noncompliance_steps
from integration_centre.workspace.labels import PERSON_EVENT_LABELS
from integration_centre.workspace.views import bp, to_int

BLUEPRINTS = (bp,)


class ReminderForm(FlaskForm):
    """Send a reminder (the CSRF token only)."""


def register_navigation() -> None:
    """The agent's link to the list."""
    add_nav_item("workspace.announced_list", _l("Announced, not presented"), [Role.AGENT], order=15)


@bp.get("/announced")
@roles_required(Role.AGENT)
def announced_list():
    """The office's announced persons without a case, by duty-to-present date."""
    sort = request.args.get("sort", "due")
    result = announced.announced_list(current_user, sort=sort, page=to_int(request.args.get("page")) or 1)
    return render_template("workspace/announced_list.html", result=result, today=clock.today())


def _person_page(newcomer, **context):
    office = db.session.get(Office, newcomer.registered_by_office_id)
    with access(current_user, "announced.person", [newcomer.id]):
        duty = presentation.presentation_of(newcomer, office)
        has_email = bool(newcomer.email)
    reader = presentation.agenda()
    return render_template(
        "workspace/announced_person.html",
        person=newcomer,
        duty=duty,
        has_email=has_email,
        name=announced.display_name(current_user, newcomer),
        booked_at=reader.booked([newcomer.id], office.id).get(newcomer.id),
        signalled=newcomer.id in reader.signalled([newcomer.id], office.id),
        may_start=noncompliance.may_start(current_user, newcomer),
        procedure=noncompliance.open_procedure_of(noncompliance.subject_of(current_user, newcomer)),
        timeline=announced.timeline_of(newcomer),
        event_labels=PERSON_EVENT_LABELS,
        today=clock.today(),
        reminder_form=context.pop("reminder_form", None) or ReminderForm(),
        **context,
    )


@bp.get("/announced/<uuid:person_id>")
@roles_required(Role.AGENT)
def announced_person(person_id: uuid.UUID):
    """One announced person: duty-to-present date, appointment, reminders, procedure."""
    return _person_page(announced.announced_person(current_user, person_id))


@bp.post("/announced/<uuid:person_id>/reminder")
@roles_required(Role.AGENT)
def announced_reminder(person_id: uuid.UUID):
    """Send the person a reminder by e-mail (through the outbox)."""
    newcomer = announced.announced_person(current_user, person_id)
    form = ReminderForm()
    if form.validate_on_submit() and perform(
        lambda: announced.send_reminder(current_user, newcomer), success=_("The reminder was queued for sending.")
    ):
        return redirect(url_for("workspace.announced_person", person_id=person_id))
    return _person_page(newcomer, reminder_form=form), 400 if form.errors else 200


@bp.route("/announced/<uuid:person_id>/noncompliance", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def announced_noncompliance(person_id: uuid.UUID):
    """The non-compliance procedure of a person without a case (the same steps as for a case)."""
    newcomer = announced.announced_person(current_user, person_id)
    subject = noncompliance.subject_of(current_user, newcomer)
    procedure = noncompliance.open_procedure_of(subject)
    step = noncompliance_steps.current_step(current_user, newcomer, procedure)
    if step.form.validate_on_submit() and perform(step.submit, success=step.success, form=step.form):
        return redirect(url_for("workspace.announced_person", person_id=person_id))
    return render_template(
        "workspace/noncompliance.html", case=None, person=newcomer, name=announced.display_name(current_user, newcomer),
        form=step.form, forms=step.forms, stage=step.stage, procedure=procedure,
        procedures=noncompliance.procedures_of(newcomer),
        labels=noncompliance.NONCOMPLIANCE_LABELS, outcomes=noncompliance.OUTCOME_LABELS,
    )  # fmt: skip
