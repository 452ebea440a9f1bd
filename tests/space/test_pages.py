"""What the person sees in their space: each page shows their data (and not another person's),
documents download only for their owner, every view is audited under its own purpose, and the
access log names roles and organisations, never staff."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy.context import Actor
from integration_centre.privacy.models import AuditRecord
from integration_centre.space import access_log, links, overview, pathway_view
from integration_centre.space.session import ROLE
from tests.space.conftest import open_space
from tests.space.seed import seed_person

BIRTH = date(1990, 6, 1)
OTHER_BIRTH = date(1988, 11, 20)
PAGES = ("/my/", "/my/steps", "/my/appointments", "/my/documents", "/my/contacts", "/my/access-log", "/my/privacy")


@pytest.fixture
def agent(make_user):
    return make_user(display_name="Zelda Staffname")


@pytest.fixture
def seeded(app, agent, org):
    """Two persons of the office, each with a full space; the first one's space is open."""
    mine = seed_person(
        agent, org["office"], org["operator"], birth_date=BIRTH, given_names="Amira Nour", certificate=True
    )
    other = seed_person(
        agent, org["office"], org["other_operator"], birth_date=OTHER_BIRTH, given_names="Boris", hour=14
    )
    _, token = links.issue(mine.person.id, office_id=org["office"].id, issued_by_id=agent.id)
    db.session.commit()
    client = app.test_client()
    assert open_space(client, token, BIRTH).status_code == 302
    return client, mine, other


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_home_greets_with_the_given_name_only_and_shows_the_next_appointment(seeded):
    client, mine, _other = seeded
    page = _text(client.get("/my/"))
    assert "Hello Amira." in page
    assert "Nour" not in page and mine.person.id.hex not in page
    assert "Meeting to look at your progress" in page
    assert "Your next step: Citizenship course" not in page  # done: the certificate was issued
    for endpoint in ("/my/steps", "/my/appointments", "/my/documents", "/my/contacts", "/my/access-log", "/my/privacy"):
        assert f'href="{endpoint}"' in page


def test_steps_show_done_and_to_come_with_hours_and_plain_deadlines(app, agent, org):
    person = seed_person(agent, org["office"], org["operator"], birth_date=BIRTH)
    actor = Actor(id=str(person.person.id), role=ROLE)
    with app.test_request_context():
        steps = pathway_view.steps_of(actor, person.person.id, "space.steps")
        done = {s.code for s in steps.done}
        assert {"social_assessment", "rights_and_duties", "language_test", "admin_help", "agreement"} <= done
        citizenship = next(s for s in steps.to_come if s.code == "citizenship")
        assert citizenship.hours == "0 of 60 hours" and citizenship.state_label == "Planned"
        deadlines = [d.sentence for d in pathway_view.deadlines_of(actor, person.person.id, "space.steps")]
    assert "You must finish “Citizenship course” before March 12, 2027." in deadlines
    assert any(s.startswith("You must finish your integration pathway before") for s in deadlines)


def test_steps_page_lists_the_person_s_steps(seeded):
    client, _mine, _other = seeded
    page = _text(client.get("/my/steps"))
    assert "Steps done" in page and "Citizenship course" in page and "60 of 60 hours" in page
    assert "Sign the reception agreement" in page


def test_appointments_say_where_and_whether_an_interpreter_is_booked_never_who(seeded):
    client, mine, other = seeded
    page = _text(client.get("/my/appointments"))
    assert "Bureau de Namur" in page
    assert "We asked for an interpreter." in page and "Language: Arabic" in page
    assert "10:00" in page and "14:00" not in page  # the other person's appointment is at 14:00
    assert "Zelda" not in page and "Staffname" not in page
    assert str(mine.appointment.id) in page and str(other.appointment.id) not in page


def test_contacts_show_the_organisation_not_the_staff(seeded, org):
    client, _mine, _other = seeded
    page = _text(client.get("/my/contacts"))
    assert org["operator"].name in page and "+32 81 11 22 33" in page and "contact@partner.example" in page
    assert "For: Citizenship course" in page
    assert org["other_operator"].name not in page  # the other person's partner
    assert "Zelda" not in page


def test_documents_list_and_download_the_person_s_own(seeded):
    client, mine, _other = seeded
    page = _text(client.get("/my/documents"))
    assert f"/my/documents/agreement/{mine.case.id}.pdf" in page
    assert f"/my/documents/certificate/{mine.certificate.id}.pdf" in page
    assert f"/my/documents/convocation/{mine.appointment.id}.pdf" in page
    for url in (
        f"/my/documents/agreement/{mine.case.id}.pdf",
        f"/my/documents/certificate/{mine.certificate.id}.pdf",
        f"/my/documents/convocation/{mine.appointment.id}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF")
        assert response.headers["Cache-Control"] == "no-store"


def test_another_person_s_documents_answer_404(seeded):
    client, mine, other = seeded
    for url in (
        f"/my/documents/agreement/{other.case.id}.pdf",
        f"/my/documents/convocation/{other.appointment.id}.pdf",
        f"/my/documents/certificate/{other.case.id}.pdf",  # a case id is not a certificate
        f"/my/documents/nothing/{mine.case.id}.pdf",
        f"/my/documents/agreement/{mine.appointment.id}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "This link does not work" in response.get_data(as_text=True)


def test_every_page_is_audited_under_its_own_purpose(seeded):
    client, mine, _other = seeded
    for url in PAGES:
        _text(client.get(url))
    assert client.get(f"/my/documents/agreement/{mine.case.id}.pdf").status_code == 200
    rows = db.session.execute(
        select(AuditRecord.purpose, AuditRecord.action, AuditRecord.actor_role, AuditRecord.object_id).where(
            AuditRecord.actor_role == ROLE
        )
    ).all()
    purposes = {row.purpose for row in rows}
    for purpose in (
        "space.home",
        "space.steps",
        "space.appointments",
        "space.documents",
        "space.contacts",
        "space.access_log",
        "space.privacy",
        "space.document_download",
    ):
        assert purpose in purposes, purpose
    assert {row.object_id for row in rows} == {str(mine.person.id)}
    assert ("space.document_download", "export") in {(row.purpose, row.action) for row in rows}


def test_the_access_log_shows_roles_and_organisations_not_staff_names(seeded, org):
    client, _mine, _other = seeded
    page = _text(client.get("/my/access-log"))
    assert "Your reception office" in page and org["office"].name in page
    assert "To follow your integration pathway." in page and "An automatic task of the centre" in page
    pages = [_text(client.get(f"/my/access-log?page={n}")) for n in range(2, 6)]
    assert any("To register you." in older for older in pages)
    assert "You looked at your space." in page
    for older in (page, *pages):
        assert "Zelda" not in older and "Staffname" not in older and "agent" not in older.lower()


def test_the_access_log_is_paginated(app, seeded):
    _client, mine, _other = seeded
    actor = Actor(id=str(mine.person.id), role=ROLE)
    with app.test_request_context():
        first = access_log.access_log(actor, mine.person.id, "space.access_log", page=1)
        assert len(first.listing.items) == access_log.PER_PAGE and first.listing.has_next and first.lines
        last = access_log.access_log(actor, mine.person.id, "space.access_log", page=first.listing.pages)
        assert last.lines and not last.listing.has_next


def test_the_overview_service_is_callable_without_http(app, seeded):
    _client, mine, _other = seeded
    actor = Actor(id=str(mine.person.id), role=ROLE)
    with app.test_request_context():
        result = overview.overview(actor, mine.person.id, "space.home")
    assert result.given_name == "Amira" and result.next_appointment.id == mine.appointment.id
    assert result.to_do[0].startswith("Go to your appointment on")


def test_the_privacy_page_says_what_why_how_long_and_the_rights(seeded):
    client, _mine, _other = seeded
    page = _text(client.get("/my/privacy"))
    for text in (
        "What we keep",
        "Why we keep it",
        "How long",
        "Your rights",
        "We keep your file for 10 years after your pathway stops.",
    ):
        assert text in page


def test_pages_answer_404_without_a_space_session(client):
    for url in PAGES[1:]:
        assert client.get(url).status_code == 404


def test_a_person_without_a_case_reads_every_page_with_its_empty_state(space):
    """Registered only (no case, no appointment, no referral): every page answers, saying so."""
    expected = {
        "/my/": "You have no appointment now.",
        "/my/steps": "No step to come.",
        "/my/appointments": "You have no appointment now.",
        "/my/documents": "You have no document yet.",
        "/my/contacts": "You have no reception office yet.",
        "/my/access-log": "You looked at your space.",
        "/my/privacy": "Your rights",
    }
    for url, text in expected.items():
        assert text in _text(space.get(url)), url


def test_an_agent_of_another_office_reads_as_another_office(seeded, make_user, org):
    from integration_centre.privacy import audit

    client, mine, _other = seeded
    stranger = make_user(office_id=org["other_office"].id, display_name="Quentin Otheroffice")
    audit.record("view", "person", audit.person_object_id(mine.person.id), purpose="person.search", actor=stranger)
    db.session.commit()
    page = _text(client.get("/my/access-log"))
    assert "Another reception office" in page and org["other_office"].name in page
    assert "To find your file in a list." in page
    assert "Quentin" not in page and "Otheroffice" not in page
