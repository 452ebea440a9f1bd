"""The agent's home page: the office dashboard (six lists with their counts, one list paginated and sorted)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.i18n import current_language
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import registry
from integration_centre.workspace import dashboard
from integration_centre.workspace.views import bp

BLUEPRINTS = (bp,)


@bp.get("/agent")
@roles_required(Role.AGENT)
def home():
    """The office dashboard: the six lists with their counts, one list paginated and sorted."""
    query = dashboard.DashboardQuery(
        view=request.args.get("view", "today"),
        sort=request.args.get("sort"),
        direction=request.args.get("dir"),
        status=request.args.get("status", "active"),
        version=request.args.get("version", ""),
        page=request.args.get("page", 1, type=int) or 1,
    )
    board = dashboard.dashboard(current_user, query)
    labels = _dashboard_labels()
    q = board.query
    base = url_for("workspace.home")

    def link(**changes) -> str:
        """The list's URL with ``changes``: the query string ``url_for`` would build (same order)."""
        params = {"view": q.view, "sort": q.sort, "dir": q.direction, "status": q.status,
                  "version": q.version or None, "page": None}  # fmt: skip
        params.update(changes)
        return _with_query(base, params)

    same_list = link()  # the page links differ only by their last parameter

    def page_link(number: int) -> str:
        return f"{same_list}&page={number}"

    tab_filters = {"status": q.status if q.status != "active" else None, "version": q.version or None}
    return render_template(
        "workspace/dashboard.html",
        board=board,
        count_cap=dashboard.COUNT_CAP,
        q=q,
        views=labels["views"],
        sorts=labels["sorts"],
        statuses=labels["statuses"],
        versions=labels["versions"],
        rows=_dashboard_rows(board, labels["status_labels"]),
        view_links={key: _with_query(base, {"view": key, **tab_filters}) for key in labels["views"]},
        sort_links={
            key: link(sort=key, dir="desc" if q.sort == key and q.direction == "asc" else "asc")
            for key in labels["sorts"]
        },
        pages=[(number, number and page_link(number)) for number in _page_numbers(q.page, board.pages)],
        previous_link=page_link(q.page - 1) if q.page > 1 else None,
        next_link=page_link(q.page + 1) if q.page < board.pages else None,
    )


def _with_query(base: str, params: dict) -> str:
    present = {key: value for key, value in params.items() if value is not None}
    return f"{base}?{urlencode(present)}" if present else base


def _page_numbers(current: int, pages: int) -> list[int | None]:
    """The page links shown: the first two, the last two, two either side of the current page;
    None where pages are skipped (an ellipsis)."""
    numbers: list[int | None] = []
    for number in range(1, pages + 1):
        if number <= 2 or number > pages - 2 or abs(number - current) <= 2:
            numbers.append(number)
        elif numbers and numbers[-1] is not None:
            numbers.append(None)
    return numbers if pages > 1 else []


@dataclass(frozen=True)
class _Row:
    """One dashboard line, ready to print (dates formatted, labels translated, link built)."""

    url: str
    name: str
    status: str
    noncompliance: bool
    deadline: str
    overdue: bool
    evaluation: str
    evaluation_overdue: bool
    action: str
    opened: str
    changed: str


def _dashboard_rows(board, status_labels: dict) -> list[_Row]:
    fmt, case_url = _date_formatter(), _case_url_maker()
    rows = []
    for row in board.rows:
        case, s = row.case, row.schedule
        rows.append(
            _Row(
                url=case_url(case.id),
                name=row.name,
                status=status_labels[case.status],
                noncompliance=bool(s.noncompliance_status),
                deadline=fmt(s.completion_deadline),
                overdue=row.overdue,
                evaluation=fmt(s.next_evaluation_on),
                evaluation_overdue=row.evaluation_overdue,
                action=fmt(s.next_action_on),
                opened=fmt(case.opened_on),
                changed=fmt(case.last_change_at),
            )
        )
    return rows


_LABELS: dict[str, dict] = {}


def _dashboard_labels() -> dict:
    """The dashboard's translated labels, built once per locale (they never change at run time)."""
    key = str(get_locale())
    if key not in _LABELS:
        _LABELS[key] = {
            "views": {view: str(label) for view, label in dashboard.VIEW_LABELS.items()},
            "sorts": {sort: str(label) for sort, label in dashboard.SORT_LABELS.items()},
            "statuses": {k: str(label) for k, label in _status_filter_labels().items()},
            "versions": _version_labels(),
            "status_labels": {status: str(label) for status, label in pathway.STATUS_LABELS.items()},
        }
    return _LABELS[key]


def _case_url_maker():
    """The case page's URL for an id, with ``url_for`` called once per page, not once per row."""
    placeholder = uuid.UUID(int=0)
    pattern = url_for("workspace.case", case_id=placeholder)
    return lambda case_id: pattern.replace(str(placeholder), str(case_id))


_DATES: dict[tuple[str, date], str] = {}


def _date_formatter():
    """``format_date`` for a list page: the locale's pattern looked up once, each date formatted
    once per locale (a small bounded memo: a list shows a few thousand distinct dates at most)."""
    from babel.dates import get_date_format
    from flask_babel import get_timezone

    locale, zone = get_locale(), get_timezone()
    name = str(locale)
    pattern = get_date_format("medium", locale=locale)
    if len(_DATES) > 20_000:
        _DATES.clear()

    def day(value: date) -> str:
        text = _DATES.get((name, value))
        if text is None:
            text = _DATES[(name, value)] = pattern.apply(value, locale)
        return text

    def fmt(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):  # what flask_babel's to_user_timezone does, zone looked up once
            local = zone.normalize((value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone))
            return f"{day(local.date())} {local:%H:%M}"
        return day(value)

    return fmt


def _status_filter_labels() -> dict:
    labels = {"active": _("Active cases")}
    labels.update({status.value: label for status, label in pathway.STATUS_LABELS.items()})
    labels["all"] = _("All cases")
    return labels


def _version_labels() -> dict:
    return {f"{d.code}:{d.version}": d.label(current_language()) for d in registry().all()}
