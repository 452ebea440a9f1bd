"""The agenda and the persons announced by a commune: what the announced list reads (the next
booked reception appointment, the no-show signal), the anonymous facts the agenda emits (wait to
the first reception appointment, presentation within the duty-to-present date or late, no-shows,
interpreter languages) and opening the case from a reception appointment the person came to.

Facts go through ``pathway.presentation.emit_person_event`` (statistical attributes only); the
wait and the lateness are measured from the announcement date, read in an audited access.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import Office, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import (
    ACTIVE_STATUSES,
    ATTENDED,
    NO_SHOW,
    RECEPTION,
    Appointment,
    NoncomplianceSignal,
)
from integration_centre.extensions import db
from integration_centre.pathway import presentation
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy.access import access

ENTRY_CHANNEL = "commune"  # a person announced by the commune's list


class OfficeAgendaReader(presentation.AgendaReader):
    """The agenda's answers to the announced list (file ids and times only)."""

    def booked(self, person_ids: list, office_id: int) -> dict:
        rows = db.session.execute(
            select(Appointment.person_id, func.min(Appointment.starts_at))
            .where(
                Appointment.person_id.in_(person_ids),
                Appointment.office_id == office_id,
                Appointment.kind == RECEPTION,
                Appointment.status.in_(ACTIVE_STATUSES),
            )
            .group_by(Appointment.person_id)
        ).all()
        return dict(rows)

    def signalled(self, person_ids: list, office_id: int) -> set:
        return set(
            db.session.scalars(
                select(NoncomplianceSignal.person_id).where(
                    NoncomplianceSignal.person_id.in_(person_ids), NoncomplianceSignal.office_id == office_id
                )
            )
        )


def register() -> None:
    """Install the reader (called by ``agenda.register``)."""
    presentation.register_agenda_reader(OfficeAgendaReader())


def _local_day(instant: datetime):
    return instant.astimezone(clock.zone()).date()


def _earlier_reception(appointment: Appointment, statuses) -> bool:
    return (
        db.session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.person_id == appointment.person_id,
                Appointment.kind == RECEPTION,
                Appointment.id != appointment.id,
                Appointment.status.in_(statuses),
            )
        )
        > 0
    )


def on_booked(actor: User, appointment: Appointment) -> None:
    """Facts of a booking: the interpreter language asked; for the person's first reception
    appointment, the wait from the announcement (a days band)."""
    newcomer = db.session.get(Newcomer, appointment.person_id)
    office = db.session.get(Office, appointment.office_id)
    day = _local_day(appointment.starts_at)
    today = clock.today()
    if appointment.interpreter_language:
        presentation.emit_person_event(
            actor, newcomer, office, "interpreter_requested", on=today, reason=appointment.interpreter_language
        )
    if appointment.kind != RECEPTION or _earlier_reception(appointment, (*ACTIVE_STATUSES, ATTENDED, NO_SHOW)):
        return
    with access(actor, "agenda.statistics", [newcomer.id]):
        announced = presentation.presentation_of(newcomer, office, today=today).announced_on
    if announced is not None and day >= announced:
        band = presentation.wait_band((day - announced).days)
        presentation.emit_person_event(actor, newcomer, office, "first_appointment_booked", on=today, reason=band)


def on_attendance(actor: User, appointment: Appointment) -> None:
    """Facts of an attendance: a no-show (by appointment kind); the person's first reception
    appointment attended, within the duty-to-present date or late."""
    newcomer = db.session.get(Newcomer, appointment.person_id)
    office = db.session.get(Office, appointment.office_id)
    day = _local_day(appointment.starts_at)
    if appointment.status == NO_SHOW:
        presentation.emit_person_event(actor, newcomer, office, "appointment_no_show", on=day, reason=appointment.kind)
        return
    if appointment.kind != RECEPTION or _earlier_reception(appointment, (ATTENDED,)):
        return
    with access(actor, "agenda.statistics", [newcomer.id]):
        due = presentation.presentation_of(newcomer, office, today=day).due_on
    if due is not None:
        outcome = "within_deadline" if day <= due else "late"
        presentation.emit_person_event(actor, newcomer, office, "presentation_recorded", on=day, reason=outcome)


def can_open_case(actor: User, appointment: Appointment) -> bool:
    """The person came to this reception appointment and has no active case: the case may open."""
    return (
        can_see_office(actor, appointment.office_id)
        and appointment.kind == RECEPTION
        and appointment.status == ATTENDED
        and appointment.case_id is None
        and db.session.scalar(
            select(Case.id)
            .where(Case.person_id == appointment.person_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
            .limit(1)
        )
        is None
    )


def open_case_from_appointment(actor: User, appointment: Appointment) -> Case:
    """Open the person's case from the reception appointment they came to, in one action: the
    pathway's case opening (definition, obligation status from the person's file), on the
    appointment's day, entry service "commune"; the appointment is linked to the new case."""
    require(can_see_office(actor, appointment.office_id))
    if appointment.kind != RECEPTION or appointment.status != ATTENDED:
        raise AgendaError(_("A case opens from a reception appointment the person came to."))
    if appointment.case_id is not None:
        raise AgendaError(_("This appointment is already linked to a case."))
    newcomer = db.session.get(Newcomer, appointment.person_id)
    office = db.session.get(Office, appointment.office_id)
    case = pathway.open_case(
        actor, newcomer, office=office, on=_local_day(appointment.starts_at), entry_channel=ENTRY_CHANNEL
    )
    appointment.case_id = case.id
    pathway.flush_or_conflict()
    return case
