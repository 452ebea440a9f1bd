"""Appointment reminders by e-mail and text message, through the outbox, in the person's language.

``send_appointment_reminders(now)`` queues one reminder per active appointment starting within
``REMINDER_DAYS_BEFORE`` days (and not yet reminded for its current time: a moved appointment is
reminded again). The worker calls it; ``integration-centre agenda remind`` runs it by hand.

What a reminder says is the minimum: date, time, office (name and address) and file number — no
name, in the text message as in the e-mail. The person's address and phone number are read from
the encrypted file under an audited system access and sealed again in the outbox
(``core.outbox.enqueue_personal``); nothing is written in clear.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select

from integration_centre import clock
from integration_centre.agenda import letters
from integration_centre.agenda.convocation import office_address
from integration_centre.agenda.feed import file_number
from integration_centre.agenda.letters import marked as _
from integration_centre.agenda.models import ACTIVE_STATUSES, Appointment, AppointmentReminder
from integration_centre.core import outbox
from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import restrictions
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.privacy.errors import PrivacyError

REMINDER_PURPOSE = "agenda.reminder"


def reminder_text(appointment: Appointment, language: str) -> tuple[str, str, str]:
    """(e-mail subject, e-mail body, text message) of the reminder in ``language``."""
    message = letters.translate(
        language,
        _("Reminder: appointment on %(date)s at %(time)s, %(office)s, %(address)s. File %(number)s."),
        date=letters.local_date(appointment.starts_at, language),
        time=letters.local_time(appointment.starts_at),
        office=appointment.office.name,
        address=office_address(appointment, language) or "—",
        number=file_number(appointment.person_id),
    )
    body = f"{message}\n\n{letters.translate(language, _('If you cannot come, call the office.'))}"
    return letters.translate(language, _("Appointment reminder")), body, message


def _queue(appointment: Appointment, person: Newcomer) -> list[str]:
    language = letters.letter_language(person.preferred_language) or "fr"
    subject, body, text = reminder_text(appointment, language)
    channels = []
    if person.email:
        outbox.enqueue_personal(person.id, outbox.EMAIL, person.email, subject, body)
        channels.append("email")
    if person.phone:
        outbox.enqueue_personal(person.id, outbox.SMS, person.phone, subject, text)
        channels.append("sms")
    return channels


def due_appointments(now: datetime) -> list[Appointment]:
    """Active appointments starting in (now, now + N days] without a reminder for that time (not
    those of a restricted file)."""
    horizon = now + timedelta(days=int(current_app.config.get("REMINDER_DAYS_BEFORE") or 2))
    reminded = select(AppointmentReminder.id).where(
        and_(
            AppointmentReminder.appointment_id == Appointment.id,
            AppointmentReminder.starts_at == Appointment.starts_at,
        )
    )
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at > now,
                Appointment.starts_at <= horizon,
                ~reminded.exists(),
                restrictions.not_restricted(Appointment.person_id),  # GDPR Art. 18: no processing
            )
            .order_by(Appointment.starts_at)
        )
    )


def send_appointment_reminders(now: datetime | None = None) -> int:
    """Queue the due reminders (e-mail and/or SMS, as the file allows); returns how many
    appointments were reminded. Flushes; the caller commits."""
    now = now or clock.utcnow()
    due = due_appointments(now)
    if not due:
        return 0
    with access(Actor.system("reminders"), REMINDER_PURPOSE, {a.person_id for a in due}):
        for appointment in due:
            person = db.session.get(Newcomer, appointment.person_id)
            try:
                channels = _queue(appointment, person) if person is not None else []
            except PrivacyError:  # an erased file: nobody to remind
                channels = []
            db.session.add(
                AppointmentReminder(
                    appointment_id=appointment.id,
                    starts_at=appointment.starts_at,
                    channels="+".join(channels) or "none",
                    queued_at=now,
                )
            )
    db.session.flush()
    return len(due)
