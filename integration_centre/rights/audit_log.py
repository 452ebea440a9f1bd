"""The audit log as people read it: one line per page view (request), actor and object.

A page showing a person reads their data for several purposes (the case, its deadline, each
reception panel…): each purpose is audited in its own record, chained and kept as it is. This
module groups the records of one request, actor and object into one ``Entry`` listing its
actions and purposes, so the page shows one line per page view and person. Names of users come
from the accounts; names of persons only through ``person_names`` (an audited read).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.privacy import audit, subject_data
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights import audit_labels

FILE_NUMBER_LENGTH = 8  # a file number is the first characters of the person's pseudonymous id
REVIEW_PURPOSE = "audit.review"

# Records of one request belong together; a record written outside a request stands alone.
_GROUP = func.coalesce(AuditRecord.request_id, "seq:" + cast(AuditRecord.seq, String))
_GROUP_COLUMNS = (AuditRecord.actor_id, AuditRecord.actor_role, AuditRecord.object_type, AuditRecord.object_id)


def file_number(person_id: str | uuid.UUID | None) -> str:
    """The short file number of a person: the first characters of their id."""
    return str(person_id or "")[:FILE_NUMBER_LENGTH]


@dataclass
class Entry:
    """One page view (or one system operation) of one actor on one object."""

    seq: int  # the last record's sequence number
    first_seq: int
    occurred_at: datetime
    actor_id: str | None
    actor_role: str
    object_type: str
    object_id: str | None
    records: int
    actions: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    key: str = ""

    @property
    def is_person(self) -> bool:
        return self.object_type == "person" and bool(self.object_id)

    @property
    def file_number(self) -> str:
        return file_number(self.object_id) if self.is_person else ""


@dataclass
class Listing:
    """One page of entries, with what a pagination needs."""

    items: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def entries(filters: audit.AuditFilter, page: int = 1, per_page: int = 50) -> Listing:
    """The entries matching ``filters``, newest first, one page of them."""
    conditions = audit.filter_conditions(filters)
    grouped = (
        select(
            _GROUP.label("grp"),
            *_GROUP_COLUMNS,
            func.max(AuditRecord.seq).label("last_seq"),
            func.min(AuditRecord.seq).label("first_seq"),
            func.min(AuditRecord.occurred_at).label("occurred_at"),
            func.count().label("records"),
        )
        .where(*conditions)
        .group_by(_GROUP, *_GROUP_COLUMNS)
    )
    total = db.session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        grouped.order_by(func.max(AuditRecord.seq).desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [
        Entry(
            seq=row.last_seq,
            first_seq=row.first_seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_role=row.actor_role,
            object_type=row.object_type,
            object_id=row.object_id,
            records=row.records,
            key=row.grp,
        )
        for row in rows
    ]
    _fill_details(items, conditions)
    return Listing(items=items, total=total, page=page, per_page=per_page)


def _fill_details(items: list[Entry], conditions: list) -> None:
    """The actions and purposes of each entry, in the order they were recorded."""
    if not items:
        return
    low, high = min(item.first_seq for item in items), max(item.seq for item in items)
    by_key = {(item.key, item.actor_id, item.actor_role, item.object_type, item.object_id): item for item in items}
    rows = db.session.execute(
        select(_GROUP.label("grp"), *_GROUP_COLUMNS, AuditRecord.action, AuditRecord.purpose)
        .where(*conditions, AuditRecord.seq.between(low, high), _GROUP.in_({item.key for item in items}))
        .order_by(AuditRecord.seq)
    ).all()
    for row in rows:
        item = by_key.get((row.grp, row.actor_id, row.actor_role, row.object_type, row.object_id))
        if item is None:
            continue
        if row.action not in item.actions:
            item.actions.append(row.action)
        if row.purpose and row.purpose not in item.purposes:
            item.purposes.append(row.purpose)


def user_names(items: list[Entry]) -> dict[str, str]:
    """The display names of the users acting in ``items``, by the audit's actor id."""
    ids = {int(item.actor_id) for item in items if item.actor_id and item.actor_id.isdigit()}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {str(uid): name for uid, name in rows}


def person_names(actor: Any, items: list[Entry]) -> dict[str, str]:
    """The names of the persons in ``items`` for ``actor`` (an administrator reviewing the log).

    Each name is read through the person provider's audited ``label`` (purpose ``audit.review``):
    showing them is itself an access that the log records. An erased person has no name.
    """
    hook = subject_data.person_hooks.label
    if hook is None:
        return {}
    names: dict[str, str] = {}
    for item in items:
        if not item.is_person or item.object_id in names:
            continue
        try:
            person_id = uuid.UUID(item.object_id)
        except ValueError:
            continue
        label = hook(actor, person_id, REVIEW_PURPOSE)
        if label:
            names[item.object_id] = label
    return names


CSV_LABEL_COLUMNS = ("user_name", "role_label", "action_label", "object_label", "purpose_label", "file_number")


def all_user_names() -> dict[str, str]:
    """Every user's display name by the audit's actor id (the CSV export)."""
    return {str(uid): name for uid, name in db.session.execute(select(User.id, User.display_name)).all()}


def csv_labels(record: AuditRecord, names: dict[str, str]) -> list[str]:
    """The readable columns of one record in the CSV export (in the user's language)."""
    is_person = record.object_type == "person" and bool(record.object_id)
    return [
        names.get(record.actor_id or "", ""),
        audit_labels.role_label(record.actor_role),
        audit_labels.action_label(record.action),
        audit_labels.object_label(record.object_type),
        audit_labels.purpose_label(record.purpose),
        file_number(record.object_id) if is_person else "",
    ]
