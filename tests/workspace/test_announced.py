"""Issue 18: persons announced by a commune and not yet presented — the duty-to-present rule, the
office list, reminders through the outbox and the non-compliance procedure without a case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from integration_centre import clock
from integration_centre.agenda.models import NoncomplianceSignal
from integration_centre.extensions import db
from integration_centre.operators.models import OutboxMessage
from integration_centre.pathway import events, presentation
from integration_centre.pathway import services as pathway
from integration_centre.pathway.deadlines import presentation_due
from integration_centre.pathway.definitions import registry
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.workspace import announced, noncompliance
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import NoncomplianceProcedure, PersonEvent
from tests.conftest import login
from tests.pathway.conftest import english_messages

__all__ = ["english_messages"]  # assert on the English msgids (autouse)


def _recent(days_ago: int, **overrides):
    """Newcomer data registered ``days_ago`` days before today (permit ordered a week earlier)."""
    registered = clock.today() - timedelta(days=days_ago)
    return {"registration_date": registered, "permit_order_date": registered - timedelta(days=7), **overrides}


# --- the rule --------------------------------------------------------------------------------


def test_the_duty_to_present_date_is_three_months_after_registration_else_after_the_permit_order():
    definition = registry().applicable("wallonia", date(2025, 2, 3))
    assert presentation_due(definition, permit_order=date(2025, 2, 3), registration=date(2025, 2, 10)) == date(
        2025, 5, 10
    )
    assert presentation_due(definition, permit_order=date(2025, 2, 3), registration=None) == date(2025, 5, 3)
    assert presentation_due(definition, permit_order=None, registration=None) is None
    assert presentation_due(definition, permit_order=date(2025, 11, 30), registration=date(2025, 11, 30)) == date(
        2026, 2, 28
    )  # end of month clamped


# --- the list --------------------------------------------------------------------------------


def test_the_list_holds_announced_persons_without_a_case_sorted_by_date(agent, other_agent, register):
    late = register(family_name="Late", registration_date=date(2025, 2, 10))
    soon = register(family_name="Soon", **_recent(10))
    unknown = register(family_name="Nodate", registration_date=None, permit_order_date=None)
    with_case = register(family_name="Hascase", **_recent(20))
    pathway.open_case(agent, with_case)
    db.session.commit()

    page = announced.announced_list(agent)
    assert [r.person_id for r in page.rows] == [late.id, soon.id, unknown.id]  # undated last
    first = page.rows[0]
    assert first.name == "LATE, Amira" and first.due_on == date(2025, 5, 10) and first.overdue
    assert page.rows[1].overdue is False and page.rows[1].booked_at is None
    assert page.rows[2].due_on is None
    assert [r.person_id for r in announced.announced_list(agent, sort="-due").rows][:2] == [soon.id, late.id]
    # another office sees none of them; the read is audited
    assert announced.announced_list(other_agent).total == 0
    audited = db.session.scalars(select(AuditRecord.purpose).where(AuditRecord.object_id == str(late.id))).all()
    assert "announced.list" in audited


def test_the_list_is_paginated(agent, register, monkeypatch):
    monkeypatch.setattr(announced, "PAGE_SIZE", 2)
    for i in range(5):
        register(family_name=f"P{i}", **_recent(10 + i))
    first, last = announced.announced_list(agent), announced.announced_list(agent, page=3)
    assert (first.total, first.pages, len(first.rows)) == (5, 3, 2)
    assert (last.page, len(last.rows)) == (3, 1)
    assert announced.announced_list(agent, page=99).page == 3


# --- reminders -------------------------------------------------------------------------------


def test_a_reminder_goes_through_the_outbox_without_personal_data_and_on_the_timeline(app, agent, register):
    person = register(family_name="Remind", email="remind@example.org", preferred_language="nl", **_recent(30))
    announced.send_reminder(agent, person)
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "" and message.body == ""  # address and text sealed under the person's key
    for secret in ("remind@example.org", "Remind", "Amira"):
        assert secret not in message.subject
    assert message.personal.person_id == person.id
    with access(agent, "test", [person.id]):
        assert message.personal.recipient == "remind@example.org"
        assert "Bureau de Namur" in message.personal.body
    events_ = db.session.scalars(select(PersonEvent).where(PersonEvent.person_id == person.id)).all()
    assert [(e.action, e.reason) for e in events_] == [("announced.reminder", "email")]
    assert announced.announced_list(agent).rows[0].reminded_at is not None


def test_no_reminder_without_an_email_nor_to_another_office(agent, other_agent, register):
    person = register(email=None, **_recent(30))
    with pytest.raises(WorkspaceError, match="No e-mail"):
        announced.send_reminder(agent, person)
    other = register(**_recent(30))
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        announced.send_reminder(other_agent, other)
    assert db.session.scalar(select(OutboxMessage)) is None


# --- non-compliance without a case ----------------------------------------------------------


def test_the_procedure_runs_for_a_person_without_a_case(agent, register):
    person = register(registration_date=date(2025, 2, 10))
    today = clock.today()
    with events.collect() as received:
        procedure = noncompliance.send_notice(agent, person, today - timedelta(days=40), 30)
        db.session.commit()
    assert procedure.case_id is None and procedure.office_id == agent.office_id
    assert [e.type for e in received] == ["noncompliance_notice"]
    assert received[0].person["status"] == "obliged" and str(person.id) not in str(received[0].as_dict())
    with pytest.raises(WorkspaceError, match="already running"):
        noncompliance.send_notice(agent, person, today, 30)
    with pytest.raises(WorkspaceError, match="grace period"):
        noncompliance.refer_to_administration(agent, person, today - timedelta(days=15))
    noncompliance.refer_to_administration(agent, person, today - timedelta(days=5))
    noncompliance.record_outcome(agent, person, "fine", today)
    db.session.commit()
    assert procedure.status == "closed" and procedure.outcome == "fine"
    actions = [e.action for e in announced.timeline_of(person)]
    assert sorted(actions) == ["noncompliance.notice", "noncompliance.outcome", "noncompliance.refer"]
    assert [p.id for p in noncompliance.procedures_of(person)] == [procedure.id]


def test_the_same_safeguards_as_for_a_case(agent, other_agent, register):
    today = clock.today()
    waiting = register(**_recent(10))  # still within the three months
    assert not noncompliance.may_start(agent, waiting)
    with pytest.raises(WorkspaceError, match="may still present"):
        noncompliance.send_notice(agent, waiting, today, 30)
    dispensed = register(nationality="TR", registration_date=date(2025, 2, 10))  # Turkish: dispensed
    with pytest.raises(WorkspaceError, match="obliged"):
        noncompliance.send_notice(agent, dispensed, today, 30)
    late = register(registration_date=date(2025, 2, 10))
    with pytest.raises(WorkspaceError, match="8 to 90"):
        noncompliance.send_notice(agent, late, today, 3)
    with pytest.raises(WorkspaceError, match="future"):
        noncompliance.send_notice(agent, late, today + timedelta(days=1), 30)
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        noncompliance.send_notice(other_agent, late, today, 30)
    pathway.open_case(agent, late)
    db.session.commit()
    with pytest.raises(WorkspaceError, match="active case"):
        noncompliance.send_notice(agent, late, today, 30)
    assert db.session.scalar(select(NoncomplianceProcedure)) is None


def test_repeated_no_shows_open_the_procedure_before_the_date(agent, register, org):
    person = register(**_recent(10))
    assert not noncompliance.may_start(agent, person)
    # the agenda's signal (raised by repeated no-shows, see tests/agenda/test_attendance.py)
    from integration_centre.agenda.models import Appointment

    appointment = Appointment(
        office_id=org["office"].id, kind="reception", agent_id=agent.id, person_id=person.id,
        starts_at=clock.utcnow() - timedelta(days=2), ends_at=clock.utcnow() - timedelta(days=2, minutes=-30),
        status="no_show", booked_by_id=agent.id,
    )  # fmt: skip
    db.session.add(appointment)
    db.session.flush()
    db.session.add(
        NoncomplianceSignal(
            person_id=person.id, office_id=org["office"].id, appointment_id=appointment.id, no_shows=2,
            raised_by_id=agent.id,
        )
    )  # fmt: skip
    db.session.commit()
    assert presentation.agenda().signalled([person.id], org["office"].id) == {person.id}
    assert noncompliance.may_start(agent, person)
    noncompliance.send_notice(agent, person, clock.today(), 30)
    db.session.commit()
    row = announced.announced_list(agent).rows[0]
    assert row.signalled and row.procedure_status == "notice_sent"


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def client_of(app):
    def factory(user):
        client = app.test_client()
        assert login(client, user).status_code == 302
        return client

    return factory


def test_the_list_page_with_its_empty_state(agent, client_of, register):
    client = client_of(agent)
    page = client.get("/announced")
    assert page.status_code == 200 and 'data-testid="empty-state"' in page.text
    person = register(family_name="Listed", registration_date=date(2025, 2, 10))
    page = client.get("/announced?sort=-due")
    assert page.status_code == 200 and "LISTED, Amira" in page.text
    assert f"/agenda/book?person={person.id}&amp;kind=reception" in page.text
    assert 'aria-sort="descending"' in page.text


def test_the_person_page_reminder_and_procedure(agent, other_agent, client_of, register):
    person = register(family_name="Paged", registration_date=date(2025, 2, 10))
    client = client_of(agent)
    page = client.get(f"/announced/{person.id}")
    assert page.status_code == 200 and 'data-testid="start-noncompliance"' in page.text
    assert client.post(f"/announced/{person.id}/reminder").status_code == 302
    assert db.session.scalar(select(OutboxMessage)).personal.person_id == person.id
    assert client.get(f"/announced/{person.id}/noncompliance").status_code == 200
    today = clock.today()
    response = client.post(
        f"/announced/{person.id}/noncompliance",
        data={"stage": "notice", "notice-sent_on": today.isoformat(), "notice-grace_days": "30"},
    )
    assert response.status_code == 302
    procedure = db.session.scalar(select(NoncomplianceProcedure))
    assert procedure.person_id == person.id and procedure.case_id is None
    page = client.get(f"/announced/{person.id}")
    assert "Reminder of the duty to present sent by e-mail" in page.text
    # another office's agent: 404 everywhere
    other = client_of(other_agent)
    for url in (f"/announced/{person.id}", f"/announced/{person.id}/noncompliance"):
        assert other.get(url).status_code == 404
    assert other.post(f"/announced/{person.id}/reminder").status_code == 404


def test_the_outbox_sends_the_reminder_to_the_sealed_address(app, agent, register):
    from tests.operators.smtp_server import SMTPServer

    person = register(family_name="Mailed", email="mailed@example.org", preferred_language="fr", **_recent(30))
    announced.send_reminder(agent, person)
    db.session.commit()
    with SMTPServer() as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
        assert result.exit_code == 0 and "sent 1" in result.output, result.output
        (_sender, recipients, email), *_ = server.messages
        assert recipients == ["mailed@example.org"]
        assert "Mailed" not in email.as_string()
    db.session.expire_all()
    audited = db.session.scalars(select(AuditRecord.purpose).where(AuditRecord.object_id == str(person.id))).all()
    assert "outbox.send" in audited


def test_a_procedure_started_without_a_case_can_be_closed_once_the_case_opened(agent, register):
    person = register(registration_date=date(2025, 2, 10))
    noncompliance.send_notice(agent, person, clock.today() - timedelta(days=3), 30)
    pathway.open_case(agent, person)  # the person presented
    db.session.commit()
    assert announced.announced_person(agent, person.id) == person  # still reachable for the procedure
    assert announced.announced_list(agent).total == 0  # but no longer waiting
    procedure = noncompliance.record_compliance(agent, person)
    db.session.commit()
    assert procedure.status == "complied"
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        announced.announced_person(agent, person.id)
