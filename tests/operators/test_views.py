"""Operator portal and agent pages: data minimisation on every operator page (acceptance 1),
isolation between organisations (acceptance 2, web), forms and confirmations."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import render_template_string
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.operators import reading, services
from integration_centre.operators.models import Referral
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from tests.accounts.helpers import field_error, page_text, row_counts
from tests.conftest import login
from tests.operators.conftest import ON
from tests.pathway.conftest import finish_reception, newcomer_data
from tests.privacy.markers import find_markers

NISS = "85073003328"
STREET = "Rue Zorblatt 17"
HOUSING, NOTES = "Housingmarkerqx", "Assessnotemarkerzz"
DOB_FORMS = ["1985-07-30", "30/07/1985", "30.07.1985", "7/30/85", "30/07/85", "Jul 30, 1985", "30 juil. 1985", "1985"]
NATIONALITY_FORMS = ["Eritrea", "Érythrée", "Erythrée", "Eritrean"]
STATUS_FORMS = ["subsidiary_protection", "Subsidiary protection", "Protection subsidiaire", "Subsidiaire bescherming"]
OTHER_STEPS = ["Social assessment", "Reception agreement", "French placement test", "Help with administrative"]
FORBIDDEN = [NISS, "850730", STREET, "Zorblatt", HOUSING, NOTES, *DOB_FORMS, *NATIONALITY_FORMS, *STATUS_FORMS]


def _business_rows() -> dict:
    """Row counts without the audit trail (reading a person to rank operators is audited)."""
    return {name: n for name, n in row_counts().items() if not name.startswith("privacy_audit")}


def _assert_minimal(html: str, where: str) -> None:
    hits = find_markers(html.encode("utf-8"), FORBIDDEN)
    assert hits == [], (where, hits)
    for label in OTHER_STEPS:
        assert label not in html, (where, label)


@pytest.fixture
def marked_referral(agent, org, profiles):
    """A referral for a person whose forbidden fields (and social assessment) hold marker values."""
    newcomer = registration.register_newcomer(
        agent,
        newcomer_data(
            family_name="Tesfaye",
            given_names="Selam",
            niss=NISS,
            date_of_birth=date(1985, 7, 30),
            sex="M",
            nationality="ER",
            residence_category="subsidiary_protection",
            address=f"{STREET}, 5000 Namur",
            phone="+32 470 55 44 33",
            email="selam@example.org",
            preferred_language="ti",
            interpreter_language="ti",
            languages=["ti"],
        ),
        org["office"],
        confirm_duplicate=True,
        today=date(2025, 3, 1),
    )
    case = pathway.open_case(agent, newcomer, on=date(2025, 3, 1))
    pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
    db.session.commit()
    finish_reception(agent, case, level="A1")
    from integration_centre.reception import services as reception

    reception.record_assessment(
        agent,
        case,
        {"housing": {"level": "urgent", "detail": HOUSING}, "notes": NOTES, "assessed_on": date(2025, 3, 5)},
        on=date(2025, 3, 6),
    )
    db.session.commit()
    item = services.refer(agent, case, "french_course", org["operator"].id, on=ON)
    db.session.commit()
    return item


def _operator_client(app, operator_user):
    client = app.test_client()
    assert login(client, operator_user).status_code == 302
    return client


def _pages_in_every_state(client, referral_id, reference):
    """Every operator page, walking the referral through its states (yields (name, response))."""
    base = f"/operator/referrals/{referral_id}"
    yield "home", client.get("/operator")
    for tab in ("new", "accepted", "in_progress", "done"):
        yield f"inbox {tab}", client.get(f"/operator/referrals?tab={tab}")
    yield "search", client.post("/operator/referrals/search", data={"reference": reference}, follow_redirects=True)
    yield "search miss", client.post("/operator/referrals/search", data={"reference": "R-1999-000001"})
    yield "detail sent", client.get(base)
    yield "decline confirm", client.get(f"{base}/decline")
    yield "decline refused", client.post(f"{base}/decline", data={})
    yield "accept", client.post(f"{base}/accept", data={}, follow_redirects=True)
    yield "abandon confirm", client.get(f"{base}/abandon")
    yield "attendance refused", client.post(f"{base}/attendance", data={"sessions": "x", "hours": "lots"})
    attended = {"sessions": "80", "hours": "400"}
    yield "attendance", client.post(f"{base}/attendance", data=attended, follow_redirects=True)
    yield "complete refused", client.post(f"{base}/complete", data={"result": ""})
    completed = {"result": "A2", "course_format": "evening"}
    yield "complete", client.post(f"{base}/complete", data=completed, follow_redirects=True)
    yield "detail completed", client.get(base)
    yield "inbox done", client.get("/operator/referrals?tab=done")


def test_every_operator_page_shows_only_the_minimal_data(app, marked_referral, operator_user):
    client = _operator_client(app, operator_user)
    seen = 0
    for name, response in _pages_in_every_state(client, marked_referral.id, marked_referral.reference):
        assert response.status_code == 200, (name, response.status_code)
        _assert_minimal(response.get_data(as_text=True), name)
        seen += 1
    assert seen == 18
    # The page does show what the operator needs (so the scan above looks at real pages).
    detail = page_text(client.get(f"/operator/referrals/{marked_referral.id}"))
    for allowed in ("TESFAYE, Selam", "+32 470 55 44 33", "selam@example.org", marked_referral.reference):
        assert allowed in detail
    assert "French language training" in detail
    assert db.session.get(Referral, marked_referral.id).state == "completed"


def test_the_agent_does_see_the_markers_hidden_from_operators(app, marked_referral, agent):
    # Guard against a scan that could never fail: the same markers are on the agent's person page.
    client = app.test_client()
    login(client, agent)
    html = client.get(f"/newcomers/{marked_referral.person_id}").get_data(as_text=True)
    assert find_markers(html.encode(), [NISS, STREET]) != []


def test_another_organisation_gets_404_everywhere_and_nothing_changes(app, marked_referral, other_operator_user):
    client = _operator_client(app, other_operator_user)
    before = row_counts()
    base = f"/operator/referrals/{marked_referral.id}"
    for method, path, data in [
        ("GET", base, None),
        ("GET", f"{base}/decline", None),
        ("GET", f"{base}/abandon", None),
        ("POST", f"{base}/accept", {}),
        ("POST", f"{base}/start", {}),
        ("POST", f"{base}/decline", {"reason": "no_places"}),
        ("POST", f"{base}/abandon", {"reason": "moved_away"}),
        ("POST", f"{base}/attendance", {"sessions": "1", "hours": "1"}),
        ("POST", f"{base}/complete", {"result": "A2"}),
        ("GET", f"/operator/referrals/{uuid.uuid4()}", None),
        ("GET", f"/referrals/{marked_referral.id}", None),
    ]:
        response = client.open(path, method=method, data=data)
        assert response.status_code == 404, (method, path, response.status_code)
    listing = client.get("/operator/referrals?tab=new").get_data(as_text=True)
    assert marked_referral.reference not in listing
    search = client.post("/operator/referrals/search", data={"reference": marked_referral.reference})
    assert "No referral of your organisation has this reference." in page_text(search)
    assert row_counts() == before
    assert db.session.get(Referral, marked_referral.id).state == "sent"


def test_attendance_errors_are_shown_beside_the_fields_and_nothing_is_written(app, referral, operator_user):
    services.accept(operator_user, referral.id)
    db.session.commit()
    client = _operator_client(app, operator_user)
    before = _business_rows()
    response = client.post(
        f"/operator/referrals/{referral.id}/attendance",
        data={"sessions": "abc", "hours": "-3", "attended_from": "2025-13-40"},
    )
    assert response.status_code == 200
    assert field_error(response, "sessions") == "Enter a whole number."
    assert field_error(response, "attended_from") == "Enter a date as day, month and year."
    response = client.post(
        f"/operator/referrals/{referral.id}/attendance",
        data={"sessions": "3", "hours": "-3", "attended_from": "2025-04-10", "attended_until": "2025-04-01"},
    )
    assert field_error(response, "hours") == "Hours must be between 0 and 10,000."
    assert field_error(response, "attended_until") == "The last date is before the first date."
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert _business_rows() == before
    assert db.session.get(Referral, referral.id).state == "accepted"


def test_field_errors_are_translated(app, referral, operator_user):
    from tests.accounts.helpers import fr

    assert fr("Enter the number of sessions.") != "Enter the number of sessions."
    services.accept(operator_user, referral.id)
    db.session.commit()
    client = _operator_client(app, operator_user)
    response = client.post(f"/operator/referrals/{referral.id}/attendance", data={"sessions": "", "hours": ""})
    assert field_error(response, "sessions") == fr("Enter the number of sessions.")
    assert field_error(response, "hours") == fr("Enter the hours attended.")


def test_decline_and_abandon_need_a_confirmation_with_a_reason(app, referral, operator_user):
    client = _operator_client(app, operator_user)
    page = client.get(f"/operator/referrals/{referral.id}/decline")
    assert "Decline referral" in page_text(page)
    before = row_counts()
    refused = client.post(f"/operator/referrals/{referral.id}/decline", data={})
    assert refused.status_code == 200
    assert "Choose a reason." in page_text(refused)
    assert row_counts() == before
    done = client.post(f"/operator/referrals/{referral.id}/decline", data={"reason": "no_places"})
    assert done.status_code == 302
    assert db.session.get(Referral, referral.id).state == "declined"
    # Once declined, the confirmation page sends back to the referral: nothing more to do.
    assert client.get(f"/operator/referrals/{referral.id}/abandon").status_code == 302


def test_stale_version_is_refused_with_a_message(app, referral, operator_user):
    client = _operator_client(app, operator_user)
    response = client.post(f"/operator/referrals/{referral.id}/accept", data={"version": "99"}, follow_redirects=True)
    assert "changed meanwhile" in page_text(response)
    assert db.session.get(Referral, referral.id).state == "sent"


def test_inbox_tabs_pagination_and_empty_state(app, agent, org, case_ready, profiles, operator_user):
    client = _operator_client(app, operator_user)
    assert "No new referral" in page_text(client.get("/operator/referrals"))
    for _ in range(3):
        services.refer(agent, case_ready(), "citizenship", org["operator"].id, on=ON)
    db.session.commit()
    reading.PER_PAGE, saved = 2, reading.PER_PAGE
    try:
        first = page_text(client.get("/operator/referrals?tab=new"))
        second = page_text(client.get("/operator/referrals?tab=new&page=2"))
    finally:
        reading.PER_PAGE = saved
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    refs = set(re.findall(r">(R-\d{4}-\d{6})</a>", first + second))
    assert len(refs) == 3


def test_agent_refers_from_the_suggestions_and_withdraws_after_confirming(app, agent, org, case_ready, profiles):
    case = case_ready()
    client = app.test_client()
    login(client, agent)
    page = page_text(client.get(f"/cases/{case.id}/steps/french_course/refer"))
    assert page.index(org["operator"].name) < page.index(org["other_operator"].name)
    before = _business_rows()
    refused = client.post(f"/cases/{case.id}/steps/french_course/refer", data={"deadline": "soon"})
    assert refused.status_code == 200 and _business_rows() == before
    assert field_error(refused, "deadline") == "Enter a date as day, month and year."
    response = client.post(f"/cases/{case.id}/steps/french_course/refer", data={"operator_id": str(org["operator"].id)})
    assert response.status_code == 302
    item = db.session.scalar(select(Referral).where(Referral.case_id == case.id))
    assert item.state == "sent"
    assert "Withdraw referral" in page_text(client.get(f"/referrals/{item.id}/withdraw"))
    assert client.post(f"/referrals/{item.id}/withdraw", data={"reason": "error"}).status_code == 302
    assert db.session.get(Referral, item.id).state == "withdrawn"
    assert db.session.get(Case, case.id).step("french_course").state == "pending"


def test_directory_filters_and_empty_state(app, agent, profiles, org):
    client = app.test_client()
    login(client, agent)
    everyone = page_text(client.get("/directory"))
    assert org["operator"].name in everyone and org["other_operator"].name in everyone
    filtered = page_text(client.get("/directory?service_type=orientation"))
    assert org["other_operator"].name in filtered and org["operator"].name not in filtered
    empty = page_text(client.get("/directory?language=ar&service_type=orientation"))
    assert "No operator matches these filters" in empty


def test_admin_edits_the_directory_and_bad_input_writes_nothing(app, login_as, org):
    from integration_centre.accounts.models import Role

    client, _admin = login_as(Role.ADMIN)
    path = f"/admin/operators/{org['operator'].id}"
    assert client.get(path).status_code == 200
    before = row_counts()
    refused = client.post(path, data={"capacity": "-4", "contact_email": "nope"})
    assert refused.status_code == 200
    assert field_error(refused, "service_types") == "Choose at least one service."
    assert field_error(refused, "capacity") == "Enter a capacity between 0 and 100,000 places."
    assert field_error(refused, "contact_email") == "Enter a valid e-mail address."
    assert row_counts() == before
    saved = client.post(
        path,
        data={"service_types": ["citizenship"], "municipalities": ["92094"], "languages": ["fr"], "capacity": "12"},
    )
    assert saved.status_code == 302
    assert services.get_profile(org["operator"].id).capacity == 12
    assert org["operator"].name in page_text(client.get("/admin/operators/"))
    assert client.get("/admin/operators/999999").status_code == 404


def test_panels_show_referrals_on_the_case_and_operator_updates_on_the_dashboard(app, referral, agent, operator_user):
    services.accept(operator_user, referral.id)
    services.record_attendance(operator_user, referral.id, sessions=4, hours=12)
    db.session.commit()
    client = app.test_client()
    login(client, agent)
    with app.test_request_context():
        from flask_login import login_user

        login_user(agent)
        case = db.session.get(Case, referral.case_id)
        html = render_template_string(
            '{{ render_panels("case", case=case, definition=definition, newcomer=None) }}'
            '{{ render_panels("agent_dashboard", user=user) }}',
            case=case,
            definition=pathway.definition_of(case),
            user=agent,
        )
    assert referral.reference in html
    assert "Referral accepted" in html and "Attendance recorded" in html
    # One entry for the referral (accepted, started, attendance), the person named, the badge counts referrals.
    assert "1 referral with news" in html
    assert html.count(f'data-referral="{referral.reference}"') == 1
    # The case timeline carries the referral's changes.
    timeline = page_text(client.get(f"/cases/{referral.case_id}"))
    assert "Referral accepted by the operator" in timeline
    assert client.post("/operator-updates/seen", data={}).status_code == 302
    assert services.operator_updates(agent)[1] == 0
