"""Caseload: every case has a responsible agent of its office; assigning and reassigning cases.

``assign`` gives one case or many to an active agent of each case's office (e.g. when an agent
leaves), with one "case.assign" timeline entry per case that changed (codes only, never a name).
``office_caseload`` counts the office's active cases per responsible agent; ``agent_cases``
lists one agent's (or nobody's) active cases, a page at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.pathway.timeline import flush_or_conflict, timeline_entry, touch_case

PAGE_SIZE = 25


def office_agents(office_id: int) -> list[User]:
    """The active (enabled) agents of an office, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.AGENT, User.office_id == office_id, User.is_enabled.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def is_active_agent_of(user: User | None, office_id: int) -> bool:
    """True when ``user`` is an enabled agent of the office."""
    return user is not None and user.role == Role.AGENT and user.is_enabled and user.office_id == office_id


def assign(actor: User, cases: Iterable[Case], agent: User | None) -> int:
    """Make ``agent`` responsible for each of ``cases``; returns how many changed (flushes).

    Every case must be of the actor's office (404 otherwise); the agent must be an active agent
    of the case's office, else nothing changes.
    """
    cases = list(cases)
    require(actor.role == Role.AGENT and all(c is not None and can_see_office(actor, c.office_id) for c in cases))
    if not cases:
        raise PathwayError(_("Choose at least one case."))
    for case in cases:
        if not is_active_agent_of(agent, case.office_id):
            raise PathwayError(
                _("Choose an active agent of the case's office."),
                field_errors={"agent": _("Choose an active agent of the case's office.")},
            )
    changed = 0
    for case in cases:
        if case.responsible_agent_id == agent.id:
            continue
        ensure_writable(case.person_id)
        case.responsible_agent_id = agent.id
        touch_case(case)
        timeline_entry(actor, case, "case.assign")
        changed += 1
    flush_or_conflict()
    return changed


def _held_by(actor: User, agent_id: int | None) -> list:
    require(actor.role == Role.AGENT and actor.office_id is not None)
    holder = Case.responsible_agent_id.is_(None) if agent_id is None else Case.responsible_agent_id == agent_id
    return [Case.office_id == actor.office_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)), holder]


def active_cases_of(actor: User, agent_id: int | None) -> list[Case]:
    """All active cases of the actor's office whose responsible agent is ``agent_id`` (None: nobody)."""
    query = select(Case).where(*_held_by(actor, agent_id)).order_by(Case.opened_on, Case.id)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Load:
    """One line of the office's caseload: an agent (None: not assigned) and their active cases."""

    agent: User | None
    count: int


def office_caseload(actor: User) -> list[Load]:
    """Active cases per responsible agent of the actor's office (every active agent listed, even
    at zero; cases held by a disabled agent or by nobody come last)."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    rows = db.session.execute(
        select(Case.responsible_agent_id, func.count())
        .where(Case.office_id == actor.office_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
        .group_by(Case.responsible_agent_id)
    ).all()
    counts = {agent_id: int(n) for agent_id, n in rows}
    loads = [Load(agent, counts.pop(agent.id, 0)) for agent in office_agents(actor.office_id)]
    for agent_id, count in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        loads.append(Load(db.session.get(User, agent_id) if agent_id is not None else None, count))
    return loads


@dataclass(frozen=True)
class CasePage:
    """One page of an agent's active cases."""

    cases: list[Case]
    page: int
    pages: int
    total: int


def agent_cases(actor: User, agent_id: int | None, page: int = 1) -> CasePage:
    """A page of the active cases of the actor's office held by ``agent_id`` (None: nobody)."""
    conditions = _held_by(actor, agent_id)
    total = db.session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    query = select(Case).where(*conditions).order_by(Case.opened_on, Case.id)
    cases = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return CasePage(cases, page, pages, total)
