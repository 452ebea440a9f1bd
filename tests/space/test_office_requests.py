"""The office's side of the person's requests: the agent of the office sees them (another office's
agent gets 404), moves the appointment, applies or declines a contact change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.agenda.models import Appointment
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.space.request_models import SpaceRequest
from tests.conftest import login
from tests.space.requests_helpers import book, next_week_at


def _only_request() -> SpaceRequest:
    (item,) = db.session.scalars(select(SpaceRequest)).all()
    return item


def _phone(agent, newcomer_id) -> str | None:
    db.session.expire_all()
    newcomer = db.session.get(Newcomer, newcomer_id)
    with access(agent, "test", [newcomer_id]):
        return newcomer.phone


def _agent_client(app, agent):
    client = app.test_client()
    assert login(client, agent).status_code == 302
    return client


def test_the_office_list_is_empty_at_first(app, person):
    agent, _newcomer = person
    page = _agent_client(app, agent).get("/space-requests")
    assert page.status_code == 200
    assert "No request is waiting." in page.get_data(as_text=True)


def test_the_move_request_reaches_the_agent_of_the_office_only(app, space, person, make_user, org):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    space.post(f"/my/appointments/{appointment.id}/move", data={"reason": "children", "preferred": "Friday"})
    item = _only_request()

    client = _agent_client(app, agent)
    listing = client.get("/space-requests").get_data(as_text=True)
    assert "Move an appointment" in listing and "I have no one to look after my children." in listing
    with access(agent, "test", [newcomer.id]):
        family_name = newcomer.family_name
    assert family_name.upper() in listing  # the person's name, for the agent of their office
    review = client.get(f"/space-requests/{item.id}")
    assert review.status_code == 200 and "Friday" in review.get_data(as_text=True)
    assert db.session.scalar(
        select(AuditRecord.id).where(
            AuditRecord.purpose == "space.request_review", AuditRecord.object_id == str(newcomer.id)
        )
    )

    stranger = make_user(Role.AGENT, office_id=org["other_office"].id)
    other = _agent_client(app, stranger)
    assert other.get(f"/space-requests/{item.id}").status_code == 404
    assert other.post(f"/space-requests/{item.id}/decline", data={"reason": "call_office"}).status_code == 404
    assert other.post(f"/space-requests/{item.id}/move", data={}).status_code == 404
    other_listing = other.get("/space-requests").get_data(as_text=True)
    assert "No request is waiting." in other_listing and family_name.upper() not in other_listing
    assert _only_request().status == "pending"


def test_moving_through_the_request_moves_the_appointment(app, space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    space.post(f"/my/appointments/{appointment.id}/move", data={"reason": "work"})
    item = _only_request()
    new_time = next_week_at(14, days=8)
    local = new_time.astimezone(clock.zone())
    client = _agent_client(app, agent)
    response = client.post(
        f"/space-requests/{item.id}/move",
        data={"day": local.date().isoformat(), "start": local.strftime("%H:%M"), "agent": str(agent.id), "room": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    moved = db.session.get(Appointment, appointment.id)
    assert moved.starts_at == new_time and moved.status == "moved"
    assert _only_request().status == "done"
    assert "Done" in space.get("/my/requests").get_data(as_text=True)
    # Answered once only.
    again = client.post(f"/space-requests/{item.id}/decline", data={"reason": "call_office"})
    assert again.status_code == 400 and "already answered" in again.get_data(as_text=True)


def test_a_move_outside_the_hours_is_refused_and_nothing_changes(app, space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    before = appointment.starts_at
    space.post(f"/my/appointments/{appointment.id}/move", data={"reason": "work"})
    item = _only_request()
    past = (clock.today() - timedelta(days=3)).isoformat()
    response = _agent_client(app, agent).post(
        f"/space-requests/{item.id}/move", data={"day": past, "start": "10:00", "agent": str(agent.id), "room": ""}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).starts_at == before
    assert _only_request().status == "pending"


def test_declining_a_move_tells_the_person_why(app, space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    space.post(f"/my/appointments/{appointment.id}/move", data={"reason": "work"})
    item = _only_request()
    client = _agent_client(app, agent)
    bad = client.post(f"/space-requests/{item.id}/decline", data={"reason": "bring_document"})
    assert bad.status_code == 400 and _only_request().status == "pending"
    assert client.post(f"/space-requests/{item.id}/decline", data={"reason": "no_other_time"}).status_code == 302
    page = space.get("/my/requests").get_data(as_text=True)
    assert "Refused" in page and "The office has no other free time." in page


def test_a_phone_change_applies_only_once_the_agent_confirms(app, space, person):
    agent, newcomer = person
    old_phone = _phone(agent, newcomer.id)
    space.post("/my/contact", data={"phone": "+32 470 99 88 77"})
    item = _only_request()
    assert _phone(agent, newcomer.id) == old_phone

    client = _agent_client(app, agent)
    review = client.get(f"/space-requests/{item.id}").get_data(as_text=True)
    assert "+32 470 99 88 77" in review and (old_phone or "—") in review
    version = db.session.get(Newcomer, newcomer.id).version
    assert _phone(agent, newcomer.id) == old_phone  # reviewing changes nothing
    response = client.post(f"/space-requests/{item.id}/apply", data={"version": str(version)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _phone(agent, newcomer.id) == "+32 470 99 88 77"
    assert _only_request().status == "done"
    edits = db.session.scalars(
        select(AuditRecord).where(
            AuditRecord.object_id == str(newcomer.id),
            AuditRecord.purpose == "newcomer.edit",
            AuditRecord.action == "update",
        )
    ).all()
    assert edits and edits[-1].actor_id == str(agent.id)


def test_a_stale_file_version_is_refused(app, space, person):
    agent, newcomer = person
    space.post("/my/contact", data={"phone": "+32 470 99 88 77"})
    item = _only_request()
    old_phone = _phone(agent, newcomer.id)
    response = _agent_client(app, agent).post(f"/space-requests/{item.id}/apply", data={"version": "999"})
    assert response.status_code == 400 and "Someone else changed this file" in response.get_data(as_text=True)
    assert _phone(agent, newcomer.id) == old_phone
    assert _only_request().status == "pending"


def test_a_rejected_change_leaves_the_file_unchanged(app, space, person):
    agent, newcomer = person
    old_phone = _phone(agent, newcomer.id)
    space.post("/my/contact", data={"phone": "+32 470 99 88 77", "address": "Rue Neuve 1, 5000 Namur"})
    item = _only_request()
    response = _agent_client(app, agent).post(f"/space-requests/{item.id}/decline", data={"reason": "bring_document"})
    assert response.status_code == 302
    assert _phone(agent, newcomer.id) == old_phone
    assert _only_request().status == "declined"
    page = space.get("/my/requests").get_data(as_text=True)
    assert "Please come to the office with a document that shows it." in page


def test_the_case_page_panel_shows_the_pending_request(app, space, person):
    agent, newcomer = person
    case = pathway.open_case(agent, newcomer, on=clock.today())
    db.session.commit()
    space.post("/my/contact", data={"phone": "+32 470 99 88 77"})
    item = _only_request()
    page = _agent_client(app, agent).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Requests from the person" in page and f"/space-requests/{item.id}" in page


def test_a_space_session_cannot_reach_the_office_pages(space, person):
    assert space.get("/space-requests").status_code == 404


def test_the_case_panel_shows_the_confirmed_appointments(app, space, person):
    agent, newcomer = person
    case = pathway.open_case(agent, newcomer, on=clock.today())
    db.session.commit()
    appointment = book(agent, newcomer)
    space.post(f"/my/appointments/{appointment.id}/confirm")
    page = _agent_client(app, agent).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The person said they will come to:" in page and f"/agenda/appointments/{appointment.id}" in page
