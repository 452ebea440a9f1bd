"""Acceptance 5 (search part): blind-index search by name and date of birth or NISS, by POST,
results in one click, pagination, empty state, the office boundary, translated field errors."""

from __future__ import annotations

import re
from datetime import date

from integration_centre.accounts.models import Role
from integration_centre.workspace import services
from tests.accounts.helpers import field_error, fr, page_text, row_counts
from tests.conftest import login

NISS = "95031412345"  # not checked here: built below from the date of birth


def _valid_niss(born: date, serial: int = 123) -> str:
    base = f"{born:%y%m%d}{serial:03d}"
    number = int(base) if born.year < 2000 else int("2" + base)
    return f"{base}{97 - number % 97:02d}"


def _links(html: str) -> list[str]:
    body = html.split('data-testid="search-results"')[1].split("</table>")[0]
    return re.findall(r'<a href="(/(?:cases|newcomers)/[0-9a-f-]+)">([^<]+)</a>', body)


def test_search_by_name_and_birth_date_ignores_accents_case_and_spaces(agent_client, open_case):
    case = open_case(family_name="Van den Bossché", given_names="Zoë")
    response = agent_client.post("/search", data={"family_name": "VANDENBOSSCHE", "date_of_birth": "1995-03-14"})
    assert response.status_code == 200
    assert _links(response.get_data(as_text=True)) == [(f"/cases/{case.id}", "VAN DEN BOSSCHÉ, Zoë")]
    # the result opens the case in one click
    assert agent_client.get(f"/cases/{case.id}").status_code == 200
    narrowed = agent_client.post(
        "/search", data={"family_name": "van den bossche", "given_names": "zoe", "date_of_birth": "1995-03-14"}
    )
    assert len(_links(narrowed.get_data(as_text=True))) == 1


def test_search_by_niss(agent_client, register):
    born = date(1995, 3, 14)
    person = register(niss=_valid_niss(born))
    html = agent_client.post("/search", data={"niss": _valid_niss(born)}).get_data(as_text=True)
    assert _links(html) == [(f"/newcomers/{person.id}", "AL-HASSAN, Amira")]


def test_search_never_puts_the_query_in_the_url(agent_client):
    html = agent_client.get("/search").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/search"', html)
    # a GET with parameters searches nothing
    response = agent_client.get("/search?family_name=Al-Hassan&date_of_birth=1995-03-14")
    assert 'data-testid="search-results"' not in response.get_data(as_text=True)


def test_empty_state(agent_client, open_case):
    open_case()
    html = page_text(agent_client.post("/search", data={"family_name": "Nobody", "date_of_birth": "1995-03-14"}))
    assert 'data-testid="empty-state"' in html
    assert fr("register a newcomer") in html


def test_other_offices_persons_are_not_found(app, agent_client, open_case, make_user, org):
    open_case()
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    client = app.test_client()
    login(client, other)
    html = client.post("/search", data={"family_name": "Al-Hassan", "date_of_birth": "1995-03-14"}).get_data(
        as_text=True
    )
    assert 'data-testid="empty-state"' in html


def test_pagination_of_results(agent_client, register):
    for index in range(services.PAGE_SIZE + 2):
        register(given_names=f"Given{index:02d}")
    form = {"family_name": "al hassan", "date_of_birth": "1995-03-14"}
    first = agent_client.post("/search", data=form).get_data(as_text=True)
    assert len(_links(first)) == services.PAGE_SIZE
    assert fr("%(count)s person(s) found", count=services.PAGE_SIZE + 2) in page_text_of(first)
    second = agent_client.post("/search", data={**form, "page": "2"}).get_data(as_text=True)
    assert [name for _, name in _links(second)] == ["AL-HASSAN, Given20", "AL-HASSAN, Given21"]


def page_text_of(html: str) -> str:
    import html as module

    return module.unescape(html)


def test_search_errors_are_translated_and_write_nothing(agent_client, open_case):
    open_case()
    cases = [
        ({}, "family_name", "Enter a family name and a date of birth, or a national register number."),
        ({"family_name": "Al-Hassan"}, "date_of_birth", "Enter the date of birth too: names are searched with it."),
        (
            {"date_of_birth": "1995-03-14"},
            "family_name",
            "Enter the family name too: the date of birth alone finds too many people.",
        ),
        ({"family_name": "X", "date_of_birth": "14/03/1995"}, "date_of_birth", None),
    ]
    for data, field, message in cases:
        before = row_counts()
        response = agent_client.post("/search", data=data)
        assert response.status_code == 200
        shown = field_error(response, field)
        assert shown, (data, field)
        if message:
            assert fr(message) in shown
        assert 'class="error-summary"' in response.get_data(as_text=True)
        after = row_counts()
        assert {k: v for k, v in after.items() if k not in ("privacy_audit", "privacy_audit_head")} == {
            k: v for k, v in before.items() if k not in ("privacy_audit", "privacy_audit_head")
        }
    response = agent_client.post("/search", data={"niss": "12345678901"})
    assert field_error(response, "niss")
