"""Issue 17, the operator's and the agent's working day: the hours against the step's target and the
positioning level on every referral, the home page's counts, the finished referrals by outcome, and
the agent's operator updates grouped by referral with the person's name and a "see all" page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from integration_centre.accounts.models import Role
from integration_centre.core.names import person_name
from integration_centre.extensions import db
from integration_centre.operators import services
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from tests.accounts.helpers import page_text
from tests.conftest import login
from tests.operators.conftest import ON

RAW_CODES = re.compile(r"\b(pre_A1|aoc|fic|attendance_record|french_course|in_progress|referral_\w+)\b")


def _text(response) -> str:
    """The visible text of a page (tags and attributes dropped)."""
    html = page_text(response)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _in_progress(agent, operator_user, org, case_ready, *, hours, level="A1", service="french_course", **person):
    case = case_ready(level=level, **person)
    item = services.refer(agent, case, service, org["operator"].id, on=ON)
    db.session.commit()
    services.accept(operator_user, item.id)
    services.record_attendance(operator_user, item.id, sessions=10, hours=hours, on=ON)
    db.session.commit()
    return item


def _target(item) -> Decimal:
    definition = pathway.definition_of(db.session.get(Case, item.case_id))
    return Decimal(str(definition.step(item.step_code).min_hours))


# ---------------------------------------------------------------------------------------------
# Hours and level


def test_progress_is_the_steps_hours_against_its_target_with_the_level(
    app, agent, org, operator_user, case_ready, profiles
):
    item = _in_progress(agent, operator_user, org, case_ready, hours="212.5", level="A1")
    progress = services.referral_progress([item])[item.id]
    assert progress.hours == Decimal("212.5") and progress.own_hours == Decimal("212.5")
    assert progress.target == _target(item)
    assert progress.level == "A1"
    assert not progress.reached and progress.meter == Decimal("212.5")
    # The operator's view carries it; an orientation referral gets no level (its operator places nobody).
    assert services.operator_view(item, operator_user)["progress"] == progress


def test_no_level_for_a_service_that_does_not_place_by_level_nor_once_the_referral_is_finished(
    app, agent, org, operator_user, case_ready, profiles
):
    case = case_ready(level="A2")
    orientation = services.refer(agent, case, "citizenship", org["operator"].id, on=ON)
    db.session.commit()
    assert services.referral_progress([orientation])[orientation.id].level == "A2"  # citizenship: AOC or FIC
    services.decline(operator_user, orientation.id, "no_places")
    db.session.commit()
    assert services.referral_progress([orientation])[orientation.id].level is None
    view = services.operator_view(orientation, operator_user)
    assert view["person"] is None and view["progress"].level is None


def test_an_inbox_page_is_the_listing_with_each_referrals_progress(
    app, agent, org, operator_user, case_ready, profiles
):
    """``inbox_page`` (the inbox's one statement for its rows) agrees with ``list_referrals`` and
    ``referral_progress``: the same referrals in the same order, the same progress."""
    _in_progress(agent, operator_user, org, case_ready, hours="212.5", level="A1")
    _in_progress(agent, operator_user, org, case_ready, hours="12", level="A2", service="citizenship")
    services.refer(agent, case_ready(), "french_course", org["operator"].id, on=ON)
    db.session.commit()
    for tab in ("new", "in_progress"):
        listed = services.list_referrals(operator_user, tab=tab)
        page = services.inbox_page(operator_user, tab=tab)
        assert [row.id for row, _progress in page.items] == [item.id for item in listed.items]
        assert (page.total, page.pages) == (listed.total, listed.pages) and page.total > 0
        expected = services.referral_progress(listed.items)
        assert {row.id: progress for row, progress in page.items} == expected
        assert {row.reference for row, _progress in page.items} == {item.reference for item in listed.items}
    levels = {p.level for _row, p in services.inbox_page(operator_user, tab="in_progress").items}
    assert levels == {"A1", "A2"}


def test_the_referral_page_and_the_inbox_show_hours_target_and_level(
    app, agent, org, operator_user, case_ready, profiles
):
    item = _in_progress(agent, operator_user, org, case_ready, hours="212.5", level="pre_A1")
    target = _target(item)
    client = _client(app, operator_user)
    page = client.get(f"/operator/referrals/{item.id}")
    html, text = page_text(page), _text(page)
    assert f"212.5 / {int(target)} h" in text
    assert re.search(
        r'<progress class="hours-progress" max="[\d.]+" value="212.5\d*" aria-labelledby="hours-title hours-text"', html
    )
    assert "pre-A1 (first steps in French)" in text
    assert not RAW_CODES.search(text), RAW_CODES.search(text)

    inbox = client.get("/operator/referrals?tab=in_progress")
    html, text = page_text(inbox), _text(inbox)
    assert f"212.5 / {int(target)} h" in text
    assert 'aria-labelledby="hours-1"' in html and '<span id="hours-1">' in html
    assert "pre-A1 (first steps in French)" in text
    assert not RAW_CODES.search(text), RAW_CODES.search(text)
    # Every referral has its hours, also a new one (0 of the target).
    new = services.refer(agent, case_ready(), "citizenship", org["operator"].id, on=ON)
    db.session.commit()
    assert f"0 / {int(_target(new))} h" in _text(client.get("/operator/referrals?tab=new"))


def test_the_agents_referral_page_names_the_person_and_shows_the_hours_against_the_target(
    app, agent, org, operator_user, case_ready, profiles
):
    item = _in_progress(agent, operator_user, org, case_ready, hours="212.5", family_name="Öztürk", given_names="Çağla")
    page = _client(app, agent).get(f"/referrals/{item.id}")
    text = _text(page)
    assert "ÖZTÜRK, Çağla" in text
    assert f"212.5 / {int(_target(item))} h" in text
    assert 'aria-labelledby="hours-title hours-text"' in page_text(page)


def test_hours_are_written_the_french_way_translated(app, agent, org, operator_user, case_ready, profiles):
    item = _in_progress(agent, operator_user, org, case_ready, hours="612.5")
    client = _client(app, operator_user)
    for url in (f"/operator/referrals/{item.id}", "/operator/referrals?tab=in_progress"):
        text = _text(client.get(url))
        assert "612,5" in text, url
        assert "612.5" not in text, url


def test_the_result_choices_and_the_result_are_words(app, agent, org, operator_user, case_ready, profiles):
    item = _in_progress(agent, operator_user, org, case_ready, hours="400")
    client = _client(app, operator_user)
    text = _text(client.get(f"/operator/referrals/{item.id}"))
    assert "pre-A1 (first steps in French)" in text and "A2 (elementary)" in text  # the result's options
    done = client.post(f"/operator/referrals/{item.id}/complete", data={"result": "A2"}, follow_redirects=True)
    assert "A2 (elementary)" in _text(done)
    assert not RAW_CODES.search(_text(done))


# ---------------------------------------------------------------------------------------------
# Home page counts and the finished referrals by outcome


def test_home_page_counts_what_waits_each_count_a_link(app, agent, org, operator_user, case_ready, profiles):
    services.refer(agent, case_ready(), "french_course", org["operator"].id, on=ON)  # new
    late = services.refer(agent, case_ready(), "french_course", org["operator"].id, deadline=ON, on=ON)  # overdue
    db.session.commit()
    accepted = services.refer(agent, case_ready(), "citizenship", org["operator"].id, on=ON)
    db.session.commit()
    services.accept(operator_user, accepted.id)
    db.session.commit()
    _in_progress(agent, operator_user, org, case_ready, hours="10")
    full = _in_progress(agent, operator_user, org, case_ready, hours="400")
    assert services.referral_progress([full])[full.id].reached

    counts = services.operator_counts(operator_user, ON + timedelta(days=1))
    assert counts["sent"] == 2 and counts["accepted"] == 1 and counts["in_progress"] == 2
    assert counts["to_confirm"] == 1 and counts["overdue"] == 1
    assert counts["completed"] == counts["declined"] == counts["withdrawn"] == counts["abandoned"] == 0

    html = page_text(_client(app, operator_user).get("/operator"))
    for code in ("sent", "accepted", "in_progress", "to_confirm", "overdue", "completed", "declined"):
        assert f'data-count="{code}"' in html, code
    assert re.search(r'data-count="sent">\s*<a href="/operator/referrals\?tab=new"><span class="count">2</span>', html)
    # "To confirm" lists the courses in progress whose hours reach the target, and only them.
    assert re.search(
        r'data-count="to_confirm">\s*<a href="/operator/referrals\?(tab=in_progress&ready=1|ready=1&tab=in_progress)"',
        html,
    )
    ready = page_text(_client(app, operator_user).get("/operator/referrals?tab=in_progress&ready=1"))
    assert full.reference in ready and 'id="ready-filter"' in ready
    assert ready.count('data-label="Reference"') == 1
    # The overdue list is the open referrals past their deadline, whatever their tab.
    overdue = page_text(_client(app, operator_user).get("/operator/referrals?overdue=1"))
    assert late.reference in overdue and full.reference not in overdue
    assert 'id="overdue-filter"' in overdue


def test_done_is_split_by_outcome_with_filters(app, agent, org, operator_user, case_ready, profiles):
    made = {}
    for outcome in ("completed", "declined", "withdrawn", "abandoned"):
        item = services.refer(agent, case_ready(), "french_course", org["operator"].id, on=ON)
        db.session.commit()
        if outcome == "declined":
            services.decline(operator_user, item.id, "no_places")
        elif outcome == "withdrawn":
            services.withdraw(agent, item.id, "error")
        else:
            services.accept(operator_user, item.id)
            services.record_attendance(operator_user, item.id, sessions=40, hours=400)
            if outcome == "completed":
                services.complete(operator_user, item.id, result="A2")
            else:
                services.abandon(operator_user, item.id, "never_came")
        db.session.commit()
        made[outcome] = item.reference
    client = _client(app, operator_user)
    every = page_text(client.get("/operator/referrals?tab=done"))
    assert all(reference in every for reference in made.values())
    for outcome in ("completed", "declined", "withdrawn", "abandoned"):
        assert re.search(rf'data-outcome="{outcome}"[^>]*>[^<]*<span class="badge">1</span>', every), outcome
        html = page_text(client.get(f"/operator/referrals?tab=done&outcome={outcome}"))
        listed = [reference for reference in made.values() if reference in html]
        assert listed == [made[outcome]], (outcome, listed)
        assert f'data-outcome="{outcome}" aria-current="page"' in html
    assert "Refused" in every and "Withdrawn by the reception office" in every
    # An unknown outcome is the whole list.
    assert all(r in page_text(client.get("/operator/referrals?tab=done&outcome=bogus")) for r in made.values())


# ---------------------------------------------------------------------------------------------
# The agent's operator updates


def test_display_name_is_family_in_capitals_then_given_names():
    assert person_name("Öztürk", "Çağla Nur") == "ÖZTÜRK, Çağla Nur"
    assert person_name(None, "Amira") == "Amira"
    assert person_name(None, None) == "—"


def test_updates_are_one_entry_per_referral_with_the_name_and_the_badge_is_what_see_all_lists(
    app, agent, org, operator_user, case_ready, profiles, monkeypatch
):
    items = [
        _in_progress(agent, operator_user, org, case_ready, hours=str(10 + n), family_name=f"Name{n}x")
        for n in range(3)
    ]
    counts = services.update_counts(agent)
    assert counts == {"new": 3, "all": 3}  # 3 referrals, 2 operator events each
    entries, unseen = services.operator_updates(agent)
    assert unseen == 3 and len(entries) == 3
    assert [e.referral.id for e in entries] == [i.id for i in reversed(items)]  # newest news first
    assert entries[0].name == "NAME2X, Amira"
    assert [e.action for e in entries[0].events] == ["attendance", "start", "accept"][: len(entries[0].events)]
    assert entries[0].unseen == len(entries[0].events) + entries[0].more

    client = _client(app, agent)
    dashboard = page_text(client.get("/", follow_redirects=True))
    assert 'id="operator-updates-badge" data-count="3"' in dashboard
    assert "3 referrals with news" in dashboard
    for item in items:
        assert dashboard.count(f'data-referral="{item.reference}"') == 1
    assert "NAME0X, Amira" in dashboard

    listed = page_text(client.get("/operator-updates?show=new"))
    assert listed.count('class="update-entry"') == 3
    assert "3 referrals" in listed

    # Pages of the "see all" list, newest first, as many entries in all as the badge counts.
    monkeypatch.setattr("integration_centre.operators.notifications.UPDATES_PER_PAGE", 2)
    page = services.updates_page(agent, view="new", per_page=2)
    second = services.updates_page(agent, view="new", page=2, per_page=2)
    assert page.total == second.total == 3 and page.pages == 2
    assert [e.referral.id for e in page.items + second.items] == [i.id for i in reversed(items)]
    assert services.updates_page(agent, view="new", page=99, per_page=2).page == 2

    # Marked as seen from the page: nothing new, everything still under "all".
    token_page = client.get("/operator-updates?show=new")
    assert token_page.status_code == 200
    back = client.post("/operator-updates/seen", data={"back": "updates"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/operator-updates?show=all")
    assert services.update_counts(agent) == {"new": 0, "all": 3}
    assert 'id="operator-updates-badge"' not in page_text(client.get("/", follow_redirects=True))
    assert "Nothing new" in page_text(client.get("/operator-updates"))
    assert page_text(client.get("/operator-updates?show=all")).count('class="update-entry"') == 3

    # A new event brings back one referral, not one line per event.
    services.record_attendance(operator_user, items[0].id, sessions=12, hours=30)
    db.session.commit()
    assert services.update_counts(agent) == {"new": 1, "all": 3}


def test_updates_are_the_offices_only_and_never_for_operators(
    app, agent, org, operator_user, case_ready, profiles, make_user
):
    _in_progress(agent, operator_user, org, case_ready, hours="5")
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    assert services.update_counts(other) == {"new": 0, "all": 0}
    assert 'class="update-entry"' not in page_text(_client(app, other).get("/operator-updates?show=all"))
    assert services.update_counts(operator_user) == {"new": 0, "all": 0}
    assert _client(app, operator_user).get("/operator-updates").status_code == 404


@pytest.mark.parametrize("show", ["new", "all", "bogus"])
def test_updates_page_answers_for_every_view(app, agent, show):
    assert _client(app, agent).get(f"/operator-updates?show={show}&page=x").status_code == 200
