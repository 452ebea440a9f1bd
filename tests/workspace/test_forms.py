"""Acceptance 5 (forms): every workspace form shows translated field errors and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from integration_centre.extensions import db
from integration_centre.workspace import services
from tests.accounts.helpers import field_error, fr, row_counts

AUDIT = ("privacy_audit", "privacy_audit_head")  # reading the page is audited, by design


def _data_rows() -> dict:
    return {k: v for k, v in row_counts().items() if k not in AUDIT}


def assert_refused(client, path: str, data: dict, expected: dict[str, str | None]) -> None:
    """POST ``data``: 200, the translated message beside each field, no row written."""
    before = _data_rows()
    response = client.post(path, data=data)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body, path
    for field, message in expected.items():
        shown = field_error(response, field)
        assert shown, (path, field)
        if message is not None:
            assert fr(message) in shown, (path, field, shown)
        assert f'aria-describedby="{field}-error"' in body or f"{field}-error" in body
    assert _data_rows() == before, path


def test_calculator_form(agent_client):
    path = "/deadlines/calculator"
    assert_refused(agent_client, path, {}, {"permit_order_date": "Enter a date as day, month and year."})
    assert_refused(agent_client, path, {"permit_order_date": "31/02/2024"}, {"permit_order_date": None})
    assert_refused(
        agent_client,
        path,
        {"permit_order_date": "2024-05-01", "registration_date": "2024-04-01"},
        {"registration_date": "The registration cannot be before the permit was ordered."},
    )


def test_extension_form(agent_client, open_case):
    case = open_case()
    path = f"/cases/{case.id}/extension"
    assert_refused(agent_client, path, {"ground": "", "months": "3"}, {"ground": "Choose a ground for the extension."})
    assert_refused(
        agent_client, path, {"ground": "illness", "months": "0"}, {"months": "An extension is 1 to 24 months."}
    )
    assert_refused(agent_client, path, {"ground": "illness", "months": "x"}, {"months": None})
    assert_refused(agent_client, path, {"ground": "war", "months": "3"}, {"ground": None})


def test_evaluation_form(agent_client, open_case):
    case = open_case()
    path = f"/cases/{case.id}/evaluation"
    assert_refused(agent_client, path, {"held_on": ""}, {"held_on": "Enter a date as day, month and year."})
    future = (date.today() + timedelta(days=2)).isoformat()
    assert_refused(
        agent_client, path, {"held_on": future}, {"held_on": "The interview cannot be recorded before it is held."}
    )
    assert_refused(
        agent_client,
        path,
        {"held_on": "2020-01-01"},
        {"held_on": "The interview cannot be before the case was opened."},
    )


def test_noncompliance_forms(agent, agent_client, open_case):
    case = open_case(on=date.today() - timedelta(days=100))
    path = f"/cases/{case.id}/noncompliance"
    assert_refused(
        agent_client,
        path,
        {"stage": "notice", "notice-sent_on": "", "notice-grace_days": "30"},
        {"notice-sent_on": "Enter a date as day, month and year."},
    )
    assert_refused(
        agent_client,
        path,
        {"stage": "notice", "notice-sent_on": date.today().isoformat(), "notice-grace_days": "3"},
        {"notice-grace_days": "The grace period is 8 to 90 days."},
    )
    services.send_notice(agent, case, date.today() - timedelta(days=40), 30)
    db.session.commit()
    assert_refused(agent_client, path, {"stage": "answer", "referral-referred_on": ""}, {"referral-referred_on": None})
    services.refer_to_administration(agent, case, date.today() - timedelta(days=5))
    db.session.commit()
    assert_refused(
        agent_client,
        path,
        {"stage": "outcome", "outcome-outcome": "", "outcome-outcome_on": date.today().isoformat()},
        {"outcome-outcome": "Choose the outcome."},
    )
    assert_refused(
        agent_client,
        path,
        {"stage": "outcome", "outcome-outcome": "fine", "outcome-outcome_on": "2001-01-01"},
        {"outcome-outcome_on": "The decision date must be between the referral and today."},
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "action", "Choose what happens to the step."),
        ({"action": "plan"}, "planned_on", "Enter the planned date."),
        ({"action": "exempt"}, "reason", "Choose why the step is exempted."),
        ({"action": "attendance"}, "hours", "Enter the hours attended."),
    ],
)
def test_step_form_field_errors(agent, agent_client, open_case, data, field, message):
    case = open_case()
    if data.get("action") == "attendance":
        from integration_centre.pathway import services as pathway

        pathway.transition_step(agent, case, "social_assessment", "start")
        db.session.commit()
    assert_refused(agent_client, f"/cases/{case.id}/steps/social_assessment", data, {field: message})


def test_step_form_rule_errors_are_shown_and_write_nothing(agent, agent_client, open_case):
    case = open_case()
    before = _data_rows()
    # the agreement needs the four reception steps first: the engine's reason is shown
    response = agent_client.post(f"/cases/{case.id}/steps/agreement", data={"action": "start"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert _data_rows() == before
