"""Issue 17, registration form: every field says truthfully whether it is required; the languages
are checkboxes with the frequent ones first (no Ctrl-click list, no ancient or constructed
languages), and the filter box is a static script (no inline code)."""

from __future__ import annotations

import re

from integration_centre.accounts.models import Role
from integration_centre.pathway import languages

REQUIRED = ("family_name", "given_names", "date_of_birth", "sex", "nationality", "residence_category")
OPTIONAL = (
    "niss", "address", "municipality_code", "phone", "email", "preferred_language", "interpreter_language",
    "permit_order_date", "permit_validity_months", "registration_date", "education_level",
)  # fmt: skip


def _label(html: str, name: str) -> str:
    match = re.search(rf'<label class="label" for="{name}">(.*?)</label>', html, re.S)
    assert match, name
    return match.group(1)


def _page(login_as) -> str:
    client, _ = login_as(Role.AGENT)
    response = client.get("/newcomers/new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_optional_fields_say_so_and_required_ones_do_not(login_as):
    html = _page(login_as)
    assert "Fields marked “optional” may be left empty; the others are required." in html
    for name in REQUIRED:
        assert "(optional)" not in _label(html, name), name
    for name in OPTIONAL:
        assert _label(html, name).endswith("(optional)"), name
    legend = re.search(r'<legend class="label">(.*?)</legend>', html).group(1)
    assert legend == "Languages spoken (optional)"


def test_languages_are_checkboxes_with_the_frequent_ones_first(login_as):
    html = _page(login_as)
    assert 'name="languages"' in html and "<select multiple" not in html and 'multiple name="languages"' not in html
    picker = html.split("data-language-picker")[1].split("</fieldset>")[0]
    frequent, others = picker.split("<details")
    frequent_codes = re.findall(r'name="languages" type="checkbox" value="([^"]+)"', frequent)
    other_codes = re.findall(r'name="languages" type="checkbox" value="([^"]+)"', others)
    for code in ("ar", "fr", "nl", "en", "es", "pt", "ru", "uk", "tr", "ps", "fa", "prs", "so", "ti", "am", "ro"):
        assert code in frequent_codes, code
    assert not set(frequent_codes) & set(other_codes)
    assert len(frequent_codes) + len(other_codes) > 150
    for dropped in ("ae", "ia", "ie", "io", "vo", "eo", "la", "cu", "pi", "sa"):
        assert dropped not in frequent_codes + other_codes, dropped
    names = re.findall(r'<label for="languages-[^"]+">([^<]+)</label>', frequent)
    assert "Arabic" in names and names == sorted(names, key=languages.sort_key)
    assert "<details" in picker and '<details class="language-picker-others">' in picker  # closed: none ticked


def test_ticked_languages_stay_ticked_after_an_error(login_as):
    client, _ = login_as(Role.AGENT)
    html = client.post("/newcomers/new", data={"languages": ["ti", "zu"]}).get_data(as_text=True)
    assert re.search(r'<input checked id="languages-ti" name="languages" type="checkbox" value="ti">', html)
    assert re.search(r'<input checked id="languages-zu" name="languages" type="checkbox" value="zu">', html)
    assert '<details class="language-picker-others" open>' in html  # Zulu is among the others: shown


def test_filter_script_is_static_and_deferred(login_as, app):
    html = _page(login_as)
    assert re.search(r'<script src="/static/js/language-picker\.js[^"]*" defer></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script (CSP)"
    assert " style=" not in html
    with app.test_client() as client:
        assert client.get("/static/js/language-picker.js").status_code == 200


def test_a_recorded_language_no_longer_offered_is_kept():
    frequent, others = languages.grouped_choices("en", keep=("la", "ar"))
    assert ("la", "Latin") in others and [code for code, _ in frequent].count("ar") == 1


def test_preferred_language_lists_the_frequent_languages_first(login_as):
    html = _page(login_as)
    select = re.search(r'<select[^>]*name="preferred_language"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert select.startswith('<option value="">—</option><optgroup label="Frequent languages">')
    assert '<optgroup label="Other languages">' in select and 'value="ia"' not in select
