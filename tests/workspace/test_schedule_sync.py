"""The dashboard dates of a case follow every change of the case, whatever package makes it
(``workspace.schedule_sync``): here the reception agreement signature and step moves made
through pathway services, neither of which calls the workspace."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.services import StepChange
from integration_centre.workspace.models import CaseSchedule
from tests.reception.helpers import do_reception


def _schedule(case) -> CaseSchedule:
    db.session.expire_all()
    return db.session.get(CaseSchedule, case.id)


def test_agreement_signed_through_reception_moves_the_next_evaluation(agent, open_case):
    case = open_case(on=date(2025, 3, 1))
    assert _schedule(case).next_evaluation_on == date(2025, 9, 1)  # six months after the start

    do_reception(agent, case, on=date(2025, 3, 20))  # reception's services, committed

    schedule = _schedule(case)
    assert case.agreement_signed_on == date(2025, 3, 20)
    assert schedule.next_evaluation_on == date(2025, 9, 20)  # six months after the signature
    assert schedule.next_action_on == date(2025, 9, 20)


def test_step_moves_through_pathway_services_refresh_the_next_action(agent, open_case):
    case = open_case(on=date(2025, 3, 1))
    pathway.transition_step(
        agent, case, "social_assessment", "plan", StepChange(planned_on=date(2025, 4, 2)), on=date(2025, 3, 2)
    )
    db.session.commit()
    assert _schedule(case).next_action_on == date(2025, 4, 2)  # the planned step comes first

    case = db.session.get(type(case), case.id)
    pathway.transition_step(agent, case, "social_assessment", "start", on=date(2025, 4, 2))
    pathway.transition_step(agent, case, "social_assessment", "complete", on=date(2025, 4, 2))
    db.session.commit()
    assert _schedule(case).next_action_on == date(2025, 9, 1)  # back to the evaluation


def test_case_closed_through_pathway_leaves_no_deadline_on_the_dashboard(agent, open_case):
    case = open_case(on=date(2025, 3, 1))
    assert _schedule(case).completion_deadline is not None
    case = db.session.get(type(case), case.id)
    pathway.transition_case(agent, case, "close", reason="moved_away", on=date(2025, 5, 1))
    db.session.commit()
    schedule = _schedule(case)
    assert schedule.completion_deadline is None and schedule.next_evaluation_on is None


def test_the_refresh_rolls_back_with_the_change(agent, open_case):
    case = open_case(on=date(2025, 3, 1))
    pathway.transition_step(
        agent, case, "social_assessment", "plan", StepChange(planned_on=date(2025, 4, 2)), on=date(2025, 3, 2)
    )
    db.session.flush()
    db.session.rollback()
    assert _schedule(case).next_action_on == date(2025, 9, 1)


def test_date_list_sorted_by_opening_date_reads_the_schedule_copies(agent, agent_client, open_case):
    opened = [date(2023, 1, 5), date(2023, 3, 5), date(2023, 2, 5)]
    for index, on in enumerate(opened):
        open_case(
            permit_order_date=date(2021, 1, 1),
            registration_date=date(2021, 1, 10),
            on=on,
            family_name=f"Opened{index}",
            niss=None,
        )
    for row in db.session.scalars(select(CaseSchedule)):
        case = db.session.get(Case, row.case_id)
        assert (row.opened_on, row.last_change_at) == (case.opened_on, case.last_change_at)
    html = agent_client.get("/agent?view=overdue&sort=opened&dir=desc").get_data(as_text=True)
    listing = html.split('data-testid="dashboard-list"')[1].split("</table>")[0]
    names = re.findall(r'<th scope="row"><a href="/cases/[0-9a-f-]+">([^<]+)</a>', listing)
    assert [n.split(",")[0] for n in names] == ["OPENED1", "OPENED2", "OPENED0"]
