"""Issue 17, "the step in one place": each step of the case page states what marking it done
needs before any submit, is marked done inline (a pending step too) and returns to its anchor;
every requirement is checked in one pass; a move whose prerequisite is missing is shown disabled
with the reason and a link to what comes first; suspend and close go through a confirmation page;
the reception block and the certificate's "still to do" agree with the steps.

The pages are rendered in English (this branch's catalogs are not filled yet): texts are checked
in English, the rest by ids, data attributes and URLs.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.pathway.services import StepChange
from tests.accounts.helpers import page_text
from tests.workspace.conftest import finish_reception

ON = date(2025, 3, 5)


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def _row(html: str, code: str) -> str:
    """The HTML of the step row ``#step-<code>`` of the case page."""
    match = re.search(rf'<li class="task" id="step-{code}".*?</li>\s*(?=<li class="task"|</ol>)', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def _timeline_actions(case) -> list[str]:
    return list(db.session.scalars(select(TimelineEntry.action).where(TimelineEntry.case_id == case.id)))


def test_each_step_states_what_it_needs_before_submitting(app, agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="A1", on=ON)
    pathway.transition_step(agent, case, "citizenship", "start", on=ON)
    pathway.record_attendance(agent, case, "citizenship", "12")
    db.session.commit()
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    row = _row(html, "citizenship")
    assert "12 of 60 h" in row  # hours done and target
    assert "Attendance record: <strong>missing</strong>" in row  # evidence expected
    assert 'data-needs="result"' in row and "to record" in row  # result expected
    # the inline form: it posts "complete" to the step and shows each requirement beside its field
    assert f'action="/cases/{case.id}/steps/citizenship"' in row
    assert '<input type="hidden" name="action" value="complete">' in row
    assert "At least 60 h are required; 12 h recorded so far." in row
    assert 'value="12"' in row  # the hours recorded, as typed
    assert 'name="evidence" value="attendance_record"' in row
    # the result the person's positioning (A1) suggests is selected: civic orientation workshops
    assert re.search(r'<option value="aoc" selected>', row)
    assert "Suggested from the person" in row
    # a step with nothing to fill is marked done by one button, without opening anything
    pathway.transition_step(agent, case, "orientation", "start", on=ON)
    db.session.commit()
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    assert "<details" in _row(html, "orientation")  # 4 h are required: the hours are asked


def test_a_started_step_is_marked_done_inline_and_the_page_returns_to_its_anchor(agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="A2", on=ON)
    pathway.transition_step(agent, case, "citizenship", "start", on=ON)
    db.session.commit()
    data = {"action": "complete", "version": case.version, "hours": "60", "evidence": "attendance_record",
            "result": "fic"}  # fmt: skip
    response = agent_client.post(f"/cases/{case.id}/steps/citizenship", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#step-citizenship")
    db.session.expire_all()
    assert db.session.get(Case, case.id).step("citizenship").state == "completed"


def test_a_pending_step_is_completed_directly(agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="A1", on=ON)
    assert case.step("citizenship").state == "pending"
    page = page_text(agent_client.get(f"/cases/{case.id}/steps/citizenship"))
    assert 'name="action" type="radio" value="complete"' in page or 'value="complete"' in page
    data = {"action": "complete", "version": case.version, "hours": "60", "evidence": "attendance_record",
            "result": "aoc"}  # fmt: skip
    response = agent_client.post(f"/cases/{case.id}/steps/citizenship", data=data)
    assert response.status_code == 302, page_text(response)
    assert response.headers["Location"].endswith("#step-citizenship")
    db.session.expire_all()
    step = db.session.get(Case, case.id).step("citizenship")
    assert step.state == "completed" and step.started_on and step.ended_on
    actions = _timeline_actions(case)
    assert "step.start" in actions and "step.complete" in actions  # both moves kept, for the statistics


def test_every_requirement_is_refused_in_one_pass_and_nothing_is_written(agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="A1", on=ON)
    before = len(_timeline_actions(case))
    response = agent_client.post(
        f"/cases/{case.id}/steps/citizenship", data={"action": "complete", "version": case.version, "hours": "12"}
    )
    assert response.status_code == 200
    html = page_text(response)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "at least 60 are required" in summary  # hours
    assert "Evidence missing" in summary  # evidence
    assert "Record the result" in summary  # result
    assert 'id="hours-error"' in html and 'id="evidence-error"' in html and 'id="result-error"' in html
    # the short page states what the step needs, and links back to the step's anchor
    assert 'data-testid="step-needs"' in html and f'href="/cases/{case.id}#step-citizenship"' in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).step("citizenship").state == "pending"  # not even started
    assert len(_timeline_actions(case)) == before


def test_the_engine_lists_every_problem_at_once(app, agent, open_case):
    case = open_case()
    finish_reception(agent, case, level="A1", on=ON)
    definition = pathway.definition_of(case)
    step = case.step("citizenship")
    with app.test_request_context():
        problems = pathway.step_change_problems(
            case, step, definition.step("citizenship"), "complete", StepChange(hours="x"), definition
        )
    assert set(problems) == {"hours", "evidence", "result"}


def test_moves_whose_prerequisites_are_missing_are_shown_disabled_with_the_reason(agent, agent_client, open_case):
    case = open_case()  # started, reception module not done
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    agreement = _row(html, "agreement")
    assert 'data-blocked="complete"' in agreement and "disabled" in agreement
    assert 'href="#step-social_assessment"' in agreement and "Comes after:" in agreement
    assert f'/cases/{case.id}/steps/agreement"' not in agreement.split("task-links")[0]  # no form to refuse
    # the social assessment has nothing before it: offered as one button
    assert 'data-testid="complete-social_assessment"' in _row(html, "social_assessment")
    # completing the case: disabled, with the reason and a link to the step that ends the pathway
    moves = html.split('id="case-actions"')[1].split("</section>")[0]
    complete = moves.split('data-move="complete"')[1].split("</li>")[0]
    assert "disabled" in complete and 'href="#step-certificate"' in complete
    assert 'data-reason="complete"' in complete  # the reason, in words, beside the button
    # referral of the French course before the agreement is signed: disabled, with the reason
    referrals = html.split('id="referrals"')[1].split("</section>")[0]
    assert 'data-blocked="refer-french_course"' in referrals and 'href="#step-agreement"' in referrals
    assert f"/cases/{case.id}/steps/french_course/refer" not in referrals


def test_referral_offered_once_the_agreement_is_signed(agent, agent_client, open_case):
    case = open_case()
    before = page_text(agent_client.get(f"/cases/{case.id}"))
    finish_reception(agent, case, level="A1", on=ON)
    after = page_text(agent_client.get(f"/cases/{case.id}"))
    assert 'data-blocked="refer-french_course"' in before
    assert 'data-blocked="refer-french_course"' not in after
    assert f"/cases/{case.id}/steps/french_course/refer" in after


@pytest.mark.parametrize("action", ["suspend", "close"])
def test_suspend_and_close_go_through_a_confirmation_page(agent, agent_client, open_case, action):
    case = open_case()
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    moves = html.split('id="case-actions"')[1].split("</section>")[0]
    assert f'href="/cases/{case.id}/status/{action}"' in moves
    assert f'value="{action}"' not in moves  # no one-click form on the case page
    page = agent_client.get(f"/cases/{case.id}/status/{action}")
    assert page.status_code == 200
    text = page_text(page)
    assert 'data-testid="consequences"' in text and "What will happen" in text
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "in_progress"  # GET changes nothing
    refused = agent_client.post(f"/cases/{case.id}/status/{action}", data={"version": case.version})
    assert refused.status_code == 200 and 'id="reason-error"' in page_text(refused)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "in_progress"
    reason = "moved_away" if action == "close" else "illness"
    done = agent_client.post(f"/cases/{case.id}/status/{action}", data={"version": case.version, "reason": reason})
    assert done.status_code == 302 and done.headers["Location"].endswith("#case-actions-title")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == {"suspend": "suspended", "close": "closed"}[action]


def test_confirmation_page_of_an_unknown_move_or_another_office(agent_client, other_agent, open_case, app):
    case = open_case()
    assert agent_client.get(f"/cases/{case.id}/status/start").status_code == 404
    from tests.conftest import login

    other = app.test_client()
    login(other, other_agent)
    assert other.get(f"/cases/{case.id}/status/close").status_code == 404


def test_reception_block_agrees_with_the_steps(agent, agent_client, open_case):
    case = open_case()
    for code in ("social_assessment", "rights_and_duties"):
        pathway.transition_step(agent, case, code, "start", on=ON)
        pathway.transition_step(agent, case, code, "complete", on=ON)
    db.session.commit()
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    block = html.split('id="panel-reception-title"')[1].split("</section>")[0]
    assert "has not been recorded yet" not in block and "No session recorded yet" not in block
    assert block.count('data-module-step="done"') == 2
    assert "Marked done in the steps" in block
    assert "No test result yet." in block  # the language test is still to do: the block says so


def test_a_step_not_needed_is_not_still_to_do_for_the_certificate(agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="B1", on=ON)  # B1: French not needed
    html = page_text(agent_client.get(f"/cases/{case.id}"))
    assert "(not needed)" in _row(html, "french_course")
    certificate = html.split('id="panel-certificate-title"')[1].split("</section>")[0]
    still = certificate.split("Still to do:")[1] if "Still to do:" in certificate else ""
    assert "French language training" not in still
    assert "Citizenship" in still or "citizenship" in still.lower()
    # and the certificate step does not wait for it either
    assert "French language training" not in _row(html, "certificate")


def test_red_buttons_stay_red_on_hover():
    css = (Path(__file__).resolve().parents[2] / "integration_centre/static/css/app.css").read_text()
    rule = re.search(r"\.button-warning:hover[^{]*\{([^}]*)\}", css)
    assert rule and "background" in rule.group(1)
    assert "#005a30" not in rule.group(1) and "var(--ok)" not in rule.group(1)


def test_the_referral_page_says_what_comes_first_instead_of_refusing(agent_client, open_case):
    case = open_case()  # the agreement is not signed yet
    page = page_text(agent_client.get(f"/cases/{case.id}/steps/french_course/refer"))
    assert 'data-blocked="refer"' in page and f'href="/cases/{case.id}#step-agreement"' in page
    assert 'name="operator_id"' not in page  # nothing to fill that would be refused
