"""The case page: person, eligibility, deadlines, steps with their actions, panels, documents,
timeline in words; step actions through the engine; other offices get 404."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.core import panels
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import StepInstance, TimelineEntry
from tests.accounts.helpers import fr, page_text
from tests.conftest import login
from tests.workspace.conftest import RECEPTION


def test_case_page_sections(agent_client, open_case):
    case = open_case(permit_order_date=date(2025, 2, 3))
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    assert "AL-HASSAN, Amira" in html
    assert 'data-testid="eligibility"' in html and fr("Obliged") in html
    assert "3 févr. 2028" in html or "3 février 2028" in html  # 2025 rules: 36 months
    assert fr("Social assessment") in html or "Bilan social" in html
    assert fr("Steps") in html and fr("Timeline") in html and fr("Documents") in html
    assert fr("Case opened") in html and fr("Case started") in html
    for code in ("case.open", "case.start", "step."):
        assert code not in html.split('data-testid="timeline"')[1]


def test_panels_of_other_packages_are_rendered(app, agent_client, open_case, tmp_path):
    case = open_case()
    app.jinja_loader.searchpath.append(str(tmp_path))
    (tmp_path / "probe_panel.html").write_text('<section id="probe">{{ probe }} {{ case.id }}</section>')
    panels.register("case", "probe", "probe_panel.html", context=lambda **page: {"probe": "PANEL-OK"})
    try:
        html = agent_client.get(f"/cases/{case.id}").get_data(as_text=True)
    finally:
        panels._PANELS.pop(("case", "probe"))
    assert f"PANEL-OK {case.id}" in html


def test_steps_are_planned_started_and_completed_with_hours(agent, agent_client, open_case):
    case = open_case()
    base = f"/cases/{case.id}/steps"
    assert (
        agent_client.post(f"{base}/social_assessment", data={"action": "plan", "planned_on": "2025-03-03"}).status_code
        == 302
    )
    assert agent_client.post(f"{base}/social_assessment", data={"action": "start"}).status_code == 302
    assert agent_client.post(f"{base}/social_assessment", data={"action": "complete"}).status_code == 302
    for code in RECEPTION[1:]:
        assert agent_client.post(f"{base}/{code}", data={"action": "start"}).status_code == 302
        data = {"action": "complete"}
        if code == "language_test":
            data["result"] = "A1"
        assert agent_client.post(f"{base}/{code}", data=data).status_code == 302
    assert agent_client.post(f"{base}/agreement", data={"action": "start"}).status_code == 302
    response = agent_client.post(f"{base}/agreement", data={"action": "complete", "evidence": "signed_agreement"})
    assert response.status_code == 302
    assert agent_client.post(f"{base}/citizenship", data={"action": "start"}).status_code == 302
    # hours only, then completion refused below the minimum, then accepted
    assert agent_client.post(f"{base}/citizenship", data={"action": "attendance", "hours": "30"}).status_code == 302
    refused = agent_client.post(f"{base}/citizenship", data={"action": "complete", "result": "aoc"})
    assert refused.status_code == 200
    response = agent_client.post(
        f"{base}/citizenship",
        data={"action": "complete", "hours": "60,5", "result": "aoc", "evidence": "attendance_record"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    step = db.session.scalar(
        select(StepInstance).where(StepInstance.case_id == case.id, StepInstance.step_code == "citizenship")
    )
    assert (step.state, str(step.hours), step.result) == ("completed", "60.50", "aoc")
    assert db.session.get(type(case), case.id).agreement_signed_on is not None
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    assert fr("Hours and evidence recorded") in html and fr("Step completed") in html


def test_exempting_a_step_with_a_reason(agent_client, open_case):
    case = open_case()
    base = f"/cases/{case.id}/steps"
    for code in RECEPTION:
        agent_client.post(f"{base}/{code}", data={"action": "start"})
        agent_client.post(f"{base}/{code}", data={"action": "complete", "result": "B1"})
    response = agent_client.post(f"{base}/french_course", data={"action": "exempt", "reason": "condition_not_met"})
    assert response.status_code == 302
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.action == "step.exempt"))
    assert entry.reason == "condition_not_met"


def test_case_status_actions(agent, agent_client, open_case):
    case = open_case(start=False)
    response = agent_client.post(f"/cases/{case.id}/status", data={"action": "start", "version": case.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(case), case.id).status == "in_progress"
    # a stale version is refused with the conflict message, nothing changes
    response = agent_client.post(
        f"/cases/{case.id}/status",
        data={"action": "suspend", "reason": "illness", "version": "1"},
        follow_redirects=True,
    )
    assert fr(pathway.conflict_message().replace("\u2019", "'")) in page_text(response) or "modifi" in page_text(
        response
    )
    db.session.expire_all()
    assert db.session.get(type(case), case.id).status == "in_progress"


def test_other_office_gets_404_everywhere(app, open_case, make_user, org):
    case = open_case()
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    client = app.test_client()
    login(client, other)
    for path in ("", "/steps/social_assessment", "/extension", "/evaluation", "/noncompliance"):
        assert client.get(f"/cases/{case.id}{path}").status_code == 404, path
    assert client.post(f"/cases/{case.id}/extension", data={"ground": "illness", "months": "3"}).status_code == 404
