"""Issue 17, one name format everywhere: ``core.names.person_name`` and the ``person_name`` Jinja
filter write "NOM, Prénom"; the search results and the file-edit page's language picker use them."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from flask import render_template_string

from integration_centre.core.names import person_name
from tests.workspace.test_casework_views import edit_form

BORN = date(1991, 9, 23)


def test_person_name_writes_family_name_in_capitals_then_given_names():
    assert person_name("Öztürk", "Çağla Nur") == "ÖZTÜRK, Çağla Nur"
    assert person_name("van den  Bossche", " Zoë ") == "VAN DEN BOSSCHE, Zoë"
    assert person_name({"family_name": "Al-Hassan", "given_names": "Amira"}) == "AL-HASSAN, Amira"
    assert person_name(SimpleNamespace(family_name="Mukendi", given_names="Grâce")) == "MUKENDI, Grâce"
    assert person_name("Öztürk", None) == "ÖZTÜRK"
    assert person_name(None) == person_name("", "") == "—"
    assert person_name("yılmaz", "Ayşe", locale="fr") == "YILMAZ, Ayşe"


def test_the_jinja_filter(app):
    with app.test_request_context():
        person = {"family_name": "Öztürk", "given_names": "Çağla Nur"}
        assert render_template_string("{{ p|person_name }}", p=person) == "ÖZTÜRK, Çağla Nur"
        assert render_template_string("{{ 'Öztürk'|person_name('Çağla') }}") == "ÖZTÜRK, Çağla"
        # escaped like any value
        assert render_template_string("{{ '<b>'|person_name('x') }}") == "&lt;B&gt;, x"


def test_search_results_write_ozturk_the_one_way(agent_client, open_case):
    case = open_case(family_name="Öztürk", given_names="Çağla Nur", date_of_birth=BORN, nationality="TR")
    html = agent_client.post("/search", data={"family_name": "OZTURK", "date_of_birth": BORN.isoformat()}).get_data(
        as_text=True
    )
    body = html.split('data-testid="search-results"')[1].split("</table>")[0]
    assert f'<a href="/cases/{case.id}">ÖZTÜRK, Çağla Nur</a>' in body


def test_edit_file_uses_the_language_picker_and_keeps_the_languages(agent_client, open_case):
    case = open_case()  # speaks Arabic and English
    html = agent_client.get(f"/cases/{case.id}/file").get_data(as_text=True)
    assert "data-language-picker" in html and 'multiple name="languages"' not in html
    assert re.search(r'<input checked id="languages-ar" name="languages" type="checkbox" value="ar">', html)
    assert "/static/js/language-picker.js" in html
    data = edit_form(agent_client, case)
    assert sorted(data["languages"]) == ["ar", "en"]
