"""Interpreters for appointments: the request to the social-interpreting service and its answer.

When an appointment needing an interpreter is booked, a request is recorded and an e-mail queued
in the outbox (``core.outbox``) to the service's address (``INTEGRATION_CENTRE_INTERPRETER_SERVICE_EMAIL``).
The e-mail carries the request's reference, the date and time, the duration, the office's name
and address and the language — never the person's name, national number or file number: the
interpreter meets the person at the office. A move sends an update (and the request waits for a
new confirmation); a cancellation sends a cancellation. The agent records the service's answer
(confirmed or refused), shown on the appointment and, while it waits, in the agenda's day and week.

The e-mails are in French, the service's working language, whatever the agent's language.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import (
    INTERPRETER_CANCELLED,
    INTERPRETER_CONFIRMED,
    INTERPRETER_REFUSED,
    INTERPRETER_REQUESTED,
    Appointment,
    InterpreterRequest,
)
from integration_centre.core import outbox
from integration_centre.extensions import db
from integration_centre.pathway import reference as pathway_reference

SERVICE_LOCALE = "fr"
REQUEST, UPDATE, CANCELLATION = "request", "update", "cancellation"


def request_of(appointment: Appointment) -> InterpreterRequest | None:
    """The appointment's interpreter request, if any."""
    return db.session.scalar(select(InterpreterRequest).where(InterpreterRequest.appointment_id == appointment.id))


def requests_of(appointment_ids: Iterable) -> dict:
    """The interpreter requests of several appointments, by appointment id (one query)."""
    ids = list(appointment_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(InterpreterRequest).where(InterpreterRequest.appointment_id.in_(ids)))
    return {row.appointment_id: row for row in rows}


def pending_for_office(office_id: int, since, until) -> list[InterpreterRequest]:
    """The office's requests still waiting for the service's answer, for appointments in [since, until)."""
    return list(
        db.session.scalars(
            select(InterpreterRequest)
            .join(Appointment, Appointment.id == InterpreterRequest.appointment_id)
            .where(
                InterpreterRequest.office_id == office_id,
                InterpreterRequest.status == INTERPRETER_REQUESTED,
                Appointment.starts_at >= since,
                Appointment.starts_at < until,
            )
            .order_by(Appointment.starts_at)
        )
    )


def _new_reference() -> str:
    while True:
        candidate = f"INT-{secrets.token_hex(4).upper()}"
        if db.session.scalar(select(InterpreterRequest.id).where(InterpreterRequest.reference == candidate)) is None:
            return candidate


def message_text(item: InterpreterRequest, appointment: Appointment, kind: str) -> tuple[str, str]:
    """(subject, body) of the e-mail to the service, in French: no name, no number of the person."""
    office = appointment.office
    local = appointment.starts_at.astimezone(clock.zone())
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    with force_locale(SERVICE_LOCALE):
        subjects = {
            REQUEST: _("Interpreter request %(reference)s", reference=item.reference),
            UPDATE: _("Interpreter request %(reference)s: new time", reference=item.reference),
            CANCELLATION: _("Interpreter request %(reference)s: cancelled", reference=item.reference),
        }
        intros = {
            REQUEST: _("We ask for an interpreter for an appointment at our office."),
            UPDATE: _("The appointment of this request was moved: please confirm the new time."),
            CANCELLATION: _("The appointment of this request was cancelled: the interpreter is no longer needed."),
        }
        lines = [
            intros[kind],
            "",
            _("Reference: %(reference)s", reference=item.reference),
            _("Date: %(date)s", date=format_date(local.date(), "full", locale=SERVICE_LOCALE)),
            _("Time: %(time)s", time=local.strftime("%H:%M")),
            _("Duration: %(minutes)d minutes", minutes=minutes),
            _("Language: %(language)s", language=pathway_reference.language_name(item.language, SERVICE_LOCALE)),
            _("Place: %(office)s, %(address)s", office=office.name, address=office.address or "—"),
            "",
            _("Please answer with the reference only; no personal data is sent by e-mail."),
        ]
        return subjects[kind], "\n".join(lines)


def _queue(item: InterpreterRequest, appointment: Appointment, kind: str) -> None:
    address = current_app.config.get("INTERPRETER_SERVICE_EMAIL")
    if not address:
        return  # not configured: the agent sees the request as not sent and calls the service
    subject, body = message_text(item, appointment, kind)
    outbox.enqueue(address, subject, body)
    item.messages_sent += 1


def on_booked(appointment: Appointment) -> InterpreterRequest | None:
    """Record and send the request when the booked appointment needs an interpreter."""
    if not appointment.interpreter_required or not appointment.interpreter_language:
        return None
    db.session.flush()
    item = InterpreterRequest(
        appointment_id=appointment.id,
        office_id=appointment.office_id,
        reference=_new_reference(),
        language=appointment.interpreter_language,
        status=INTERPRETER_REQUESTED,
        messages_sent=0,
        requested_at=clock.utcnow(),
    )
    db.session.add(item)
    _queue(item, appointment, REQUEST)
    db.session.flush()
    return item


def on_moved(appointment: Appointment) -> None:
    """Send the new time; the request waits for the service's confirmation again."""
    item = request_of(appointment)
    if item is None or item.status == INTERPRETER_CANCELLED:
        return
    item.status = INTERPRETER_REQUESTED
    item.answered_at = item.answered_by_id = None
    _queue(item, appointment, UPDATE)
    db.session.flush()


def on_cancelled(appointment: Appointment) -> None:
    """Tell the service the interpreter is no longer needed."""
    item = request_of(appointment)
    if item is None or item.status in (INTERPRETER_CANCELLED, INTERPRETER_REFUSED):
        if item is not None:
            item.status = INTERPRETER_CANCELLED
        return
    item.status = INTERPRETER_CANCELLED
    _queue(item, appointment, CANCELLATION)
    db.session.flush()


def record_answer(actor: User, appointment: Appointment, confirmed: bool) -> InterpreterRequest:
    """Record the service's answer (confirmed or refused) to the appointment's request.

    An agent of the appointment's office only; a cancelled request takes no answer."""
    require(actor.role == Role.AGENT and can_see_office(actor, appointment.office_id))
    item = request_of(appointment)
    if item is None:
        raise AgendaError(_("This appointment has no interpreter request."))
    if item.status == INTERPRETER_CANCELLED:
        raise AgendaError(_("This interpreter request is cancelled."))
    item.status = INTERPRETER_CONFIRMED if confirmed else INTERPRETER_REFUSED
    item.answered_at = clock.utcnow()
    item.answered_by_id = actor.id
    db.session.flush()
    return item
