"""What the agenda's pages read: a typed file number, the person's active case, the office's
agents and rooms, the appointments and sessions of a period."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from integration_centre.accounts.models import Role, User
from integration_centre.agenda.booking import parse_id
from integration_centre.agenda.models import AgendaRoom, Appointment, GroupSession
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES


def find_person(actor: User, number: str | None) -> Newcomer | None:
    """The person of a typed file number (the full id), when the actor may see the file."""
    person_id = parse_id((number or "").strip())
    person = db.session.get(Newcomer, person_id) if person_id else None
    return person if person is not None and person_visible_to(actor, person) else None


def active_case_id(actor: User, person: Newcomer) -> uuid.UUID | None:
    """The person's active case at the actor's office, if any (the appointment is linked to it)."""
    return db.session.scalar(
        select(Case.id)
        .where(
            Case.person_id == person.id,
            Case.office_id == actor.office_id,
            Case.status.in_(ACTIVE_CASE_STATUSES),
        )
        .order_by(Case.opened_on.desc())
        .limit(1)
    )


def office_agents(office_id: int) -> list[User]:
    """The enabled agents of an office, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.office_id == office_id, User.role == Role.AGENT, User.is_enabled.is_(True))
            .order_by(User.display_name)
        )
    )


def office_rooms(office_id: int) -> list[AgendaRoom]:
    """The active rooms of an office, by name."""
    return list(
        db.session.scalars(
            select(AgendaRoom)
            .where(AgendaRoom.office_id == office_id, AgendaRoom.is_active.is_(True))
            .order_by(AgendaRoom.name)
        )
    )


def agenda_between(office_id: int, since: datetime, until: datetime, agent_id: int | None = None) -> list:
    """The office's individual appointments and group sessions starting in [since, until), by
    start (an agent's only when ``agent_id`` is given)."""
    appointments = select(Appointment).where(
        Appointment.office_id == office_id,
        Appointment.session_id.is_(None),
        Appointment.starts_at >= since,
        Appointment.starts_at < until,
    )
    sessions = select(GroupSession).where(
        GroupSession.office_id == office_id, GroupSession.starts_at >= since, GroupSession.starts_at < until
    )
    if agent_id is not None:
        appointments = appointments.where(Appointment.agent_id == agent_id)
        sessions = sessions.where(GroupSession.agent_id == agent_id)
    items = [*db.session.scalars(appointments), *db.session.scalars(sessions)]
    return sorted(items, key=lambda item: (item.starts_at, str(item.id)))
