"""The personal link's life cycle from the office's side: issue, re-issue, revoke, lock, print,
and what the office sees (the case panel, the agent home's notice); erasure and merge."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import merge, registration
from integration_centre.pathway import services as pathway
from integration_centre.privacy import erasure
from integration_centre.privacy.context import Actor
from integration_centre.privacy.models import AuditRecord
from integration_centre.space import links
from integration_centre.space.models import SpaceLink, SpaceSession
from tests.conftest import login
from tests.pathway.conftest import newcomer_data
from tests.space.conftest import BIRTH_DATE, open_space

WRONG = date(1990, 1, 1)


@pytest.fixture
def case(person, org):
    agent, newcomer = person
    opened = pathway.open_case(agent, newcomer, on=date(2026, 1, 5))
    db.session.commit()
    return opened


@pytest.fixture
def agent_client(app, person):
    client = app.test_client()
    assert login(client, person[0]).status_code == 302
    return client


def issue_through_page(agent_client, person_id) -> str:
    """Issue a link from the office's page; returns the token read on the printable sheet."""
    page = agent_client.post(f"/space-links/persons/{person_id}/issue", data={})
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    match = re.search(r"/my/link/([A-Za-z0-9_-]{40,})", html)
    assert match, "no link on the sheet"
    return match.group(1)


def test_issuing_shows_the_sheet_once_with_link_qr_code_and_instructions(app, agent_client, case):
    token = issue_through_page(agent_client, case.person_id)
    link = db.session.scalar(select(SpaceLink).where(SpaceLink.person_id == case.person_id))
    assert link.token_digest == links.digest(token)
    assert token not in link.token_digest  # stored hashed only
    sheet = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert token not in sheet  # the case page never shows it again
    assert 'data-state="live"' in sheet
    # the sheet: an inline SVG QR code, the instructions, a print style sheet, no external asset
    html = agent_client.post(f"/space-links/persons/{case.person_id}/issue", data={}).get_data(as_text=True)
    assert "<svg" in html and "The page asks for your date of birth." in html
    assert "space-access.css" in html and "http://cdn" not in html
    audit = db.session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "space_link")).all()
    assert audit.count("issue") == 2 and "revoke" in audit


def test_reissuing_revokes_the_previous_link(app, agent_client, case):
    first = issue_through_page(agent_client, case.person_id)
    person_client = app.test_client()
    assert open_space(person_client, first).status_code == 302
    assert person_client.get("/my/").status_code == 200
    confirm = agent_client.get(f"/space-links/persons/{case.person_id}/issue")
    assert "The current link stops working at once" in confirm.get_data(as_text=True)
    second = issue_through_page(agent_client, case.person_id)
    assert links.live_link(first) is None and links.live_link(second) is not None
    assert person_client.get("/my/").status_code == 404  # the session of the old link ended
    gone = app.test_client().get(f"/my/link/{first}")
    assert gone.status_code == 404 and "This link does not work" in gone.get_data(as_text=True)


def test_revoking_asks_first_then_the_link_answers_the_neutral_page_and_the_session_ends(app, agent_client, case):
    token = issue_through_page(agent_client, case.person_id)
    person_client = app.test_client()
    open_space(person_client, token)
    assert person_client.get("/my/").status_code == 200
    confirm = agent_client.get(f"/space-links/persons/{case.person_id}/revoke")
    assert confirm.status_code == 200 and "Revoke the personal link?" in confirm.get_data(as_text=True)
    assert links.live_link(token) is not None  # nothing happened on GET
    done = agent_client.post(f"/space-links/persons/{case.person_id}/revoke", data={})
    assert done.status_code == 302 and f"/cases/{case.id}" in done.headers["Location"]
    assert person_client.get("/my/").status_code == 404
    page = app.test_client().get(f"/my/link/{token}")
    assert page.status_code == 404 and "This link does not work" in page.get_data(as_text=True)
    session_row = db.session.scalar(select(SpaceSession).where(SpaceSession.person_id == case.person_id))
    assert session_row.revoked_at is not None
    assert 'data-state="revoked"' in agent_client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_five_wrong_dates_lock_the_link_and_the_office_sees_it(app, agent_client, case):
    token = issue_through_page(agent_client, case.person_id)
    client = app.test_client()
    for left in (4, 3, 2, 1):
        assert f"Tries left: {left}" in open_space(client, token, WRONG).get_data(as_text=True)
    locked = open_space(client, token, WRONG)
    assert "This link is locked" in locked.get_data(as_text=True)
    # locked: the neutral page now, even with the right date
    again = client.post(f"/my/link/{token}", data={"birth_date": BIRTH_DATE.isoformat()})
    assert again.status_code == 404 and "This link does not work" in again.get_data(as_text=True)
    assert client.get(f"/my/link/{token}").status_code == 404
    # the office is told: the case panel and the agent's home
    panel = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-state="locked"' in panel
    home = agent_client.get("/agent").get_data(as_text=True)
    assert "A personal link was locked" in home and f"/cases/{case.id}#space-link" in home
    # re-issuing clears the notice
    issue_through_page(agent_client, case.person_id)
    assert "A personal link was locked" not in agent_client.get("/agent").get_data(as_text=True)


def test_the_lock_ends_open_sessions(app, link):
    _record, token = link
    client = app.test_client()
    open_space(client, token)
    for _n in range(5):
        links.open_with_birth_date(token, WRONG)
    db.session.commit()
    assert client.get("/my/").status_code == 404


def test_another_offices_agent_gets_404(app, make_user, org, case):
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    client = app.test_client()
    login(client, other)
    assert client.get(f"/space-links/persons/{case.person_id}/issue").status_code == 404
    assert client.post(f"/space-links/persons/{case.person_id}/issue", data={}).status_code == 404
    assert client.post(f"/space-links/persons/{case.person_id}/revoke", data={}).status_code == 404
    assert db.session.scalar(select(SpaceLink.id)) is None


def test_the_case_panel_offers_to_issue_when_there_is_no_link(agent_client, case):
    page = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-state="none"' in page and "Issue a personal link" in page


def test_erasure_deletes_links_sessions(app, person, link):
    _agent, newcomer = person
    client = app.test_client()
    open_space(client, link[1])
    erasure.erase_person(newcomer.id, actor=Actor.system("test"))
    db.session.commit()
    assert db.session.scalar(select(SpaceLink.id).where(SpaceLink.person_id == newcomer.id)) is None
    assert db.session.scalar(select(SpaceSession.id).where(SpaceSession.person_id == newcomer.id)) is None
    assert client.get("/my/").status_code == 404
    assert app.test_client().get(f"/my/link/{link[1]}").status_code == 404


def test_links_follow_a_merge(app, person, org, link):
    agent, removed = person
    kept = registration.register_newcomer(
        agent, newcomer_data(date_of_birth=BIRTH_DATE), org["office"], confirm_duplicate=True, today=date(2026, 1, 2)
    )
    db.session.commit()
    _kept_link, kept_token = links.issue(kept.id, office_id=org["office"].id, issued_by_id=agent.id)
    db.session.commit()
    removed_id = removed.id
    merge.merge_files(agent, kept, removed)
    db.session.commit()
    assert db.session.scalar(select(SpaceLink.id).where(SpaceLink.person_id == removed_id)) is None
    moved = db.session.scalars(select(SpaceLink).where(SpaceLink.person_id == kept.id)).all()
    assert len(moved) == 2 and sum(1 for item in moved if item.is_live) == 1
    assert links.live_link(kept_token) is not None  # the newest stays live
    client = app.test_client()
    assert open_space(client, kept_token).status_code == 302


def test_the_sheet_speaks_the_persons_language():
    from integration_centre.space.office_links import instructions

    assert instructions("ar")["dir"] == "rtl" and instructions("ar")["lang"] == "ar"
    assert instructions("not-a-language")["lang"] == "fr"
    assert instructions(None)["lang"] == "fr"


def test_the_access_export_lists_the_links_without_their_token(app, person, link):
    from integration_centre.privacy.access import access
    from integration_centre.space import subject_data

    _agent, newcomer = person
    with access(Actor.system("test"), "rights.access", [newcomer.id]):
        exported = subject_data.export(newcomer.id)
    assert exported["personal_links"][0]["issued_at"]
    assert link[1] not in str(exported) and link[0].token_digest not in str(exported)
