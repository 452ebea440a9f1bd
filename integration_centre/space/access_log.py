"""Who read the person's file, and why: the audit log about them, as they may read it.

The rights desk's reading of the log (``rights.audit_log.entries``: one line per page view,
actor and person) is shown as a role, the office or organisation the actor belongs to, the
purpose in plain words and the date — never a staff member's name or id. The person's own
visits to their space read "You".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.rights.audit_log import Listing, entries
from integration_centre.space import labels
from integration_centre.space.pathway_view import cases_of

PER_PAGE = 20


@dataclass(frozen=True)
class AccessLine:
    """One access to the file, as the person reads it."""

    at: datetime
    who: str  # the role in words
    where: str  # the office, organisation or centre; "" for the person and the system
    why: list[str]
    is_you: bool


@dataclass(frozen=True)
class AccessPage:
    lines: list[AccessLine]
    listing: Listing


def purpose_reason(code: str | None) -> str:
    """Why, in plain words, from a purpose code's family."""
    family = (code or "").split(".", 1)[0].split(":", 1)[0]
    return str(labels.PURPOSE_FAMILIES.get(family, labels.OTHER_PURPOSE))


def _place(user: User | None) -> str:
    if user is None:
        return ""
    for holder in (user.office, user.operator, user.centre):
        if holder is not None:
            return holder.name
    return ""


def _line(entry, users: dict[str, User], person_id: uuid.UUID, office_ids: set[int]) -> AccessLine:
    role = entry.actor_role or ""
    is_you = role == "newcomer" and entry.actor_id == str(person_id)
    if role.startswith("system"):
        key = "system"
    elif role == "newcomer" and not is_you:
        key = None
    else:
        key = role
    who = str(labels.ROLES[key]) if key in labels.ROLES else str(labels.OTHER_ROLE)
    user = users.get(entry.actor_id or "")
    if key == "agent" and user is not None and user.office_id not in office_ids:
        who = str(labels.OTHER_OFFICE)  # e.g. the office the case came from, or a duplicate check
    place = "" if is_you or key == "system" else _place(user)
    reasons = list(dict.fromkeys(purpose_reason(code) for code in entry.purposes)) or [str(labels.OTHER_PURPOSE)]
    return AccessLine(at=entry.occurred_at, who=who, where=place, why=reasons, is_you=is_you)


def access_log(actor: Actor, person_id: uuid.UUID, purpose: str, *, page: int = 1) -> AccessPage:
    """One page of the accesses to the person's file, newest first (the reading is audited too)."""
    with access(actor, purpose, [person_id]):
        filters = audit.AuditFilter(object_type="person", object_id=audit.person_object_id(person_id))
        listing = entries(filters, page=page, per_page=PER_PAGE)
    ids = {int(e.actor_id) for e in listing.items if e.actor_id and e.actor_id.isdigit() and e.actor_role != "newcomer"}
    users = (
        {
            str(u.id): u
            for u in db.session.scalars(
                select(User)
                .where(User.id.in_(ids))
                .options(selectinload(User.office), selectinload(User.operator), selectinload(User.centre))
            )
        }
        if ids
        else {}
    )
    office_ids = {case.office_id for case in cases_of(person_id)}
    lines = [_line(e, users, person_id, office_ids) for e in listing.items]
    return AccessPage(_group_own_visits(lines), listing)


def _group_own_visits(lines: list[AccessLine]) -> list[AccessLine]:
    """The person's own visits one after the other on the same day read as one line."""
    grouped: list[AccessLine] = []
    for line in lines:
        previous = grouped[-1] if grouped else None
        if previous is not None and line.is_you and previous.is_you and previous.at.date() == line.at.date():
            continue
        grouped.append(line)
    return grouped
