"""Translations: every message of the code is in the catalogs (the staff interface's fr/en/nl and
the person's space's twelve languages) and translated in French and Dutch, the compiled .mo files
match their .po, pages render in the chosen language, and dates and numbers follow the locale.
The space's own strings in its twelve languages: tests/space/test_languages.py.

When a test here fails after new text was added: run ``scripts/i18n.sh``, translate the new
entries of ``integration_centre/translations/{fr,nl}/LC_MESSAGES/messages.po``, run
``scripts/i18n.sh compile`` and commit the .po and .mo files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_datetime, format_decimal

from integration_centre.config import LOCALES as STAFF_LOCALES
from integration_centre.config import SPACE_LOCALES

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "integration_centre" / "translations"

# Every catalog: the staff interface's languages, then the space's others (scripts/i18n.sh).
LOCALES = (*STAFF_LOCALES, *(code for code in SPACE_LOCALES if code not in STAFF_LOCALES))
TRANSLATED_LOCALES = ("fr", "nl")  # English is the language of the msgids themselves
# The same keywords as scripts/i18n.sh.
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
SKIPPED_DIRS = {"node_modules", "build", "dist", "instance", "reports", "tests", "bench", "docs", "migrations"}


def _source_messages() -> dict[str, list[str]]:
    """msgid → files using it, extracted from the code with Babel and babel.cfg."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)

    def keep(path: str) -> bool:
        return not (set(Path(path).parts) & SKIPPED_DIRS)

    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, []).append(filename)
    return found


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(s and s.strip() for s in strings) and not message.fuzzy


@pytest.fixture(scope="module")
def source_messages() -> dict[str, list[str]]:
    """Every msgid of the Python code and the templates."""
    messages = _source_messages()
    assert len(messages) > 50, "extraction found too few messages: check babel.cfg"
    return messages


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_code_is_in_the_catalog(source_messages, locale) -> None:
    catalog = _catalog(locale)
    missing = {msgid: files for msgid, files in source_messages.items() if msgid not in catalog}
    assert not missing, (
        f"{len(missing)} message(s) missing from the {locale} catalog (run scripts/i18n.sh): "
        + "; ".join(f"{m!r} ({', '.join(sorted(set(f)))})" for m, f in sorted(missing.items()))
    )


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_message_has_a_translation(source_messages, locale) -> None:
    catalog = _catalog(locale)
    untranslated = sorted(m for m in source_messages if m in catalog and not _is_translated(catalog[m]))
    assert not untranslated, f"{len(untranslated)} message(s) without a {locale} translation: {untranslated}"


def test_every_catalog_is_built_by_the_scripts() -> None:
    """scripts/i18n.sh creates, updates and compiles the catalog of every language."""
    script = (ROOT / "scripts" / "i18n.sh").read_text()
    assert f"LOCALES=({' '.join(LOCALES)})" in script
    found = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert found == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale) -> None:
    catalog = _catalog(locale)
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in catalog.check()
        if errors and message.string
    ]
    assert not problems, f"{locale}: " + " | ".join(problems)


def _hashable(value):
    """Plural messages come as lists from a .mo and tuples from a .po: compare them as tuples."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _is_identity(msgid, string) -> bool:
    """Every form of ``string`` is one of the msgids (an untranslated entry as compiled)."""
    ids = set(msgid) if isinstance(msgid, list | tuple) else {msgid}
    strings = string if isinstance(string, list | tuple) else (string,)
    return all(s in ids for s in strings)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale) -> None:
    """The committed .mo holds exactly the translations of the .po (run scripts/i18n.sh compile)."""
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.is_file(), f"{mo_path} is missing: run scripts/i18n.sh compile"
    with mo_path.open("rb") as handle:
        compiled = read_mo(handle)
    # An untranslated plural is compiled with its msgids as strings (repeated for each of the
    # language's forms: six in Arabic): identity entries say nothing.
    expected = {
        _hashable(m.id): _hashable(m.string)
        for m in _catalog(locale)
        if m.id and _is_translated(m) and not _is_identity(m.id, m.string)
    }
    actual = {_hashable(m.id): _hashable(m.string) for m in compiled if m.id and not _is_identity(m.id, m.string)}
    assert actual == expected, f"{mo_path.name} of {locale} is stale: run scripts/i18n.sh compile"


@pytest.mark.parametrize(
    ("locale", "title", "button"),
    [("fr", "Se connecter", "Se déconnecter"), ("en", "Log in", "Log out"), ("nl", "Aanmelden", "Afmelden")],
)
def test_pages_render_in_the_chosen_language(app, client, login_as, locale, title, button) -> None:
    client.post("/language", data={"locale": locale, "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    assert f"<h1>{title}</h1>" in page

    logged_in, _user = login_as()
    logged_in.post("/language", data={"locale": locale})
    home = logged_in.get("/agent").get_data(as_text=True)
    assert f'<html lang="{locale}">' in home
    assert button in home


def test_french_is_the_default_language(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Adresse e-mail" in page


@pytest.mark.parametrize(
    ("locale", "title"), [("fr", "Page introuvable"), ("en", "Page not found"), ("nl", "Pagina niet gevonden")]
)
def test_error_pages_are_translated(client, locale, title) -> None:
    client.post("/language", data={"locale": locale})
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)


def test_an_unknown_language_is_ignored(client) -> None:
    client.post("/language", data={"locale": "xx"})
    assert '<html lang="fr">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "long_date", "number", "short_datetime"),
    [
        ("fr", "5 mars 2026", "1\u202f234,5", "11/01/2026 00:30"),
        ("en", "March 5, 2026", "1,234.5", "1/11/26, 12:30\u202fAM"),
        ("nl", "5 maart 2026", "1.234,5", "11-01-2026, 00:30"),
    ],
)
def test_dates_and_numbers_follow_the_locale(app, locale, long_date, number, short_datetime) -> None:
    with app.test_request_context(), force_locale(locale):
        assert format_date(date(2026, 3, 5), "long") == long_date
        assert format_decimal(1234.5) == number
        # Datetimes are stored in UTC and shown in Brussels time: 23:30 UTC is 00:30 the next day.
        assert format_datetime(datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "short") == short_datetime


def test_templates_see_the_locale_formatters(app) -> None:
    with app.test_request_context(), force_locale("nl"):
        rendered = app.jinja_env.from_string(
            "{{ format_date(d, 'long') }} | {{ format_decimal(n) }} | {{ format_number(12345) }}"
            " | {{ format_percent(p) }}"
        ).render(d=date(2026, 3, 5), n=1234.5, p=0.25)
    assert rendered == "5 maart 2026 | 1.234,5 | 12.345 | 25%"
