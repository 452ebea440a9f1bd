"""Criterion 5 for the reception forms: wrong input shows a translated message beside the field
and writes nothing; right input writes and moves the pathway step."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway.states import StepState
from integration_centre.privacy.models import AuditRecord
from integration_centre.reception import services
from integration_centre.reception.models import InformationSession, PositioningTest, ProcedureTask
from tests.accounts.helpers import field_error, fr, row_counts
from tests.conftest import login
from tests.reception.helpers import do_reception, finish_training

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def french(app):
    """The interface in French (the default locale), as the agents use it."""
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    return app


@pytest.fixture
def agent_client(french, client, agent):
    login(client, agent)
    return client


def changed_rows() -> dict[str, int]:
    """Rows per table, audit rows of reads (the page decrypts what it shows) left aside."""
    counts = row_counts()
    reads = db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "view"))
    counts["privacy_audit"] -= reads
    return counts


def assert_refused(client, path: str, data: dict, expected: dict[str, str | None]) -> None:
    """POST ``data``: 200 with the error summary, each field's translated message, no row changed."""
    before = changed_rows()
    response = client.post(path, data=data)
    assert response.status_code == 200, (path, response.status_code)
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body
    for field, message in expected.items():
        shown = field_error(response, field)
        assert shown, (path, field)
        if message is not None:
            assert fr(message) != message, f"no French translation for {message!r}"
            assert fr(message) in shown, (path, field, shown)
        assert f"{field}-error" in body
    assert changed_rows() == before, path


def test_assessment_form(agent_client, started_case):
    case = started_case()
    path = f"/cases/{case.id}/reception/assessment"
    assert agent_client.get(path).status_code == 200
    base = {"assessed_on": "2025-03-03", "notes": "x"}
    assert_refused(
        agent_client,
        path,
        {**base, "assessed_on": "2025-13-45"},
        {"assessed_on": "Enter a date as day, month and year."},
    )
    assert_refused(
        agent_client, path, {**base, "assessed_on": TOMORROW}, {"assessed_on": "The date cannot be in the future."}
    )
    assert_refused(
        agent_client, path, {**base, "health_level": "bogus"}, {"health_level": "Choose a level from the list."}
    )
    assert_refused(
        agent_client, path, {**base, "housing_detail": "x" * 2001}, {"housing_detail": "This text is too long."}
    )
    before = changed_rows()
    empty = agent_client.post(path, data={"assessed_on": "2025-03-03"})
    assert empty.status_code == 200 and fr("Record at least one need or a note.") in empty.get_data(as_text=True)
    assert changed_rows() == before
    saved = agent_client.post(
        path, data={**base, "health_level": "urgent", "health_detail": "asthma", "assessed_on": "2025-03-03"}
    )
    assert saved.status_code == 302
    db.session.refresh(case)
    assert case.step("social_assessment").state == StepState.COMPLETED
    page = agent_client.get(path).get_data(as_text=True)
    assert "asthma" in page  # pre-filled for the update


def test_session_form(agent_client, started_case):
    case = started_case()
    path = f"/cases/{case.id}/reception/session"
    assert agent_client.get(path).status_code == 200
    good = {
        "held_on": "2025-03-04",
        "format": "group",
        "themes": ["pathway", "equality"],
        "language": "fr",
        "hours": "3",
    }
    assert_refused(agent_client, path, {**good, "format": ""}, {"format": "Choose individual or group."})
    assert_refused(agent_client, path, {**good, "themes": []}, {"themes": "Choose at least one theme."})
    assert_refused(agent_client, path, {**good, "themes": ["astrology"]}, {"themes": "Choose themes from the list."})
    assert_refused(agent_client, path, {**good, "language": "zz9"}, {"language": "Choose the language of the session."})
    assert_refused(agent_client, path, {**good, "hours": "abc"}, {"hours": "Hours must be a number, like 2 or 2.5."})
    assert_refused(agent_client, path, {**good, "hours": "0"}, {"hours": None})
    assert_refused(
        agent_client,
        path,
        {**good, "held_on": "2020-01-01"},
        {"held_on": "The date cannot be before the case was opened."},
    )
    assert agent_client.post(path, data={**good, "interpreter": "y"}).status_code == 302
    session = db.session.query(InformationSession).one()
    assert session.themes == ["pathway", "equality"]
    db.session.refresh(case)
    assert case.step("rights_and_duties").state == StepState.COMPLETED
    assert str(case.step("rights_and_duties").hours) in ("3", "3.00")


def test_positioning_test_form(agent_client, started_case):
    case = started_case()
    path = f"/cases/{case.id}/reception/test"
    assert agent_client.get(path).status_code == 200
    assert_refused(
        agent_client, path, {"tested_on": "2025-03-04", "level": ""}, {"level": "Choose a CEFR level from the list."}
    )
    assert_refused(
        agent_client, path, {"tested_on": "2025-03-04", "level": "Z9"}, {"level": "Choose a CEFR level from the list."}
    )
    assert_refused(
        agent_client, path, {"tested_on": "", "level": "A2"}, {"tested_on": "Enter a date as day, month and year."}
    )
    assert agent_client.post(path, data={"tested_on": "2025-03-04", "level": "A2"}).status_code == 302
    db.session.refresh(case)
    step = case.step("language_test")
    assert step.state == StepState.COMPLETED and step.result == "A2"
    assert db.session.query(PositioningTest).count() == 1
    assert_refused(agent_client, path, {"tested_on": "2025-03-05", "level": "B1"}, {"level": None})


def test_task_form_and_done(agent_client, started_case):
    case = started_case()
    path = f"/cases/{case.id}/reception/tasks"
    assert agent_client.get(path).status_code == 200
    assert_refused(agent_client, path, {"kind": ""}, {"kind": "Choose a kind of procedure from the list."})
    assert_refused(agent_client, path, {"kind": "teleport"}, {"kind": "Choose a kind of procedure from the list."})
    assert_refused(agent_client, path, {"kind": "other", "title": ""}, {"title": "Describe the procedure."})
    assert_refused(
        agent_client, path, {"kind": "cpas", "due_on": "31/31/2025"}, {"due_on": "Enter a date as day, month and year."}
    )
    assert agent_client.post(path, data={"kind": "cpas", "due_on": "2025-04-01"}).status_code == 302
    assert agent_client.post(path, data={"kind": "school", "title": "École communale"}).status_code == 302
    db.session.refresh(case)
    assert case.step("admin_help").state == StepState.IN_PROGRESS
    module = agent_client.get(f"/cases/{case.id}/reception").get_data(as_text=True)
    assert "École communale" in module
    for task in db.session.query(ProcedureTask).all():
        assert agent_client.post(f"/reception/tasks/{task.id}/done", data={}).status_code == 302
    db.session.refresh(case)
    assert case.step("admin_help").state == StepState.COMPLETED
    task = db.session.query(ProcedureTask).first()
    again = agent_client.post(f"/reception/tasks/{task.id}/done", data={}, follow_redirects=True)
    assert fr("This task is already done.") in again.get_data(as_text=True)


def test_sign_form(agent_client, agent, started_case):
    case = started_case()
    path = f"/cases/{case.id}/agreement/sign"
    assert agent_client.get(path).status_code == 200
    assert_refused(agent_client, path, {"signed_on": ""}, {"signed_on": "Enter a date as day, month and year."})
    assert_refused(agent_client, path, {"signed_on": TOMORROW}, {"signed_on": "The date cannot be in the future."})
    before = changed_rows()
    early = agent_client.post(path, data={"signed_on": "2025-03-05"})
    assert early.status_code == 200  # the reception steps are not done: the pathway refuses
    assert changed_rows() == before
    db.session.refresh(case)
    assert case.agreement_signed_on is None


def test_revoke_form(agent_client, agent, started_case):
    case = started_case()
    do_reception(agent, case)
    finish_training(agent, case)
    certificate = services.issue_certificate(agent, case, on=date(2025, 9, 2))
    db.session.commit()
    path = f"/certificates/{certificate.id}/revoke"
    assert_refused(
        agent_client, path, {"reason": "", "confirm": "y"}, {"reason": "Choose why the certificate is revoked."}
    )
    assert_refused(agent_client, path, {"reason": "fraud"}, {"confirm": "Tick the box to confirm the revocation."})
    assert_refused(agent_client, path, {"reason": "other", "confirm": "y"}, {"note": "Explain the reason."})


def test_other_office_gets_404_on_every_reception_page(client, other_agent, agent, started_case):
    case = started_case()
    do_reception(agent, case)
    task = db.session.query(ProcedureTask).first()
    login(client, other_agent)
    for path in (
        f"/cases/{case.id}/reception",
        f"/cases/{case.id}/reception/assessment",
        f"/cases/{case.id}/reception/session",
        f"/cases/{case.id}/reception/test",
        f"/cases/{case.id}/reception/tasks",
        f"/cases/{case.id}/agreement.pdf",
        f"/cases/{case.id}/agreement/sign",
        f"/cases/{case.id}/certificate/issue",
    ):
        assert client.get(path).status_code == 404, path
    before = changed_rows()
    assert client.post(f"/reception/tasks/{task.id}/done", data={}).status_code == 404
    assert client.post(f"/cases/{case.id}/notifications", data={"recipient": "cpas"}).status_code == 404
    assert changed_rows() == before
