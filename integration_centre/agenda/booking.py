"""Booking, moving and cancelling appointments and group sessions: the agenda's rules in one place.

Every function checks the actor's reach, applies the rule and flushes; the caller commits once
(``core.requests.perform``), so each call is one transaction. Double bookings are refused under
row locks taken in a fixed order — the agent's account row, then the room row (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite has one writer at a time) — so two concurrent bookings of one agent
or one room cannot both pass the overlap check. A group session's seats are counted under a lock
of the session row: of two concurrent bookings of its last seat exactly one succeeds.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda import interpreters, presentation, rules
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import (
    ACTIVE_STATUSES,
    BOOKED,
    CANCELLED,
    GROUP_SESSION,
    INDIVIDUAL_KINDS,
    MOVED,
    AgendaRoom,
    Appointment,
    GroupSession,
)
from integration_centre.extensions import db
from integration_centre.pathway import reference
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy.access import access

CANCEL_REASONS = ("person_request", "office", "duplicate", "other")
UNCHANGED = object()  # ``move``: keep the agent or the room


# --- loading, within the actor's reach (404 otherwise) ---------------------------------------


def get_appointment(actor: User, appointment_id: uuid.UUID | str) -> Appointment:
    """The appointment, when it belongs to the actor's office (404 otherwise)."""
    appointment = db.session.get(Appointment, parse_id(appointment_id))
    require(appointment is not None and can_see_office(actor, appointment.office_id))
    return appointment


def get_session(actor: User, session_id: uuid.UUID | str) -> GroupSession:
    """The group session, when it belongs to the actor's office (404 otherwise)."""
    session = db.session.get(GroupSession, parse_id(session_id))
    require(session is not None and can_see_office(actor, session.office_id))
    return session


def parse_id(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _office(actor: User) -> Office:
    require(actor.role == Role.AGENT and actor.office_id is not None)
    office = db.session.get(Office, actor.office_id)
    require(office is not None and can_see_office(actor, office.id))
    return office


def _agent(office: Office, agent_id: int | None) -> User:
    agent = db.session.get(User, agent_id) if agent_id is not None else None
    if agent is None or agent.role != Role.AGENT or agent.office_id != office.id or not agent.is_enabled:
        raise AgendaError(_("Choose an agent of the office."), "agent_id")
    return agent


def _room(office: Office, room_id: int | None) -> AgendaRoom | None:
    if room_id is None:
        return None
    room = db.session.get(AgendaRoom, room_id)
    if room is None or room.office_id != office.id or not room.is_active:
        raise AgendaError(_("Choose a room of the office."), "room_id")
    return room


def _person(actor: User, person_id: uuid.UUID | str) -> Newcomer:
    person = db.session.get(Newcomer, parse_id(person_id)) if parse_id(person_id) else None
    require(person_visible_to(actor, person))
    return person


def _case(actor: User, person: Newcomer, case_id: uuid.UUID | str | None) -> Case | None:
    if case_id is None:
        return None
    case = db.session.get(Case, parse_id(case_id)) if parse_id(case_id) else None
    require(can_see_case(actor, case))
    if case.person_id != person.id:
        raise AgendaError(_("This case is not the person's."), "case_id")
    if case.status not in ACTIVE_CASE_STATUSES:
        raise AgendaError(_("This case is no longer active."), "case_id")
    return case


def _interpreter(actor: User, person: Newcomer, required: bool, language: str | None) -> str | None:
    """The interpreter's language code: the one given, else the one of the person's file."""
    if not required:
        return None
    if not language:
        with access(actor, "agenda.interpreter", [person.id]):
            language = person.interpreter_language
    if not language or not reference.is_valid_language(language):
        raise AgendaError(_("Choose the interpreter's language."), "interpreter_language")
    return language


# --- locks and overlaps ---------------------------------------------------------------------


def _lock(agent_ids: list[int], room_ids: list[int | None]) -> None:
    """Lock the agents' rows, then the rooms' rows, each in id order (no deadlock between two
    bookings that lock the same rows)."""
    for agent_id in sorted(set(agent_ids)):
        db.session.execute(select(User.id).where(User.id == agent_id).with_for_update())
    for room_id in sorted({r for r in room_ids if r is not None}):
        db.session.execute(select(AgendaRoom.id).where(AgendaRoom.id == room_id).with_for_update())


def lock_session(session_id: uuid.UUID) -> GroupSession:
    return db.session.scalars(
        select(GroupSession)
        .where(GroupSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _overlapping_appointment(starts_at: datetime, ends_at: datetime):
    return (
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )


def _overlapping_session(starts_at: datetime, ends_at: datetime):
    return (
        GroupSession.status.in_(ACTIVE_STATUSES),
        GroupSession.starts_at < ends_at,
        GroupSession.ends_at > starts_at,
    )


def _taken(column_appointment, column_session, value, starts_at, ends_at, *, appointment_id=None, session_id=None):
    """True when ``value`` (an agent or a room) holds an individual appointment or a group
    session overlapping [starts_at, ends_at) other than the ones excluded."""
    individual = select(func.count(Appointment.id)).where(
        column_appointment == value, Appointment.session_id.is_(None), *_overlapping_appointment(starts_at, ends_at)
    )
    if appointment_id is not None:
        individual = individual.where(Appointment.id != appointment_id)
    grouped = select(func.count(GroupSession.id)).where(
        column_session == value, *_overlapping_session(starts_at, ends_at)
    )
    if session_id is not None:
        grouped = grouped.where(GroupSession.id != session_id)
    return bool(db.session.scalar(individual)) or bool(db.session.scalar(grouped))


def _check_free(
    agent: User,
    room: AgendaRoom | None,
    starts_at: datetime,
    ends_at: datetime,
    *,
    person_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> None:
    exclude = {"appointment_id": appointment_id, "session_id": session_id}
    if _taken(Appointment.agent_id, GroupSession.agent_id, agent.id, starts_at, ends_at, **exclude):
        raise AgendaError(_("The agent already has an appointment at this time."), "agent_id", code="conflict")
    if room is not None and _taken(Appointment.room_id, GroupSession.room_id, room.id, starts_at, ends_at, **exclude):
        raise AgendaError(_("The room is already taken at this time."), "room_id", code="conflict")
    if person_id is not None and _person_taken(person_id, starts_at, ends_at, appointment_id=appointment_id):
        raise AgendaError(_("The person already has an appointment at this time."), "starts_at", code="conflict")


def _person_taken(person_id, starts_at, ends_at, *, appointment_id=None) -> bool:
    query = select(func.count(Appointment.id)).where(
        Appointment.person_id == person_id, *_overlapping_appointment(starts_at, ends_at)
    )
    if appointment_id is not None:
        query = query.where(Appointment.id != appointment_id)
    return bool(db.session.scalar(query))


def set_status(appointment: Appointment, actor: User, status: str) -> None:
    appointment.status = status
    appointment.status_changed_at = clock.utcnow()
    appointment.status_changed_by_id = actor.id


# --- individual appointments ----------------------------------------------------------------


def book(
    actor: User,
    *,
    kind: str,
    person_id: uuid.UUID | str,
    agent_id: int,
    starts_at: datetime,
    minutes: int | None = None,
    room_id: int | None = None,
    case_id: uuid.UUID | str | None = None,
    interpreter_required: bool = False,
    interpreter_language: str | None = None,
) -> Appointment:
    """Book an individual appointment (reception, social assessment, evaluation interview) of a
    person with an agent of the actor's office, in a room or not."""
    office = _office(actor)
    if kind not in INDIVIDUAL_KINDS:
        raise AgendaError(_("Choose the kind of appointment."), "kind")
    person = _person(actor, person_id)
    case = _case(actor, person, case_id)
    agent = _agent(office, agent_id)
    room = _room(office, room_id)
    settings = rules.settings_of(office.id)
    ends_at = starts_at + rules.duration_for(kind, minutes, settings.slot_minutes)
    rules.check_time(office, starts_at, ends_at, settings.slot_minutes)
    language = _interpreter(actor, person, interpreter_required, interpreter_language)
    _lock([agent.id], [room.id if room else None])
    _check_free(agent, room, starts_at, ends_at, person_id=person.id)
    appointment = Appointment(
        office_id=office.id,
        kind=kind,
        agent_id=agent.id,
        room_id=room.id if room else None,
        person_id=person.id,
        case_id=case.id if case else None,
        starts_at=starts_at,
        ends_at=ends_at,
        interpreter_required=bool(interpreter_required),
        interpreter_language=language,
        status=BOOKED,
        booked_by_id=actor.id,
        status_changed_by_id=actor.id,
    )
    db.session.add(appointment)
    db.session.flush()
    interpreters.on_booked(appointment)
    presentation.on_booked(actor, appointment)  # the anonymous facts (issue 18)
    return appointment


def move(
    actor: User,
    appointment: Appointment,
    *,
    starts_at: datetime,
    minutes: int | None = None,
    agent_id: int | object = UNCHANGED,
    room_id: int | object | None = UNCHANGED,
) -> Appointment:
    """Move an individual appointment to another time (and agent or room); it becomes ``moved``.
    A seat in a group session moves with its session (``move_session``)."""
    office = _office(actor)
    require(appointment.office_id == office.id)
    if appointment.session_id is not None:
        raise AgendaError(_("A seat in a group session is cancelled, then booked in another session."))
    if appointment.status not in ACTIVE_STATUSES:
        raise AgendaError(_("Only a booked appointment can be moved."))
    agent = _agent(office, appointment.agent_id if agent_id is UNCHANGED else agent_id)
    room = _room(office, appointment.room_id if room_id is UNCHANGED else room_id)
    settings = rules.settings_of(office.id)
    if minutes is None:
        length = appointment.ends_at - appointment.starts_at
        minutes = int(length.total_seconds() // 60)
    ends_at = starts_at + rules.duration_for(appointment.kind, minutes, settings.slot_minutes)
    rules.check_time(office, starts_at, ends_at, settings.slot_minutes)
    _lock([agent.id, appointment.agent_id], [room.id if room else None, appointment.room_id])
    _check_free(agent, room, starts_at, ends_at, person_id=appointment.person_id, appointment_id=appointment.id)
    appointment.agent_id = agent.id
    appointment.room_id = room.id if room else None
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.moves += 1
    set_status(appointment, actor, MOVED)
    db.session.flush()
    interpreters.on_moved(appointment)
    return appointment


def cancel(actor: User, appointment: Appointment, reason: str | None = None) -> Appointment:
    """Cancel a booked appointment (or a seat in a group session, which frees the seat)."""
    office = _office(actor)
    require(appointment.office_id == office.id)
    if appointment.status not in ACTIVE_STATUSES:
        raise AgendaError(_("Only a booked appointment can be cancelled."))
    if reason is not None and reason not in CANCEL_REASONS:
        raise AgendaError(_("Choose a reason from the list."), "reason")
    if appointment.session_id is not None:
        session = lock_session(appointment.session_id)
        session.seats_taken = max(0, session.seats_taken - 1)
    appointment.cancel_reason = reason
    set_status(appointment, actor, CANCELLED)
    db.session.flush()
    interpreters.on_cancelled(appointment)
    return appointment


# --- group sessions -------------------------------------------------------------------------


def schedule_session(
    actor: User,
    *,
    agent_id: int,
    starts_at: datetime,
    capacity: int,
    minutes: int | None = None,
    room_id: int | None = None,
    topic: str | None = None,
    language: str | None = None,
) -> GroupSession:
    """Schedule a group session on rights and duties with an agent of the office and a capacity."""
    office = _office(actor)
    agent = _agent(office, agent_id)
    room = _room(office, room_id)
    if capacity is None or not 1 <= capacity <= rules.MAX_CAPACITY:
        raise AgendaError(
            _("The capacity is a number of seats from 1 to %(most)d.", most=rules.MAX_CAPACITY), "capacity"
        )
    if language and not reference.is_valid_language(language):
        raise AgendaError(_("Choose a language from the list."), "language")
    settings = rules.settings_of(office.id)
    ends_at = starts_at + rules.duration_for(GROUP_SESSION, minutes, settings.slot_minutes)
    rules.check_time(office, starts_at, ends_at, settings.slot_minutes)
    _lock([agent.id], [room.id if room else None])
    _check_free(agent, room, starts_at, ends_at)
    session = GroupSession(
        office_id=office.id,
        agent_id=agent.id,
        room_id=room.id if room else None,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        seats_taken=0,
        topic=topic or None,
        language=language or None,
        status=BOOKED,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def book_seat(
    actor: User,
    session: GroupSession,
    *,
    person_id: uuid.UUID | str,
    case_id: uuid.UUID | str | None = None,
    interpreter_required: bool = False,
    interpreter_language: str | None = None,
) -> Appointment:
    """Book a person's seat in a group session; refused when the session is full.

    The session row is locked first and re-read, so the seat count is the committed one: of two
    concurrent bookings of the last seat, the second waits for the first and then finds none.
    """
    office = _office(actor)
    require(session.office_id == office.id)
    person = _person(actor, person_id)
    case = _case(actor, person, case_id)
    language = _interpreter(actor, person, interpreter_required, interpreter_language)
    session = lock_session(session.id)
    if session.status not in ACTIVE_STATUSES:
        raise AgendaError(_("This group session is cancelled."))
    if session.starts_at < clock.utcnow():
        raise AgendaError(_("This time is already past."))
    if session.seats_taken >= session.capacity:
        raise AgendaError(_("This group session is full."), code="full")
    already = db.session.scalar(
        select(func.count(Appointment.id)).where(
            Appointment.session_id == session.id,
            Appointment.person_id == person.id,
            Appointment.status.in_(ACTIVE_STATUSES),
        )
    )
    if already:
        raise AgendaError(_("The person already has a seat in this session."), code="conflict")
    if _person_taken(person.id, session.starts_at, session.ends_at):
        raise AgendaError(_("The person already has an appointment at this time."), code="conflict")
    seat = Appointment(
        office_id=office.id,
        kind=GROUP_SESSION,
        agent_id=session.agent_id,
        room_id=session.room_id,
        session_id=session.id,
        person_id=person.id,
        case_id=case.id if case else None,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        interpreter_required=bool(interpreter_required),
        interpreter_language=language,
        status=BOOKED,
        booked_by_id=actor.id,
        status_changed_by_id=actor.id,
    )
    session.seats_taken += 1
    db.session.add(seat)
    db.session.flush()
    interpreters.on_booked(seat)
    return seat


def session_seats(session: GroupSession) -> list[Appointment]:
    """The session's active seats, in booking order."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.session_id == session.id, Appointment.status.in_(ACTIVE_STATUSES))
            .order_by(Appointment.created_at)
        )
    )


def move_session(actor: User, session: GroupSession, *, starts_at: datetime, room_id: int | object | None = UNCHANGED):
    """Move a group session (its seats move with it)."""
    office = _office(actor)
    require(session.office_id == office.id)
    session = lock_session(session.id)
    if session.status not in ACTIVE_STATUSES:
        raise AgendaError(_("This group session is cancelled."))
    agent = _agent(office, session.agent_id)
    room = _room(office, session.room_id if room_id is UNCHANGED else room_id)
    settings = rules.settings_of(office.id)
    ends_at = starts_at + (session.ends_at - session.starts_at)
    rules.check_time(office, starts_at, ends_at, settings.slot_minutes)
    _lock([agent.id], [room.id if room else None, session.room_id])
    _check_free(agent, room, starts_at, ends_at, session_id=session.id)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.room_id = room.id if room else None
    session.moves += 1
    session.status = MOVED
    for seat in session_seats(session):
        seat.starts_at, seat.ends_at, seat.room_id = starts_at, ends_at, session.room_id
        seat.moves += 1
        set_status(seat, actor, MOVED)
        interpreters.on_moved(seat)
    db.session.flush()
    return session


def cancel_session(actor: User, session: GroupSession, reason: str | None = None) -> GroupSession:
    """Cancel a group session and every seat booked in it."""
    office = _office(actor)
    require(session.office_id == office.id)
    session = lock_session(session.id)
    if session.status not in ACTIVE_STATUSES:
        raise AgendaError(_("This group session is already cancelled."))
    if reason is not None and reason not in CANCEL_REASONS:
        raise AgendaError(_("Choose a reason from the list."), "reason")
    for seat in session_seats(session):
        seat.cancel_reason = reason or "office"
        set_status(seat, actor, CANCELLED)
        interpreters.on_cancelled(seat)
    session.status = CANCELLED
    session.seats_taken = 0
    db.session.flush()
    return session
