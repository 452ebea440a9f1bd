"""What the person sees in their space: home, steps, appointments, documents, contacts, the
privacy notice and who accessed their file. Thin views: each reads through a service under its
own audit purpose (``space.<page>``) for the session's person only."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, render_template, request

from integration_centre.privacy.access import access
from integration_centre.space import access_log, appointments, contacts, documents, overview, pathway_view, session
from integration_centre.space.privacy_notice import notice_for_person
from integration_centre.space.session import person_required

PURPOSES = {
    "home": "space.home",
    "steps": "space.steps",
    "appointments": "space.appointments",
    "documents": "space.documents",
    "document_download": "space.document_download",
    "contacts": "space.contacts",
    "access_log": "space.access_log",
    "privacy": "space.privacy",
}


def _who():
    return session.person_actor(), session.current_person_id()


@person_required
def home():
    """The space's home page: greeting, next appointment, what to do next, the other pages."""
    actor, person_id = _who()
    return render_template("space/home.html", overview=overview.overview(actor, person_id, PURPOSES["home"]))


@person_required
def steps():
    """The steps done and to come, with their hours, and the deadlines."""
    actor, person_id = _who()
    purpose = PURPOSES["steps"]
    return render_template(
        "space/steps.html",
        steps=pathway_view.steps_of(actor, person_id, purpose),
        deadlines=pathway_view.deadlines_of(actor, person_id, purpose),
    )


@person_required
def appointments_page():
    """The coming appointments: when, where, interpreter."""
    actor, person_id = _who()
    items = appointments.appointments_of(actor, person_id, PURPOSES["appointments"])
    return render_template("space/appointments.html", appointments=items)


@person_required
def documents_page():
    """The documents to download."""
    actor, person_id = _who()
    with access(actor, PURPOSES["documents"], [person_id]):
        items = documents.documents_of(person_id)
    return render_template("space/documents.html", documents=items)


@person_required
def document_download(kind: str, document_id: uuid.UUID):
    """One of the person's documents as a PDF; 404 when it is not theirs."""
    actor, person_id = _who()
    found = documents.download(actor, person_id, kind, document_id, PURPOSES["document_download"])
    if found is None:
        abort(404)
    body, filename = found
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@person_required
def contacts_page():
    """The reception office and the partner organisations of the person's referrals."""
    actor, person_id = _who()
    office, partners = contacts.contacts_of(actor, person_id, PURPOSES["contacts"])
    return render_template("space/contacts.html", office=office, partners=partners)


@person_required
def access_log_page():
    """Who accessed the file and why (roles and organisations, never names), page by page."""
    actor, person_id = _who()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result = access_log.access_log(actor, person_id, PURPOSES["access_log"], page=page)
    return render_template("space/access_log.html", result=result)


@person_required
def privacy():
    """The privacy notice: what the centre keeps, why, how long, the person's rights."""
    actor, person_id = _who()
    with access(actor, PURPOSES["privacy"], [person_id]):
        item = notice_for_person()
    return render_template("space/privacy.html", notice=item)


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes to the space blueprint."""
    blueprint.add_url_rule("/", "home", home)
    blueprint.add_url_rule("/steps", "steps", steps)
    blueprint.add_url_rule("/appointments", "appointments", appointments_page)
    blueprint.add_url_rule("/documents", "documents", documents_page)
    blueprint.add_url_rule("/documents/<kind>/<uuid:document_id>.pdf", "document_download", document_download)
    blueprint.add_url_rule("/contacts", "contacts", contacts_page)
    blueprint.add_url_rule("/access-log", "access_log", access_log_page)
    blueprint.add_url_rule("/privacy", "privacy", privacy)
