"""Case transfers through a request: asked by the sending office, accepted or refused by the receiving one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from integration_centre.accounts.models import Centre, Office, Role
from integration_centre.extensions import db
from integration_centre.pathway import events, services, transfers
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer, TimelineEntry, TransferRequest
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.states import CaseStatus


@pytest.fixture
def far_office(app):
    """An office of another centre (Liège)."""
    centre = Centre(code="CRIPEL", name="Centre de Liège")
    db.session.add(centre)
    db.session.flush()
    office = Office(centre_id=centre.id, name="Bureau de Liège", municipality_code="62063")
    db.session.add(office)
    db.session.commit()
    return office


def actions(case) -> list[str]:
    return list(db.session.scalars(select(TimelineEntry.action).where(TimelineEntry.case_id == case.id)
                                   .order_by(TimelineEntry.at)))  # fmt: skip


def test_request_then_accept_moves_the_case_to_the_other_office(agent, other_agent, started_case, org):
    case = started_case()
    request = transfers.request_transfer(agent, case, org["other_office"], note="Moved to Dinant")
    db.session.commit()
    assert request.status == "pending" and case.status == CaseStatus.IN_PROGRESS
    assert transfers.incoming(other_agent) == [request]
    assert transfers.incoming(agent) == []
    # The receiving office sees the person's file (its future case) but not yet the case itself.
    assert person_visible_to(other_agent, case.person)
    assert not can_see_case(other_agent, case)
    with events.collect() as received:
        successor = transfers.accept_transfer(other_agent, request, on=date(2025, 6, 1))
        db.session.commit()
    assert [e.type for e in received] == ["case_transferred"]
    assert case.status == CaseStatus.TRANSFERRED and case.ended_on == date(2025, 6, 1)
    assert case.successor_case_id == successor.id == request.successor_case_id
    assert successor.office_id == org["other_office"].id and successor.status == CaseStatus.IN_PROGRESS
    assert successor.person_id == case.person_id
    assert successor.responsible_agent_id == other_agent.id
    assert request.status == "accepted" and request.decided_by_id == other_agent.id
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 1  # no duplicate file
    assert actions(case)[-2:] == ["case.transfer_request", "case.transfer"]
    assert actions(successor) == ["case.transfer_in"]
    assert can_see_case(other_agent, successor) and not can_see_case(agent, successor)


def test_a_centre_other_than_ones_own_may_receive(agent, make_user, started_case, far_office):
    case = started_case()
    receiver = make_user(Role.AGENT, office_id=far_office.id, centre_id=far_office.centre_id)
    assert far_office in transfers.target_offices(agent, case)
    request = transfers.request_transfer(agent, case, far_office)
    db.session.commit()
    successor = transfers.accept_transfer(receiver, request)
    db.session.commit()
    assert successor.centre_id == far_office.centre_id and successor.office_id == far_office.id


def test_refusals_with_clear_messages(agent, other_agent, started_case, org):
    case = started_case()
    with pytest.raises(PathwayError, match="Choose another office"):
        transfers.request_transfer(agent, case, org["office"])
    transfers.request_transfer(agent, case, org["other_office"])
    db.session.commit()
    with pytest.raises(PathwayError, match="already pending"):
        transfers.request_transfer(agent, case, org["other_office"])
    db.session.rollback()
    request = transfers.pending_request(case)
    with pytest.raises(PathwayError, match="Say why"):
        transfers.refuse_transfer(other_agent, request, "  ")
    db.session.rollback()
    transfers.refuse_transfer(other_agent, request, "Not our territory")
    db.session.commit()
    assert request.status == "refused" and case.status == CaseStatus.IN_PROGRESS
    with pytest.raises(PathwayError, match="already answered"):
        transfers.accept_transfer(other_agent, request)
    db.session.rollback()
    assert actions(case)[-1] == "case.transfer_refused"
    assert not person_visible_to(other_agent, case.person)  # no longer addressed to them


def test_a_closed_case_cannot_be_transferred(agent, started_case, org):
    case = started_case()
    services.transition_case(agent, case, "close", reason="moved_away")
    db.session.commit()
    with pytest.raises(PathwayError, match="Only an open, started or suspended case"):
        transfers.request_transfer(agent, case, org["other_office"])


def test_cancel_by_the_sender_only(agent, other_agent, started_case, org):
    case = started_case()
    request = transfers.request_transfer(agent, case, org["other_office"])
    db.session.commit()
    with pytest.raises(NotFound):
        transfers.cancel_transfer(other_agent, request)
    transfers.cancel_transfer(agent, request)
    db.session.commit()
    assert request.status == "cancelled" and actions(case)[-1] == "case.transfer_cancelled"
    # A new request is possible once the previous one is over.
    assert transfers.request_transfer(agent, case, org["other_office"]).status == "pending"


def test_only_the_offices_concerned(agent, other_agent, make_user, started_case, org, far_office):
    case = started_case()
    outsider = make_user(Role.AGENT, office_id=far_office.id)
    operator = make_user(Role.OPERATOR)
    with pytest.raises(NotFound):
        transfers.request_transfer(other_agent, case, far_office)
    request = transfers.request_transfer(agent, case, org["other_office"])
    db.session.commit()
    for user in (agent, outsider, operator):  # the sender cannot accept its own request
        with pytest.raises(NotFound):
            transfers.accept_transfer(user, request)
        with pytest.raises(NotFound):
            transfers.refuse_transfer(user, request, "no")
    assert db.session.get(TransferRequest, request.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
