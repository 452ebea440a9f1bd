"""Issue 16, statistics: entry service and purpose of a case, new or follow-up file, in the events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import events, services
from integration_centre.pathway.case_profile import file_kind, set_case_profile
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.labels import ENTRY_CHANNELS, PURPOSES
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.stats.reference import category_labels


def test_code_lists_match_the_statistics_labels():
    """The agent's lists and the published categories are the same codes (fr/en/nl labels for each)."""
    labels = category_labels()
    assert set(labels["entry_channel"]) == set(ENTRY_CHANNELS)
    assert set(labels["purpose"]) == set(PURPOSES)
    assert set(ENTRY_CHANNELS) == {"commune", "cpas", "self", "operator", "reception_centre", "other"}
    assert set(PURPOSES) == {"obligation", "nationality", "permit", "employment", "personal", "other"}


def test_opening_a_case_records_them_and_the_event_carries_them(agent, register):
    newcomer = register()
    with events.collect() as received:
        case = services.open_case(agent, newcomer, on=date(2026, 5, 4), entry_channel="cpas", purpose="nationality")
        db.session.commit()
    assert (case.entry_channel, case.purpose) == ("cpas", "nationality")
    (opened,) = [e for e in received if e.type == "case_opened"]
    assert opened.person["entry_channel"] == "cpas"
    assert opened.person["purpose"] == "nationality"
    assert opened.person["file_kind"] == "new"
    assert opened.person["education_level"] == "upper_secondary" and opened.person["nationality"] == "SY"


def test_both_are_optional(agent, register):
    case = services.open_case(agent, register(), on=date(2026, 5, 4))
    assert (case.entry_channel, case.purpose) == (None, None)


@pytest.mark.parametrize(
    ("channel", "purpose", "field"), [("embassy", None, "entry_channel"), (None, "holiday", "purpose")]
)
def test_a_value_outside_the_lists_is_refused_with_a_clear_message(agent, register, channel, purpose, field):
    newcomer = register()
    with pytest.raises(PathwayError) as refused:
        services.open_case(agent, newcomer, on=date(2026, 5, 4), entry_channel=channel, purpose=purpose)
    assert set(refused.value.field_errors) == {field}
    assert "from the list" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_second_case_after_an_ended_one_is_a_follow_up(agent, register):
    newcomer = register()
    first = services.open_case(agent, newcomer, on=date(2026, 2, 2))
    assert file_kind(first) == "new"
    services.transition_case(agent, first, "close", reason="moved_away", on=date(2026, 3, 2))
    db.session.commit()
    with events.collect() as received:
        second = services.open_case(agent, newcomer, on=date(2026, 5, 4), purpose="permit")
        db.session.commit()
    assert file_kind(second) == "follow_up"
    assert [e.person["file_kind"] for e in received if e.type == "case_opened"] == ["follow_up"]
    assert file_kind(first) == "new"  # a later case never makes an earlier one a follow-up


def test_a_transfer_continues_the_file_it_does_not_open_a_follow_up(agent, register, org):
    from integration_centre.accounts.models import Office

    newcomer = register()
    case = services.open_case(agent, newcomer, on=date(2026, 2, 2), entry_channel="cpas", purpose="permit")
    services.transition_case(agent, case, "start", on=date(2026, 2, 2))
    other = db.session.get(Office, org["other_office"].id)
    services.transition_case(agent, case, "transfer", target_office=other, on=date(2026, 4, 1))
    db.session.commit()
    successor = db.session.get(Case, case.successor_case_id)
    assert file_kind(successor) == "new"
    assert (successor.entry_channel, successor.purpose) == ("cpas", "permit")  # the same file goes on


def test_the_case_page_correction_is_checked_and_noted_without_values(agent, register):
    case = services.open_case(agent, register(), on=date(2026, 5, 4), entry_channel="self")
    db.session.commit()
    version = case.version
    set_case_profile(agent, case, entry_channel="commune", purpose="employment", expected_version=version)
    db.session.commit()
    assert (case.entry_channel, case.purpose) == ("commune", "employment")
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.action == "case.profile"))
    assert entry.reason == "entry_channel,purpose"  # which fields changed, never their values
    with pytest.raises(PathwayError) as refused:
        set_case_profile(agent, case, entry_channel="commune", purpose="holiday")
    assert set(refused.value.field_errors) == {"purpose"}
    db.session.rollback()
    with pytest.raises(PathwayConflict):
        set_case_profile(agent, case, entry_channel="cpas", purpose=None, expected_version=version)
    db.session.rollback()
    # Nothing changed: no timeline entry.
    set_case_profile(agent, case, entry_channel="commune", purpose="employment")
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(TimelineEntry.action == "case.profile")) == 1


def test_an_agent_of_another_office_cannot_change_them(agent, other_agent, register):
    from werkzeug.exceptions import NotFound

    case = services.open_case(agent, register(), on=date(2026, 5, 4))
    db.session.commit()
    with pytest.raises(NotFound):
        set_case_profile(other_agent, case, entry_channel="cpas", purpose=None)


# ---------------------------------------------------------------------------------------------
# Pages: the open-case form and the case page's panel
# ---------------------------------------------------------------------------------------------


def test_pages_open_with_them_and_the_case_page_corrects_them(login_as, register, org, make_user):
    client, _agent = login_as(Role.AGENT)
    newcomer = register()
    page = client.get(f"/newcomers/{newcomer.id}").get_data(as_text=True)
    assert 'name="entry_channel"' in page and 'name="purpose"' in page
    assert "Proof for a nationality declaration" in page
    response = client.post(f"/newcomers/{newcomer.id}/cases", data={"entry_channel": "commune", "purpose": "permit"})
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert (case.entry_channel, case.purpose) == ("commune", "permit")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="case-profile"' in page and "Renewal of the residence permit" in page
    url = f"/cases/{case.id}/profile"
    response = client.post(url, data={"entry_channel": "cpas", "purpose": "nationality", "version": case.version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}#case-profile")
    db.session.refresh(case)
    assert (case.entry_channel, case.purpose) == ("cpas", "nationality")
    response = client.post(url, data={"entry_channel": "embassy", "purpose": "nationality"}, follow_redirects=True)
    assert "Choose the entry service from the list." in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.entry_channel == "cpas"
    other, _user = login_as(Role.AGENT, office_id=org["other_office"].id)
    assert other.post(url, data={"entry_channel": "self"}).status_code == 404
    operator, _user = login_as(Role.OPERATOR)
    assert operator.post(url, data={"entry_channel": "self"}).status_code == 404


def test_opening_with_an_unknown_value_says_why_and_opens_nothing(login_as, register):
    client, _user = login_as(Role.AGENT)
    newcomer = register()
    response = client.post(
        f"/newcomers/{newcomer.id}/cases", data={"entry_channel": "embassy", "purpose": "obligation"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose the entry service from the list." in page
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
