"""The person's requests from their space: confirm or ask to move an appointment, a new phone or
address (pending until the office confirms), a data-protection request landing in the register;
bad input gives clear errors and writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights.models import SubjectRequest
from integration_centre.space.request_models import SpaceRequest
from tests.space.requests_helpers import book


def _requests() -> list[SpaceRequest]:
    return list(db.session.scalars(select(SpaceRequest).order_by(SpaceRequest.created_at)))


def _purposes(person_id) -> set[str]:
    return set(db.session.scalars(select(AuditRecord.purpose).where(AuditRecord.object_id == str(person_id))))


def test_the_requests_page_lists_the_appointments_and_is_audited(space, person):
    agent, newcomer = person
    book(agent, newcomer)
    page = space.get("/my/requests")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Welcome meeting" in html and "I will come" in html and "I need another time" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "space.requests" in _purposes(newcomer.id)


def test_the_person_confirms_an_appointment(space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    response = space.post(f"/my/appointments/{appointment.id}/confirm")
    assert response.status_code == 302
    (item,) = _requests()
    assert (item.kind, item.status, item.appointment_id) == ("appointment_confirmation", "noted", appointment.id)
    assert "You said that you will come." in space.get("/my/requests").get_data(as_text=True)
    # Twice: refused, nothing more written.
    space.post(f"/my/appointments/{appointment.id}/confirm")
    assert len(_requests()) == 1
    assert "space.appointment_confirm" in _purposes(newcomer.id)


def test_the_person_asks_to_move_an_appointment(space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    form = space.get(f"/my/appointments/{appointment.id}/move")
    assert form.status_code == 200 and "Why do you need another time?" in form.get_data(as_text=True)
    response = space.post(
        f"/my/appointments/{appointment.id}/move", data={"reason": "work", "preferred": "Monday   morning"}
    )
    assert response.status_code == 302
    (item,) = _requests()
    assert (item.kind, item.status, item.reason, item.office_id) == (
        "appointment_move",
        "pending",
        "work",
        appointment.office_id,
    )
    assert item.details_ct is not None and b"Monday" not in item.details_ct  # sealed
    with access(agent, "test", [newcomer.id]):
        assert item.details == {"preferred": "Monday morning"}
    page = space.get("/my/requests").get_data(as_text=True)
    assert "You asked to move it. The office will answer." in page and "Waiting for the office" in page
    assert "space.appointment_move" in _purposes(newcomer.id)


def test_a_move_without_a_reason_is_refused_clearly(space, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    response = space.post(f"/my/appointments/{appointment.id}/move", data={"reason": "", "preferred": "x" * 400})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "Choose a reason." in html and "Write less text, please." in html
    assert _requests() == []


def test_another_persons_appointment_answers_404(space, person, make_user, org):
    from integration_centre.pathway import registration
    from tests.pathway.conftest import newcomer_data

    agent, _newcomer = person
    other = registration.register_newcomer(
        agent, newcomer_data(family_name="Other", niss=None), org["office"], confirm_duplicate=True
    )
    db.session.commit()
    appointment = book(agent, other)
    assert space.get(f"/my/appointments/{appointment.id}/move").status_code == 404
    assert space.post(f"/my/appointments/{appointment.id}/confirm").status_code == 404
    assert _requests() == []


def test_a_new_phone_is_sealed_and_pending_the_file_unchanged(space, person):
    agent, newcomer = person
    with access(agent, "test", [newcomer.id]):
        old_phone = newcomer.phone
    response = space.post("/my/contact", data={"phone": "+32 470 99 88 77", "address": "", "email": ""})
    assert response.status_code == 302
    (item,) = _requests()
    assert (item.kind, item.status) == ("contact_change", "pending")
    assert b"470" not in item.details_ct
    db.session.expire_all()
    with access(agent, "test", [newcomer.id]):
        assert newcomer.phone == old_phone
        assert item.details == {"phone": "+32 470 99 88 77"}
    assert "space.contact_change" in _purposes(newcomer.id)
    # A second change waits for the first.
    again = space.get("/my/contact").get_data(as_text=True)
    assert "You already sent a change. The office will check it first." in again


def test_bad_contact_details_are_refused_clearly(space, person):
    response = space.post("/my/contact", data={"phone": "call me", "email": "nope", "address": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write a phone number with numbers only" in html and "Write an e-mail address like" in html
    empty = space.post("/my/contact", data={"phone": "", "email": "", "address": ""})
    assert empty.status_code == 400 and "Write a new address, phone or e-mail." in empty.get_data(as_text=True)
    assert _requests() == []


def test_a_data_subject_request_lands_in_the_register(space, person):
    _agent, newcomer = person
    response = space.post("/my/data-request", data={"kind": "access", "details": ""})
    assert response.status_code == 302
    (filed,) = db.session.scalars(select(SubjectRequest)).all()
    assert (filed.person_id, filed.kind, filed.status, filed.channel) == (newcomer.id, "access", "received", "space")
    (item,) = _requests()
    assert (item.kind, item.status, item.subject_request_id) == ("rights_request", "filed", filed.id)
    page = space.get("/my/requests").get_data(as_text=True)
    assert "Sent to the data protection officer" in page and "I want a copy of my personal data." in page
    assert "space.rights_request" in _purposes(newcomer.id)


def test_a_rectification_needs_what_is_wrong(space, person):
    response = space.post("/my/data-request", data={"kind": "rectification", "details": " "})
    assert response.status_code == 400
    assert "Write what is wrong and what is right." in response.get_data(as_text=True)
    bad_kind = space.post("/my/data-request", data={"kind": "erasure", "details": ""})
    assert bad_kind.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    assert _requests() == []


def test_the_register_shows_the_space_channel(space, person, login_as):
    space.post("/my/data-request", data={"kind": "rectification", "details": "My name is spelled Haddad."})
    from integration_centre.accounts.models import Role

    admin, _user = login_as(Role.ADMIN)
    register = admin.get("/admin/privacy/requests/").get_data(as_text=True)
    assert "From the person&#39;s space" in register or "From the person's space" in register
    (filed,) = db.session.scalars(select(SubjectRequest)).all()
    detail = admin.get(f"/admin/privacy/requests/{filed.id}").get_data(as_text=True)
    assert "Filed by the person in their own space" in detail


def test_without_a_space_session_the_request_pages_answer_404(client, person):
    agent, newcomer = person
    appointment = book(agent, newcomer)
    for url in ("/my/requests", "/my/contact", "/my/data-request", f"/my/appointments/{appointment.id}/move"):
        assert client.get(url).status_code == 404
    assert client.post("/my/contact", data={"phone": "+32 470 99 88 77"}).status_code == 404


def test_the_requests_die_with_the_person(space, person):
    from integration_centre.privacy import erasure
    from integration_centre.privacy.context import Actor

    _agent, newcomer = person
    space.post("/my/contact", data={"phone": "+32 470 99 88 77"})
    assert len(_requests()) == 1
    erasure.erase_person(newcomer.id, actor=Actor.system("test"))
    db.session.commit()
    assert _requests() == []


def test_the_persons_posts_are_rate_limited(db_url, _schema, tmp_path, link):
    from integration_centre.space.views_requests import POST_LIMIT
    from tests.conftest import make_app
    from tests.space.conftest import open_space

    allowed = int(POST_LIMIT.split("/")[0])
    instance = tmp_path / "limited"
    instance.mkdir()
    limited = make_app(db_url, instance, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with limited.app_context():
        client = limited.test_client()
        assert open_space(client, link[1]).status_code == 302
        codes = [client.post("/my/contact", data={"phone": "call me"}).status_code for _ in range(allowed + 1)]
        db.session.remove()
        db.engine.dispose()
    assert codes[:allowed] == [400] * allowed
    assert codes[allowed] == 429
