"""Casework pages: transfer (ask, incoming, accept, refuse, cancel), responsible agent, caseload,
bulk reassignment, merge of two files; with the refusals and the 404s of other actors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import transfers
from integration_centre.pathway.models import Case, DuplicateReview, MergeRecord, Newcomer, TransferRequest
from integration_centre.pathway.states import CaseStatus
from tests.conftest import login


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def client_of(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def test_transfer_asked_then_accepted_by_the_other_office(app, agent_client, other_agent, open_case, org):
    case = open_case(family_name="Karimi")
    page = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Transfer to another office" in page and 'data-testid="responsible"' in page
    form = agent_client.get(f"/cases/{case.id}/transfer").get_data(as_text=True)
    assert '<optgroup label="Centre de Namur">' in form and "Bureau de Dinant" in form
    response = agent_client.post(
        f"/cases/{case.id}/transfer",
        data={"office": str(org["other_office"].id), "note": "Moved", "version": str(case.version)},
    )
    assert response.status_code == 302
    page = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "waiting for that office" in page and "Cancel the transfer request" in page
    other = client_of(app, other_agent)
    incoming = other.get("/transfers/incoming").get_data(as_text=True)
    assert "KARIMI, Amira" in incoming
    request = db.session.scalar(select(TransferRequest))
    confirm = other.get(f"/transfers/{request.id}/accept").get_data(as_text=True)
    assert "Confirm: take the case over" in confirm and "KARIMI" in confirm
    response = other.post(f"/transfers/{request.id}/accept", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.TRANSFERRED
    successor = db.session.get(Case, request.successor_case_id)
    assert response.headers["Location"].endswith(f"/cases/{successor.id}")
    assert other.get(f"/cases/{successor.id}").status_code == 200
    assert agent_client.get(f"/cases/{successor.id}").status_code == 404


def test_refuse_needs_a_reason_and_cancel(app, agent, agent_client, other_agent, open_case, org):
    case = open_case()
    item = transfers.request_transfer(agent, case, org["other_office"])
    db.session.commit()
    other = client_of(app, other_agent)
    page = other.post(f"/transfers/{item.id}/refuse", data={"reason": ""}).get_data(as_text=True)
    assert "Say why the transfer is refused." in page
    assert other.post(f"/transfers/{item.id}/refuse", data={"reason": "Not our area"}).status_code == 302
    assert db.session.get(TransferRequest, item.id).status == "refused"
    item = transfers.request_transfer(agent, db.session.get(Case, case.id), org["other_office"])
    db.session.commit()
    assert other.post(f"/transfers/{item.id}/cancel", data={}).status_code == 404  # the receiver cannot cancel
    assert agent_client.post(f"/transfers/{item.id}/cancel", data={}).status_code == 302
    assert db.session.get(TransferRequest, item.id).status == "cancelled"


def test_outsiders_get_404(app, agent, make_user, open_case, org):
    case = open_case()
    item = transfers.request_transfer(agent, case, org["other_office"])
    db.session.commit()
    colleague = client_of(app, make_user(Role.AGENT))  # same office as the sender: cannot accept
    assert colleague.get(f"/transfers/{item.id}/accept").status_code == 404
    operator = client_of(app, make_user(Role.OPERATOR))
    for url in (f"/transfers/{item.id}/accept", "/transfers/incoming", "/caseload", f"/cases/{case.id}/transfer"):
        assert operator.get(url).status_code == 404


def test_responsible_and_bulk_reassignment(app, agent, agent_client, make_user, open_case):
    colleague = make_user(Role.AGENT, display_name="Colleague Leaving")
    cases = [open_case(family_name=f"Person{i}") for i in range(3)]
    page = agent_client.get("/caseload").get_data(as_text=True)
    assert "Colleague Leaving" in page
    response = agent_client.post(f"/cases/{cases[0].id}/responsible", data={"agent": str(colleague.id)})
    assert response.status_code == 302 and db.session.get(Case, cases[0].id).responsible_agent_id == colleague.id
    mine = agent_client.get("/agent?view=mine").get_data(as_text=True)
    assert "PERSON0" not in mine and "PERSON1" in mine
    listing = agent_client.get(f"/caseload/{agent.id}").get_data(as_text=True)
    assert "PERSON1, Amira" in listing and "PERSON0" not in listing
    # All of this agent's cases to the colleague: confirmation first, then the change.
    data = {"scope": "all", "agent": str(colleague.id)}
    confirm = agent_client.post(f"/caseload/{agent.id}", data=data).get_data(as_text=True)
    assert "Give 2 case(s) to Colleague Leaving?" in confirm
    assert {db.session.get(Case, c.id).responsible_agent_id for c in cases[1:]} == {agent.id}
    response = agent_client.post(f"/caseload/{agent.id}", data=dict(data, confirmed="yes"))
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Case, c.id).responsible_agent_id for c in cases} == {colleague.id}
    empty = agent_client.post(f"/caseload/{colleague.id}", data={"scope": "selected", "agent": str(agent.id)})
    assert "Tick at least one case" in empty.get_data(as_text=True)


def test_reassign_refuses_an_agent_of_another_office(agent_client, other_agent, open_case):
    case = open_case()
    page = agent_client.post(f"/cases/{case.id}/responsible", data={"agent": str(other_agent.id)})
    assert page.status_code == 200  # not a choice of the form
    assert db.session.get(Case, case.id).responsible_agent_id != other_agent.id


def test_merge_two_files_from_the_agent_pages(app, agent, agent_client, register, open_case, other_agent):
    kept = register(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    case = open_case(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    removed_id = case.person_id
    page = agent_client.get(f"/newcomers/{kept.id}/merge").get_data(as_text=True)
    assert f"/newcomers/{kept.id}/merge/{removed_id}" in page
    url = f"/newcomers/{kept.id}/merge/{removed_id}"
    compare = agent_client.get(url).get_data(as_text=True)
    assert compare.count("DIALLO, Mariama") == 2
    assert client_of(app, other_agent).get(url).status_code == 404
    unconfirmed = agent_client.post(url, data={"keep": str(kept.id)}).get_data(as_text=True)
    assert "Confirm that both files are the same person." in unconfirmed
    response = agent_client.post(url, data={"keep": str(kept.id), "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/newcomers/{kept.id}")
    assert db.session.get(Newcomer, removed_id) is None
    assert db.session.get(Case, case.id).person_id == kept.id


def test_merge_refused_while_both_files_are_active(agent, agent_client, open_case):
    first = open_case(family_name="Diallo", date_of_birth=date(1990, 1, 2))
    second = open_case(family_name="Diallo", date_of_birth=date(1990, 1, 2))
    url = f"/newcomers/{first.person_id}/merge/{second.person_id}"
    page = agent_client.post(url, data={"keep": str(first.person_id), "confirm": "y"}).get_data(as_text=True)
    assert "Both files have an active case: close the one that should not go on" in page
    assert db.session.scalar(select(MergeRecord)) is None


def test_coordinator_merges_from_a_duplicate_review(app, login_as, agent, register, org):
    first = register(family_name="Diallo", date_of_birth=date(1990, 1, 2))
    second = register(family_name="Diallo", date_of_birth=date(1990, 1, 2))
    review = DuplicateReview(
        centre_id=org["centre"].id, office_id=org["office"].id, requested_by_id=agent.id, person_ids=[str(first.id)]
    )
    db.session.add(review)
    db.session.commit()
    client, _admin = login_as(Role.ADMIN)
    listing = client.get(f"/admin/pathways/duplicate-reviews/{review.id}/merge").get_data(as_text=True)
    url = f"/newcomers/{first.id}/merge/{second.id}?review={review.id}"
    assert url.replace("?", "?").split("?")[0] in listing
    assert client.get(url).status_code == 200
    response = client.post(url, data={"keep": str(second.id), "confirm": "y", "review": str(review.id)})
    assert response.status_code == 302
    assert db.session.get(Newcomer, first.id) is None
    assert db.session.get(DuplicateReview, review.id).status == "reviewed"
