"""Caseload: the responsible agent of a case, assigning and reassigning, the office's counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import caseload, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import TimelineEntry


def test_the_opening_agent_is_responsible(agent, register):
    case = services.open_case(agent, register())
    assert case.responsible_agent_id == agent.id


def test_reassign_many_cases_when_an_agent_leaves(agent, make_user, started_case):
    colleague = make_user(Role.AGENT)
    cases = [started_case(family_name=f"Person{i}") for i in range(3)]
    assert [(load.agent, load.count) for load in caseload.office_caseload(agent)] == [(agent, 3), (colleague, 0)]
    changed = caseload.assign(agent, caseload.active_cases_of(agent, agent.id), colleague)
    db.session.commit()
    assert changed == 3 and all(case.responsible_agent_id == colleague.id for case in cases)
    assert [(load.agent, load.count) for load in caseload.office_caseload(agent)] == [(agent, 0), (colleague, 3)]
    entries = list(db.session.scalars(select(TimelineEntry).where(TimelineEntry.action == "case.assign")))
    assert len(entries) == 3 and all(e.note_ct is None and e.reason is None for e in entries)
    # Assigning again to the same agent changes nothing and writes nothing.
    assert caseload.assign(agent, cases[:1], colleague) == 0
    page = caseload.agent_cases(agent, colleague.id, page=1)
    assert page.total == 3 and page.pages == 1 and len(page.cases) == 3


def test_target_must_be_an_active_agent_of_the_office(agent, make_user, other_agent, started_case):
    case = started_case()
    gone = make_user(Role.AGENT, is_enabled=False)
    operator = make_user(Role.OPERATOR)
    for target in (other_agent, gone, operator, None):
        with pytest.raises(PathwayError, match="active agent of the case's office"):
            caseload.assign(agent, [case], target)
        db.session.rollback()
    assert case.responsible_agent_id == agent.id
    with pytest.raises(PathwayError, match="at least one case"):
        caseload.assign(agent, [], agent)


def test_other_office_and_operator_get_404(agent, other_agent, make_user, started_case):
    case = started_case()
    for user in (other_agent, make_user(Role.OPERATOR)):
        with pytest.raises(NotFound):
            caseload.assign(user, [case], agent)
    with pytest.raises(NotFound):
        caseload.office_caseload(make_user(Role.OPERATOR))


def test_pages_of_an_agents_list(agent, register, monkeypatch):
    monkeypatch.setattr(caseload, "PAGE_SIZE", 2)
    for i in range(5):
        services.open_case(agent, register(family_name=f"Person{i}"))
    db.session.commit()
    first, last = caseload.agent_cases(agent, agent.id, 1), caseload.agent_cases(agent, agent.id, 9)
    assert (first.total, first.pages, len(first.cases)) == (5, 3, 2)
    assert (last.page, len(last.cases)) == (3, 1)
