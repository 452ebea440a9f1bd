"""Attendance: the person came or did not. A no-show is written to the case's timeline, and
repeated no-shows (the office's ``no_show_threshold``, 2 by default) make the person eligible for
the non-compliance procedure: recorded once per person and office as a ``NoncomplianceSignal``
with its timeline entry. The procedure itself stays the workspace's (``workspace.noncompliance``).
"""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda import presentation, rules
from integration_centre.agenda.booking import lock_session, set_status
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import ACTIVE_STATUSES, ATTENDED, NO_SHOW, Appointment, NoncomplianceSignal
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES

NO_SHOW_ACTION = "agenda.no_show"
ELIGIBLE_ACTION = "agenda.noncompliance_eligible"


def record_attendance(actor: User, appointment: Appointment, attended: bool) -> Appointment:
    """Record that the person came (``attended``) or did not (``no_show``), once the
    appointment has started."""
    require(can_see_office(actor, appointment.office_id))
    if appointment.status not in ACTIVE_STATUSES:
        raise AgendaError(_("Attendance is recorded only for a booked appointment."))
    if appointment.starts_at > clock.utcnow():
        raise AgendaError(_("Attendance is recorded once the appointment has started."))
    if appointment.session_id is not None:
        lock_session(appointment.session_id)  # the seat's session is read consistently
    set_status(appointment, actor, ATTENDED if attended else NO_SHOW)
    if not attended:
        _no_show(actor, appointment)
    presentation.on_attendance(actor, appointment)  # the anonymous facts (issue 18)
    pathway.flush_or_conflict()
    return appointment


def timeline_case(appointment: Appointment) -> Case | None:
    """The case whose timeline tells about the appointment: its own, else the person's active
    case at the office (a person announced but without a case has none)."""
    if appointment.case_id is not None:
        return db.session.get(Case, appointment.case_id)
    return db.session.scalars(
        select(Case)
        .where(
            Case.person_id == appointment.person_id,
            Case.office_id == appointment.office_id,
            Case.status.in_(ACTIVE_CASE_STATUSES),
        )
        .order_by(Case.opened_on.desc())
        .limit(1)
    ).first()


def _no_show(actor: User, appointment: Appointment) -> None:
    case = timeline_case(appointment)
    if case is not None:
        pathway.add_timeline_entry(actor, case, NO_SHOW_ACTION, to_state=NO_SHOW)
    db.session.flush()
    count = no_show_count(appointment.person_id, appointment.office_id)
    threshold = rules.settings_of(appointment.office_id).no_show_threshold
    if count < threshold or noncompliance_signal(appointment.person_id, appointment.office_id) is not None:
        return
    db.session.add(
        NoncomplianceSignal(
            person_id=appointment.person_id,
            office_id=appointment.office_id,
            case_id=case.id if case else None,
            appointment_id=appointment.id,
            no_shows=count,
            raised_at=clock.utcnow(),
            raised_by_id=actor.id,
        )
    )
    if case is not None:
        pathway.timeline_entry(actor, case, ELIGIBLE_ACTION)


def no_show_count(person_id: uuid.UUID, office_id: int) -> int:
    """How many appointments the person missed at the office."""
    return db.session.scalar(
        select(func.count(Appointment.id)).where(
            Appointment.person_id == person_id, Appointment.office_id == office_id, Appointment.status == NO_SHOW
        )
    )


def noncompliance_signal(person_id: uuid.UUID, office_id: int) -> NoncomplianceSignal | None:
    """The recorded signal of repeated no-shows of the person at the office, if any."""
    return db.session.scalars(
        select(NoncomplianceSignal).where(
            NoncomplianceSignal.person_id == person_id, NoncomplianceSignal.office_id == office_id
        )
    ).first()


def noncompliance_eligible(person_id: uuid.UUID, office_id: int) -> bool:
    """True when the person missed at least the office's threshold of appointments: the
    non-compliance procedure may be opened (its own rules still apply)."""
    return no_show_count(person_id, office_id) >= rules.settings_of(office_id).no_show_threshold
