"""The office dashboard: the six lists of cases, their counts, one sorted page, the persons' names."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.pathway.definitions import registry
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, CaseStatus
from integration_centre.privacy.access import access
from integration_centre.privacy.fields import decrypt_rows, encrypted_rows_statement
from integration_centre.workspace.models import CaseSchedule
from integration_centre.workspace.schedule import SOON_DAYS

PAGE_SIZE = 20
RECENT_DAYS = 14

VIEWS = ("today", "overdue", "soon", "evaluations", "mine", "recent")
VIEW_LABELS = {
    "today": _l("To act on today"),
    "overdue": _l("Overdue"),
    "soon": _l("Deadline in the next 30 days"),
    "evaluations": _l("Evaluations due"),
    "mine": _l("My cases"),
    "recent": _l("Recently changed"),
}
SORTS = ("deadline", "evaluation", "action", "opened", "changed")
SORT_LABELS = {
    "deadline": _l("Deadline"),
    "evaluation": _l("Next evaluation"),
    "action": _l("Next action"),
    "opened": _l("Opened on"),
    "changed": _l("Last change"),
}
DEFAULT_SORT = {
    "today": ("action", "asc"),
    "overdue": ("deadline", "asc"),
    "soon": ("deadline", "asc"),
    "evaluations": ("evaluation", "asc"),
    "mine": ("changed", "desc"),
    "recent": ("changed", "desc"),
}
STATUS_FILTERS = ("active", *[s.value for s in CaseStatus], "all")


@dataclass
class DashboardQuery:
    """What the agent asked for: the list, its sort, its filters, the page."""

    view: str = "today"
    sort: str | None = None
    direction: str | None = None
    status: str = "active"
    version: str = ""
    page: int = 1

    def normalised(self) -> DashboardQuery:
        """The same query with unknown values replaced by the defaults."""
        view = self.view if self.view in VIEWS else "today"
        sort, direction = DEFAULT_SORT[view]
        if self.sort in SORTS:
            sort = self.sort
            direction = "desc" if self.direction == "desc" else "asc"
        status = self.status if self.status in STATUS_FILTERS else "active"
        version = self.version if self.version in definition_versions() else ""
        return DashboardQuery(view, sort, direction, status, version, max(1, int(self.page or 1)))


@dataclass
class DashboardRow:
    """One line of a dashboard list: ``case`` has the case's ``id``, ``person_id``, ``status``,
    ``opened_on`` and ``last_change_at``; ``schedule`` its dashboard dates and non-compliance
    status (both are the same light row read by the list statement, not ORM entities)."""

    case: Any
    schedule: Any
    name: str
    today: date

    @property
    def overdue(self) -> bool:
        """The completion deadline has passed."""
        return bool(
            self.schedule and self.schedule.completion_deadline and self.schedule.completion_deadline < self.today
        )

    @property
    def evaluation_overdue(self) -> bool:
        """The evaluation interview is late."""
        return bool(
            self.schedule and self.schedule.next_evaluation_on and self.schedule.next_evaluation_on < self.today
        )


@dataclass
class Dashboard:
    """The counts of every list and one page of the chosen list."""

    query: DashboardQuery
    counts: dict[str, int]
    rows: list[DashboardRow] = field(default_factory=list)
    total: int = 0
    office_name: str = ""

    @property
    def pages(self) -> int:
        """Number of pages of the chosen list."""
        return max(1, math.ceil(self.total / PAGE_SIZE))


def definition_versions() -> list[str]:
    """Every rule version installed, as ``code:version`` keys."""
    return [f"{d.code}:{d.version}" for d in registry().all()]


def restricted_persons() -> list[uuid.UUID]:
    """Every person whose file is restricted (Art. 18, ``privacy.restrictions``): a short list,
    read once per page so that the lists need no per-row subquery."""
    global _RESTRICTED
    if _RESTRICTED is None:
        from integration_centre.privacy.restrictions import Restriction

        _RESTRICTED = select(Restriction.person_id).where(Restriction.lifted_at.is_(None))
    return list(db.session.connection().scalars(_RESTRICTED))


_RESTRICTED: Select | None = None


# The statements are built once per shape (list, sort, filters) with bound parameters, so
# SQLAlchemy reuses their compiled form. The four date lists read the schedule's
# (office, date, case) indexes: the dates are set only while the case is active, so with the
# default filter they need neither the case table nor a sort (the index is in order).
SCHEDULE_VIEWS = {
    "today": "next_action_on",
    "overdue": "completion_deadline",
    "soon": "completion_deadline",
    "evaluations": "next_evaluation_on",
}
_VIEW_CONDITIONS = {
    "today": lambda: [CaseSchedule.next_action_on <= bindparam("today")],
    "overdue": lambda: [CaseSchedule.completion_deadline < bindparam("today")],
    "soon": lambda: [
        CaseSchedule.completion_deadline >= bindparam("today"),
        CaseSchedule.completion_deadline <= bindparam("soon"),
    ],
    "evaluations": lambda: [CaseSchedule.next_evaluation_on <= bindparam("soon")],
    "mine": lambda: [Case.responsible_agent_id == bindparam("user_id")],
    "recent": lambda: [Case.last_change_at >= bindparam("since", type_=Case.last_change_at.type)],
}
SORT_COLUMNS = {
    "deadline": CaseSchedule.completion_deadline,
    "evaluation": CaseSchedule.next_evaluation_on,
    "action": CaseSchedule.next_action_on,
    "opened": Case.opened_on,
    "changed": Case.last_change_at,
}
SORT_FIELDS = {"deadline": "completion_deadline", "evaluation": "next_evaluation_on", "action": "next_action_on"}
# The same sorts on the schedule's copies of the case columns (lists read from the schedule alone).
SCHEDULE_SORTS = {"opened": CaseSchedule.opened_on, "changed": CaseSchedule.last_change_at}
COUNT_CAP = 100  # the other lists' badges count up to this ("100+"); the chosen list is counted exactly
_STATEMENTS: dict[tuple, Select] = {}


@dataclass(frozen=True)
class _Shape:
    view: str
    status_mode: str
    with_version: bool
    restricted: bool
    sort: str | None = None

    @property
    def schedule_only(self) -> bool:
        """The list can be read from the schedule alone (default filters, a date list and sort)."""
        return (
            self.view in SCHEDULE_VIEWS
            and self.status_mode == "active"
            and not self.with_version
            and (self.sort is None or self.sort in SORT_FIELDS or self.sort in SCHEDULE_SORTS)
        )


def _case_conditions(shape: _Shape) -> list:
    conditions = []
    if shape.status_mode == "active":
        conditions.append(Case.status.in_([s.value for s in ACTIVE_CASE_STATUSES]))
    elif shape.status_mode == "one":
        conditions.append(Case.status == bindparam("status"))
    if shape.with_version:
        conditions += [Case.definition_code == bindparam("code"), Case.definition_version == bindparam("version")]
    return conditions


def _view_statement(shape: _Shape, columns) -> Select:
    """``columns`` of the cases of one list, from the schedule alone when possible."""
    if shape.schedule_only:
        person = CaseSchedule.person_id
        statement = (
            select(*columns)
            .select_from(CaseSchedule)
            .where(CaseSchedule.office_id == bindparam("office_id"), *_VIEW_CONDITIONS[shape.view]())
        )
    else:
        person = Case.person_id
        if shape.view in SCHEDULE_VIEWS:
            statement = select(*columns).select_from(CaseSchedule).join(Case, Case.id == CaseSchedule.case_id)
            office = CaseSchedule.office_id == bindparam("office_id")
        else:
            statement = select(*columns).select_from(Case)
            if shape.sort in SORT_FIELDS:  # sorted by a schedule date (counts never need the join)
                statement = statement.outerjoin(CaseSchedule, CaseSchedule.case_id == Case.id)
            office = Case.office_id == bindparam("office_id")
        statement = statement.where(office, *_VIEW_CONDITIONS[shape.view](), *_case_conditions(shape))
    if shape.restricted:
        statement = statement.where(person.not_in(bindparam("restricted", expanding=True)))
    return statement


def _count_statement(shape: _Shape, capped: bool) -> Select:
    key = ("count", shape, capped)
    if key not in _STATEMENTS:
        if capped:
            tie = CaseSchedule.case_id if shape.schedule_only else Case.id
            rows = _view_statement(shape, [tie]).limit(COUNT_CAP).subquery()
            _STATEMENTS[key] = select(func.count()).select_from(rows)
        else:
            _STATEMENTS[key] = _view_statement(shape, [func.count()])
    return _STATEMENTS[key]


def _list_statement(shape: _Shape, direction: str) -> Select:
    key = ("list", shape, direction)
    if key not in _STATEMENTS:
        column = SORT_COLUMNS[shape.sort]
        copied = shape.schedule_only and shape.sort in SCHEDULE_SORTS
        if copied:
            column = SCHEDULE_SORTS[shape.sort]
        order = [column.desc() if direction == "desc" else column.asc()]
        # Read in index order (no sort): a date list by its own date or by the case's opening
        # date or last change (the schedule's sort indexes), "mine"/"recent" by last change (the
        # office/change indexes). Other sorts put the cases without the date last, whatever the
        # direction (SQLite and PostgreSQL place NULLs differently).
        in_index = (
            (shape.view in SCHEDULE_VIEWS and SORT_FIELDS.get(shape.sort) == SCHEDULE_VIEWS[shape.view])
            or copied
            or (shape.view not in SCHEDULE_VIEWS and shape.sort == "changed")
        )
        if not in_index and column.nullable:
            order.insert(0, column.is_(None))
        tie = CaseSchedule.case_id if shape.view in SCHEDULE_VIEWS else Case.id
        order.append(tie.desc() if direction == "desc" and in_index else tie.asc())
        ids = _view_statement(shape, [tie.label("case_id")])
        page = ids.order_by(*order).limit(bindparam("limit")).offset(bindparam("offset")).subquery()
        # The page of ids first (in index order), then the few columns a row shows, by primary key.
        _STATEMENTS[key] = (
            select(*_ROW_COLUMNS)
            .select_from(Case)
            .join(page, page.c.case_id == Case.id)
            .outerjoin(CaseSchedule, CaseSchedule.case_id == Case.id)
            .order_by(*order)
        )
    return _STATEMENTS[key]


_ROW_COLUMNS = (
    Case.id,
    Case.person_id,
    Case.status,
    Case.opened_on,
    Case.last_change_at,
    CaseSchedule.completion_deadline,
    CaseSchedule.next_evaluation_on,
    CaseSchedule.next_action_on,
    CaseSchedule.noncompliance_status,
)


def _counts_statement(shapes: tuple[_Shape, ...], chosen: str) -> Select:
    """The badge count of every list in one statement (one scalar subquery per list), with the
    office's name for the page's heading."""
    key = ("counts", shapes, chosen)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = select(
            *[
                _count_statement(shape, capped=shape.view != chosen).scalar_subquery().label(shape.view)
                for shape in shapes
            ],
            select(Office.name).where(Office.id == bindparam("office_id")).scalar_subquery().label("office_name"),
        )
    return _STATEMENTS[key]


def dashboard(user: User, query: DashboardQuery, *, today: date | None = None) -> Dashboard:
    """The office dashboard: a badge count for each list (capped at 100 but for the chosen list,
    counted exactly for its pages) and one page of the chosen list (one query for the page, one
    for the persons with their keys; names decrypted in one audited access). Only cases of the
    agent's office; restricted persons left out."""
    require(user.role == Role.AGENT and can_see_office(user, user.office_id))
    today = today or clock.today()
    query = query.normalised()
    status_mode = {"active": "active", "all": "all"}.get(query.status, "one")
    with_version = bool(query.version)
    restricted = restricted_persons()
    params = {
        "office_id": user.office_id,
        "user_id": user.id,
        "today": today,
        "soon": today + timedelta(days=SOON_DAYS),
        "since": datetime.combine(today - timedelta(days=RECENT_DAYS), time.min, tzinfo=UTC),
        "restricted": restricted,
    }
    if status_mode == "one":
        params["status"] = query.status
    if with_version:
        params["code"], params["version"] = query.version.split(":", 1)
    # Core statements on the session's connection (same transaction): no ORM entity is needed.
    connection = db.session.connection()
    shapes = tuple(_Shape(view, status_mode, with_version, bool(restricted)) for view in VIEWS)
    *totals, office_name = connection.execute(_counts_statement(shapes, query.view), params).one()
    counts = {view: int(n) for view, n in zip(VIEWS, totals, strict=True)}
    result = Dashboard(query=query, counts=counts, total=counts[query.view], office_name=office_name or "")
    query.page = min(query.page, result.pages)
    shape = _Shape(query.view, status_mode, with_version, bool(restricted), query.sort)
    rows = connection.execute(
        _list_statement(shape, query.direction),
        {**params, "limit": PAGE_SIZE, "offset": (query.page - 1) * PAGE_SIZE},
    ).all()
    names = display_names(user, [row.person_id for row in rows])
    result.rows = [DashboardRow(row, row, names.get(row.person_id, "—"), today) for row in rows]
    return result


def display_names(user: User, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """ "FAMILY, Given" of each person, decrypted in one audited access (one query reads the two
    name columns with the persons' wrapped keys; erased persons have no name)."""
    if not person_ids:
        return {}
    rows = db.session.connection().execute(_NAMES_STATEMENT, {"ids": list(person_ids)}).all()
    with access(user, "dashboard.list", [row.person_id for row in rows]):
        names = decrypt_rows(Newcomer, _NAME_FIELDS, rows)
    return {person_id: f"{(family or '').upper()}, {given or ''}" for person_id, (family, given) in names.items()}


_NAME_FIELDS = ("family_name", "given_names")
_NAMES_STATEMENT = encrypted_rows_statement(Newcomer, _NAME_FIELDS).where(
    Newcomer.id.in_(bindparam("ids", expanding=True))
)
