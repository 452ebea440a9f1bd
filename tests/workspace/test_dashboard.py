"""Acceptance 5 and 6 (dashboard part): lists, empty states, pagination, sorting, filters, the
office boundary, and a bounded number of SQL queries per page (no N+1)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.workspace import dashboard, services
from integration_centre.workspace.models import CaseSchedule
from tests.accounts.helpers import fr, page_text
from tests.conftest import login

VIEWS = ("today", "overdue", "soon", "evaluations", "mine", "recent")
EMPTY = {
    "today": "Nothing to act on today.",
    "overdue": "No case is past its deadline.",
    "soon": "No deadline falls in the next 30 days.",
    "evaluations": "No evaluation interview is due.",
    "mine": "No case is assigned to you.",
    "recent": "No case changed in the last two weeks.",
}


def _names(html: str) -> list[str]:
    listing = html.split('data-testid="dashboard-list"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row"><a href="/cases/[0-9a-f-]+">([^<]+)</a>', listing)


def _counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_every_list_has_an_empty_state(agent_client):
    for view in VIEWS:
        response = agent_client.get(f"/agent?view={view}")
        assert response.status_code == 200
        html = page_text(response)
        assert 'data-testid="empty-state"' in html
        assert fr(EMPTY[view]) in html
        assert 'data-testid="dashboard-list"' not in html
    assert _counts(agent_client.get("/agent").get_data(as_text=True)) == dict.fromkeys(VIEWS, 0)


def _overdue_cases(open_case, count: int) -> list:
    """``count`` cases under the 2018 rules, each with another completion deadline (all overdue)."""
    cases = []
    for index in range(count):
        cases.append(
            open_case(
                permit_order_date=date(2022, 1, 1) + timedelta(days=10 * index),
                registration_date=date(2022, 1, 1) + timedelta(days=10 * index),
                on=date(2023, 1, 1),
                family_name=f"Person{index:02d}",
                niss=None,
            )
        )
    return cases


def test_pagination_and_sorting_by_deadline(agent_client, open_case):
    _overdue_cases(open_case, services.PAGE_SIZE + 3)
    first = agent_client.get("/agent?view=overdue&sort=deadline&dir=asc").get_data(as_text=True)
    assert _counts(first)["overdue"] == services.PAGE_SIZE + 3
    names = _names(first)
    assert len(names) == services.PAGE_SIZE
    assert names[:2] == ["PERSON00, Amira", "PERSON01, Amira"]
    assert 'rel="next"' in first and 'aria-sort="ascending"' in first
    second = agent_client.get("/agent?view=overdue&sort=deadline&dir=asc&page=2").get_data(as_text=True)
    assert _names(second) == ["PERSON20, Amira", "PERSON21, Amira", "PERSON22, Amira"]
    assert 'rel="prev"' in second
    descending = agent_client.get("/agent?view=overdue&sort=deadline&dir=desc").get_data(as_text=True)
    assert _names(descending)[:2] == ["PERSON22, Amira", "PERSON21, Amira"]
    assert 'aria-sort="descending"' in descending
    # a page past the end shows the last page; unknown values fall back to the defaults
    assert _names(agent_client.get("/agent?view=overdue&page=99").get_data(as_text=True))[-1] == "PERSON22, Amira"
    assert agent_client.get("/agent?view=nope&sort=nope&dir=nope&status=nope&page=-3").status_code == 200


SORT_KEYS = {
    "deadline": lambda row: row.schedule.completion_deadline,
    "evaluation": lambda row: row.schedule.next_evaluation_on,
    "action": lambda row: row.schedule.next_action_on,
    "opened": lambda row: row.case.opened_on,
    "changed": lambda row: row.case.last_change_at,
}


def test_every_sort_pages_through_a_list_once_in_order(agent, open_case):
    """Every sort, both directions, read from the schedule's indexes or with the case table (the
    "all cases" filter): the pages hold each case of the list exactly once, in order, with the
    cases without the sorted date last."""
    for index in range(2 * services.PAGE_SIZE + 5):
        open_case(
            permit_order_date=date(2022, 1, 1) + timedelta(days=7 * (index % 9)),
            registration_date=date(2022, 1, 1),
            on=date(2023, 1, 1) + timedelta(days=index % 4),  # ties on the opening date
            family_name=f"Person{index:02d}",
            niss=None,
        )
    expected = {
        view: services.dashboard(agent, services.DashboardQuery(view=view)).total for view in ("overdue", "today")
    }
    assert expected["overdue"] == 2 * services.PAGE_SIZE + 5 and expected["today"] > services.PAGE_SIZE
    for view in ("overdue", "today"):
        for status in ("active", "all"):
            for sort, key in SORT_KEYS.items():
                for direction in ("asc", "desc"):
                    rows, page = [], 1
                    while True:
                        query = services.DashboardQuery(
                            view=view, sort=sort, direction=direction, status=status, page=page
                        )
                        board = services.dashboard(agent, query)
                        rows += board.rows
                        if page >= board.pages:
                            break
                        page += 1
                    label = f"{view} {status} {sort} {direction}"
                    assert len(rows) == expected[view], label
                    assert len({row.case.id for row in rows}) == len(rows), label
                    dated = [key(row) for row in rows if key(row) is not None]
                    assert dated == sorted(dated, reverse=direction == "desc"), label
                    assert [key(row) for row in rows[len(dated) :]] == [None] * (len(rows) - len(dated)), label


def test_filters_by_status_and_rule_version(agent, agent_client, open_case):
    cases = _overdue_cases(open_case, 3)
    pathway.transition_case(agent, cases[0], "suspend", reason="illness")
    services.sync_schedule(agent, cases[0])
    newer = open_case(
        permit_order_date=date(2025, 2, 1), registration_date=date(2025, 2, 1), family_name="Newer", niss=None
    )
    db.session.commit()
    mine = agent_client.get("/agent?view=mine").get_data(as_text=True)
    assert len(_names(mine)) == 4
    suspended = agent_client.get("/agent?view=mine&status=suspended").get_data(as_text=True)
    assert _names(suspended) == ["PERSON00, Amira"]
    v2025 = agent_client.get("/agent?view=mine&version=wallonia:2025").get_data(as_text=True)
    assert _names(v2025) == ["NEWER, Amira"]
    assert newer.definition_version == "2025"
    # a filter leaving nothing shows the empty state with a way out
    html = page_text(agent_client.get("/agent?view=mine&status=completed"))
    assert fr(EMPTY["mine"]) in html and fr("Remove the filters") in html


def test_only_the_agents_office(app, agent_client, open_case, make_user, org):
    _overdue_cases(open_case, 2)
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    client = app.test_client()
    login(client, other)
    html = client.get("/agent?view=recent").get_data(as_text=True)
    assert _counts(html) == dict.fromkeys(VIEWS, 0)
    assert "PERSON00" not in html


def test_my_cases_and_recently_changed(agent, agent_client, open_case, make_user):
    _overdue_cases(open_case, 2)
    colleague = make_user(Role.AGENT)
    client = agent_client.application.test_client()
    login(client, colleague)
    html = client.get("/agent?view=mine").get_data(as_text=True)
    assert _counts(html)["mine"] == 0 and _counts(html)["recent"] == 2


@contextmanager
def count_queries():
    """Every SQL statement sent while the block runs (before_cursor_execute)."""
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _page_queries(client, path: str) -> tuple[int, int]:
    """(queries other than the audit trail's, audit-trail queries) for one page."""
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    audit = [s for s in statements if "privacy_audit" in s]
    return len(statements) - len(audit), len(audit)


def test_queries_per_dashboard_page_are_bounded(agent_client, open_case):
    _overdue_cases(open_case, 3)
    agent_client.get("/agent")  # warm caches (keyring checks, definitions)
    small_other, small_audit = _page_queries(agent_client, "/agent?view=overdue")
    for index in range(3, services.PAGE_SIZE + 5):
        open_case(
            permit_order_date=date(2022, 1, 1) + timedelta(days=10 * index),
            registration_date=date(2022, 1, 1),
            on=date(2023, 1, 1),
            family_name=f"Person{index:02d}",
            niss=None,
        )
    full_other, full_audit = _page_queries(agent_client, "/agent?view=overdue")
    # The same number of queries for 3 rows or a full page of 20 out of 28: no query per row …
    assert full_other == small_other
    # session and user, restricted files, the six counts with the office's name (one statement),
    # the page, the names with their keys, the operators' panel (two)
    assert full_other <= 8
    # … and the audit trail records every person whose name is shown in one chained batch
    # (take the sequence numbers, insert the records, move the head).
    assert small_audit == full_audit == 3
    assert db.session.scalar(select(CaseSchedule.case_id).limit(1)) is not None


def test_badges_of_other_lists_are_capped(agent_client, open_case, monkeypatch):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    dashboard._STATEMENTS.clear()
    try:
        _overdue_cases(open_case, 3)
        html = agent_client.get("/agent?view=mine").get_data(as_text=True)
        assert 'data-count="mine">3<' in html  # the chosen list: exact
        assert 'data-count="overdue">2+<' in html  # another list: capped
        assert 'data-count="overdue">3<' in agent_client.get("/agent?view=overdue").get_data(as_text=True)
    finally:
        dashboard._STATEMENTS.clear()
