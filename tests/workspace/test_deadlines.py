"""Acceptance 1: deadlines by rule version (hand-computed), extensions, overdue flags,
evaluation interviews, the non-compliance workflow."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.models import TimelineEntry
from integration_centre.privacy.access import access
from integration_centre.workspace import services
from integration_centre.workspace.models import CaseSchedule, DeadlineExtension, NoncomplianceProcedure
from tests.accounts.helpers import fr, page_text
from tests.workspace.conftest import finish_reception

# (permit-order date, registration date, version, report-by, completion) — computed by hand:
# 2018 rules: report 3 months after registration, completion 18 months after the permit order;
# 2025 rules: report 3 months after registration, completion 36 months after the permit order.
# A day missing in the target month falls back to that month's last day.
HAND_COMPUTED = [
    # month-end into a leap February (2024 is a leap year)
    (date(2022, 8, 31), date(2023, 11, 30), "2018", date(2024, 2, 29), date(2024, 2, 29)),
    # month-end into a common February
    (date(2023, 8, 31), date(2023, 11, 30), "2018", date(2024, 2, 29), date(2025, 2, 28)),
    (date(2024, 8, 31), date(2024, 11, 30), "2018", date(2025, 2, 28), date(2026, 2, 28)),
    # 29 February itself, 18 months later (August has 31 days: same day)
    (date(2024, 2, 29), date(2024, 3, 31), "2018", date(2024, 6, 30), date(2025, 8, 29)),
    # last day of the 2018 rules, a 31st into a 30-day month
    (date(2024, 12, 31), date(2025, 1, 31), "2018", date(2025, 4, 30), date(2026, 6, 30)),
    # first day of the 2025 rules
    (date(2025, 1, 1), date(2025, 1, 1), "2025", date(2025, 4, 1), date(2028, 1, 1)),
    # 2025 rules: month-end into a leap February (2028) and a common one (2027)
    (date(2025, 2, 28), date(2025, 11, 30), "2025", date(2026, 2, 28), date(2028, 2, 28)),
    (date(2025, 8, 31), date(2025, 11, 29), "2025", date(2026, 2, 28), date(2028, 8, 31)),
    (date(2026, 2, 28), date(2026, 3, 31), "2025", date(2026, 6, 30), date(2029, 2, 28)),
    (date(2025, 5, 31), date(2025, 5, 31), "2025", date(2025, 8, 31), date(2028, 5, 31)),
]
# The other version's completion deadline for the same permit date (the calculator shows both).
OTHER_VERSION = {
    date(2022, 8, 31): date(2025, 8, 31),  # +36
    date(2023, 8, 31): date(2026, 8, 31),
    date(2024, 8, 31): date(2027, 8, 31),
    date(2024, 2, 29): date(2027, 2, 28),  # 29 Feb + 36 months: 2027 is not a leap year
    date(2024, 12, 31): date(2027, 12, 31),
    date(2025, 1, 1): date(2026, 7, 1),  # +18
    date(2025, 2, 28): date(2026, 8, 28),
    date(2025, 8, 31): date(2027, 2, 28),
    date(2026, 2, 28): date(2027, 8, 28),
    date(2025, 5, 31): date(2026, 11, 30),
}


@pytest.mark.parametrize(("permit", "registration", "applies", "report_by", "completion"), HAND_COMPUTED)
def test_calculator_matches_hand_computed_dates(app, permit, registration, applies, report_by, completion):
    rows = {r.definition.version: r for r in services.calculate(permit, registration, "wallonia")}
    # Issue 16, rule 5: the 2014 and 2016 regimes are versions too (was {"2018", "2025"}).
    assert set(rows) == {"2014", "2016", "2018", "2025"}
    assert [v for v, r in rows.items() if r.applies] == [applies]
    assert rows[applies].report_by == report_by
    assert rows[applies].completion == completion
    other = "2025" if applies == "2018" else "2018"
    assert rows[other].completion == OTHER_VERSION[permit]
    # 2016: 18 months like 2018 (the same arithmetic); 2014: no completion deadline (report only).
    assert rows["2016"].completion == rows["2018"].completion
    assert rows["2014"].completion is None and rows["2014"].report_by == report_by


def _cells(html: str, version: str) -> dict[str, str]:
    row = re.search(rf'<tr data-version="wallonia:{version}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-deadline="(\w+)" data-iso="([0-9-]*)"', row))


def test_calculator_page_shows_both_walloon_versions(agent_client):
    html = agent_client.post(
        "/deadlines/calculator", data={"permit_order_date": "2022-08-31", "registration_date": "2023-11-30"}
    ).get_data(as_text=True)
    assert _cells(html, "2018") == {"report": "2024-02-29", "completion": "2024-02-29"}
    assert _cells(html, "2025") == {"report": "2024-02-29", "completion": "2025-08-31"}
    applies = re.search(r'<tr data-version="wallonia:2018">.*?</tr>', html, re.S).group(0)
    assert fr("Applies") in applies
    # the date never travels in the URL: the form posts
    assert 'method="post" action="/deadlines/calculator"' in html


def test_case_deadline_uses_the_case_rule_version(agent, open_case):
    old = open_case(permit_order_date=date(2023, 8, 31), registration_date=date(2023, 9, 5), on=date(2023, 10, 1))
    new = open_case(
        permit_order_date=date(2025, 8, 31),
        registration_date=date(2025, 9, 5),
        on=date(2025, 10, 1),
        family_name="Other",
        niss=None,
    )
    assert services.compute_schedule(agent, old).completion_deadline == date(2025, 2, 28)
    assert services.compute_schedule(agent, new).completion_deadline == date(2028, 8, 31)
    assert services.compute_schedule(agent, old).report_by == date(2023, 12, 5)


def test_extension_moves_the_deadline_records_the_agent_and_shows_in_the_timeline(app, agent, agent_client, open_case):
    case = open_case(permit_order_date=date(2023, 8, 31), on=date(2023, 10, 1))
    seen = []
    events.subscribe(seen.append)
    try:
        # Illness needs evidence since issue 16: a medical certificate is uploaded with the form.
        certificate = (io.BytesIO(b"%PDF-1.4 certificat medical"), "attestation.pdf")
        data = {"ground": "illness", "months": "6", "note": "Hospitalisation", "document": certificate}
        response = agent_client.post(f"/cases/{case.id}/extension", data=data, content_type="multipart/form-data")
        assert response.status_code == 302
    finally:
        events.unsubscribe(seen.append)
    extension = db.session.scalar(select(DeadlineExtension))
    assert (extension.previous_deadline, extension.new_deadline) == (date(2025, 2, 28), date(2025, 8, 31))
    # A health ground is kept coarse in clear, precisely under the person's key (issue 15, finding 8).
    assert extension.agent_id == agent.id and extension.ground == "personal_circumstances" and extension.months == 6
    with access(agent, "test.view", [extension.person_id]):
        assert extension.ground_detail == "illness"
    assert db.session.get(CaseSchedule, case.id).completion_deadline == date(2025, 8, 31)
    assert [e.type for e in seen if e.type == "deadline_extended"] == ["deadline_extended"]
    assert [e.reason for e in seen if e.type == "deadline_extended"] == ["personal_circumstances"]
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.action == "case.extend"))
    assert entry is not None and extension.timeline_entry_id == entry.id
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    timeline = page.split('data-testid="timeline"')[1]
    assert fr("Deadline extended") in timeline
    assert "Maladie" in timeline  # the ground, in French
    assert "31 août 2025" in timeline  # the new deadline
    assert "case.extend" not in page  # human labels, not codes


def test_overdue_deadline_and_overdue_evaluation_appear_on_the_dashboard(agent, agent_client, open_case):
    today = date.today()
    late = open_case(permit_order_date=date(2023, 1, 15), registration_date=date(2023, 1, 20), on=date(2023, 3, 1))
    finish_reception(agent, late, on=date(2023, 3, 10))
    services.sync_schedule(agent, late)
    db.session.commit()
    schedule = db.session.get(CaseSchedule, late.id)
    assert schedule.completion_deadline == date(2024, 7, 15) < today
    assert schedule.next_evaluation_on == date(2023, 9, 10) < today
    html = agent_client.get("/agent?view=overdue").get_data(as_text=True)
    assert 'data-count="overdue">1<' in html
    listing = html.split('data-testid="dashboard-list"')[1]
    assert "AL-HASSAN, Amira" in listing and fr("Overdue") in page_text_of(listing)
    html = agent_client.get("/agent?view=evaluations").get_data(as_text=True)
    assert 'data-count="evaluations">1<' in html
    assert fr("Evaluation overdue") in page_text_of(html.split('data-testid="dashboard-list"')[1])


def page_text_of(html: str) -> str:
    import html as html_module

    return html_module.unescape(html)


def test_evaluations_every_six_months_from_the_agreement(agent, agent_client, open_case):
    today = date.today()
    case = open_case(on=today - timedelta(days=300))
    assert services.compute_schedule(agent, case).next_evaluation_on == add_months(today - timedelta(days=300), 6)
    signed = today - timedelta(days=200)
    finish_reception(agent, case, on=signed)
    assert services.compute_schedule(agent, case).next_evaluation_on == add_months(signed, 6)
    held = today - timedelta(days=3)
    response = agent_client.post(f"/cases/{case.id}/evaluation", data={"held_on": held.isoformat(), "notes": "Ok"})
    assert response.status_code == 302
    db.session.expire_all()
    schedule = db.session.get(CaseSchedule, case.id)
    assert schedule.next_evaluation_on == add_months(held, 6)
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    assert fr("Evaluation interview held") in page
    assert "Ok" in page  # the notes, decrypted for the office's agent


def test_noncompliance_notice_grace_referral_outcome(app, agent, agent_client, open_case):
    today = date.today()
    case = open_case(on=today - timedelta(days=200))
    url = f"/cases/{case.id}/noncompliance"
    sent = today - timedelta(days=20)
    assert (
        agent_client.post(
            url, data={"stage": "notice", "notice-sent_on": sent.isoformat(), "notice-grace_days": "30"}
        ).status_code
        == 302
    )
    procedure = db.session.scalar(select(NoncomplianceProcedure))
    assert procedure.status == "notice_sent" and procedure.grace_until == sent + timedelta(days=30)
    # during the grace period the referral is refused, with the reason beside the date
    response = agent_client.post(url, data={"stage": "answer", "referral-referred_on": today.isoformat()})
    assert response.status_code == 200
    assert "referral-referred_on-error" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NoncomplianceProcedure, procedure.id).status == "notice_sent"
    # after the grace period (the notice was sent 40 days ago)
    procedure.notice_sent_on = today - timedelta(days=40)
    procedure.grace_until = today - timedelta(days=10)
    db.session.commit()
    assert (
        agent_client.post(url, data={"stage": "answer", "referral-referred_on": today.isoformat()}).status_code == 302
    )
    response = agent_client.post(
        url, data={"stage": "outcome", "outcome-outcome": "fine", "outcome-outcome_on": today.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    procedure = db.session.get(NoncomplianceProcedure, procedure.id)
    assert (procedure.status, procedure.outcome, procedure.referred_on) == ("closed", "fine", today)
    actions = db.session.scalars(
        select(TimelineEntry.action).where(TimelineEntry.case_id == case.id).order_by(TimelineEntry.at)
    ).all()
    assert actions[-3:] == ["noncompliance.notice", "noncompliance.refer", "noncompliance.outcome"]
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    assert fr("Case referred to the regional administration") in page
    assert fr("Administrative fine imposed") in page


def test_noncompliance_grace_end_puts_the_case_on_today_list(agent, agent_client, open_case):
    today = date.today()
    case = open_case(on=today - timedelta(days=100))
    services.send_notice(agent, case, today - timedelta(days=31), 30)
    db.session.commit()
    assert db.session.get(CaseSchedule, case.id).next_action_on <= today
    html = agent_client.get("/agent?view=today").get_data(as_text=True)
    assert 'data-count="today">1<' in html
