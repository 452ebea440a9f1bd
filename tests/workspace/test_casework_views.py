"""The casework pages of issue 16: editing the person's file (confirmation of an eligibility
change, stale version) and the needs analysis, through HTTP."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer, TimelineEntry
from integration_centre.privacy.access import access
from tests.accounts.helpers import fr, page_text


def form_data(html: str) -> dict:
    """The values the edit page rendered (enough to post it back)."""
    data = {}
    for match in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if 'type="checkbox"' in match.group(0) and " checked" not in match.group(0):
            continue  # an unticked box is not sent
        if match.group(1) == "languages":  # the language picker's checkboxes
            data.setdefault("languages", []).append(match.group(2))
        else:
            data[match.group(1)] = match.group(2)
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.findall(
            r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', match.group(2)
        )
        values = [a or b for a, b in selected]
        if values:
            data[match.group(1)] = values if match.group(1) == "languages" else values[0]
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[match.group(1)] = match.group(2).strip()
    data.pop("csrf_token", None)
    return data


def edit_form(client, case) -> dict:
    response = client.get(f"/cases/{case.id}/file")
    assert response.status_code == 200
    return form_data(response.get_data(as_text=True))


def test_the_case_page_links_to_both_pages(agent_client, open_case):
    case = open_case()
    html = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/file" in html and f"/cases/{case.id}/needs" in html
    assert fr("Not recorded yet") in page_text(agent_client.get(f"/cases/{case.id}"))


def test_edit_page_prefills_and_saves_a_contact_change(agent_client, open_case):
    case = open_case()
    data = edit_form(agent_client, case)
    assert data["family_name"] == "Al-Hassan" and data["nationality"] == "SY"
    assert data["permit_order_date"] == "2025-02-03" and data["interpreter_needed"] == "y"
    data["phone"] = "+32 471 22 33 44"
    response = agent_client.post(f"/cases/{case.id}/file", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    newcomer = db.session.get(Newcomer, case.person_id)
    with access_agent(newcomer):
        assert newcomer.phone == "+32 471 22 33 44"
    reasons = db.session.scalars(
        select(TimelineEntry.reason).where(TimelineEntry.case_id == case.id, TimelineEntry.action == "newcomer.edit")
    ).all()
    assert reasons == ["phone"]
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    assert fr("Person's file edited") in page and fr("Phone") in page


def access_agent(newcomer):
    from integration_centre.accounts.models import Role, User

    agent = db.session.scalar(select(User).where(User.role == Role.AGENT))
    return access(agent, "test", [newcomer.id])


def test_eligibility_change_is_shown_then_confirmed(agent_client, open_case):
    case = open_case()
    data = edit_form(agent_client, case)
    # 2022-05-01 + 3 years = 2025-05-01, before today: outside the scope (stay over 3 years).
    data["permit_order_date"] = "2022-05-01"
    response = agent_client.post(f"/cases/{case.id}/file", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="assessment-preview"' in html
    current = html.split('data-testid="assessment-current"')[1].split("</tr>")[0]
    proposed = html.split('data-testid="assessment-proposed"')[1].split("</tr>")[0]
    assert fr("Obliged") in current and fr("Outside the scope") in proposed
    with access_agent(db.session.get(Newcomer, case.person_id)):
        assert db.session.get(Newcomer, case.person_id).permit_order_date == date(2025, 2, 3)  # not yet
    confirmed = form_data(html)
    assert confirmed["confirmation"]
    response = agent_client.post(f"/cases/{case.id}/file", data=confirmed)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Case, case.id)
    assert (saved.assessed_status, saved.assessed_reason) == ("voluntary", "long_stay")  # excluded, participating
    # A confirmation given for other facts is asked again.
    again = edit_form(agent_client, case)
    again["date_of_birth"] = "1990-01-01"
    again["confirmation"] = confirmed["confirmation"]
    response = agent_client.post(f"/cases/{case.id}/file", data=again)
    assert response.status_code == 200 and 'data-testid="assessment-preview"' in response.get_data(as_text=True)


def test_stale_version_is_refused_on_the_page(agent_client, open_case):
    case = open_case()
    stale = edit_form(agent_client, case)
    fresh = dict(stale, phone="+32 471 00 00 09")
    assert agent_client.post(f"/cases/{case.id}/file", data=fresh).status_code == 302
    stale["email"] = "late@example.org"
    response = agent_client.post(f"/cases/{case.id}/file", data=stale)
    assert response.status_code == 200
    assert fr(
        "Someone else changed this file meanwhile. Reload it and make your changes again: nothing was saved."
    ) in page_text(response)


def test_needs_page_records_the_analysis(agent_client, open_case):
    case = open_case()
    page = agent_client.get(f"/cases/{case.id}/needs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="french"' in html and 'value="orientation"' in html
    refused = agent_client.post(f"/cases/{case.id}/needs", data={"needs": ["french"], "version": str(case.version)})
    assert refused.status_code == 200 and 'class="field-error"' in refused.get_data(as_text=True)
    response = agent_client.post(
        f"/cases/{case.id}/needs",
        data={"needs": ["french"], "reasons": "Positionnement A1.", "version": str(case.version)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).needs == ["french"]
    assert fr("Needs analysis recorded") in page_text(agent_client.get(f"/cases/{case.id}"))
