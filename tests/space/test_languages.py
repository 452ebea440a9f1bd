"""The space's twelve languages: every space string translated in each, placeholders kept, the
page's language (picker, else the person's preferred language, else French), right to left for
Arabic, Persian and Pashto, dates and numbers by Babel, the fonts shipped by the application.

When ``test_every_space_string_is_translated`` fails: add the translations to
``i18n-pending/<branch>.json`` (``{"msgid": {"fr": …, "nl": …, "ar": …, …}}``), then run
``scripts/i18n.sh && python scripts/fill_translations.py --pending``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel import Locale, localedata
from babel.messages.catalog import Message
from flask_babel import force_locale, format_date, format_decimal
from sqlalchemy import select

from integration_centre.config import SPACE_LOCALES
from integration_centre.extensions import db
from integration_centre.i18n import text_direction
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.models import AuditRecord
from integration_centre.space import languages, translation_status
from tests.conftest import csrf_token_from
from tests.space.conftest import open_space
from tests.test_translations import _source_messages

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "integration_centre" / "translations"
FONTS = ROOT / "integration_centre" / "static" / "fonts"
TWELVE = ("fr", "nl", "en", "ar", "fa", "ps", "ti", "uk", "ru", "tr", "es", "so")


@pytest.fixture(scope="module")
def space_strings() -> dict[str, list[str]]:
    """The msgids of the space's person-facing files, extracted from the code itself."""
    found = {
        msgid: files
        for msgid, files in _source_messages().items()
        if any(translation_status.is_space_location(str(Path(f))) for f in files)
    }
    assert len(found) >= 15, "too few space strings: check translation_status.SPACE_LOCATIONS"
    return found


def test_the_space_offers_twelve_languages_named_in_their_own_language():
    assert tuple(SPACE_LOCALES) == TWELVE
    assert SPACE_LOCALES["ar"] == "العربية" and SPACE_LOCALES["ti"] == "ትግርኛ" and SPACE_LOCALES["uk"] == "Українська"


@pytest.mark.parametrize("locale", TWELVE)
def test_every_space_string_is_translated(space_strings, locale):
    result = translation_status.coverage(TRANSLATIONS, locale, locale, space_strings)
    assert not result.missing, (
        f"{len(result.missing)} space string(s) without a {locale} translation "
        f"(add them to i18n-pending/*.json, run scripts/fill_translations.py --pending): "
        + "; ".join(f"{m!r} ({', '.join(sorted(set(space_strings[m])))})" for m in result.missing)
    )
    assert not result.placeholder_errors, f"{locale}: " + " | ".join(result.placeholder_errors)


def test_the_catalogue_template_knows_every_space_string(space_strings):
    """The translation-status page reads the space's strings from messages.pot: it is up to date."""
    in_template, _staff = translation_status.template_messages(TRANSLATIONS)
    assert set(space_strings) <= in_template, sorted(set(space_strings) - in_template)


@pytest.mark.parametrize("locale", TWELVE)
def test_every_translation_keeps_its_placeholders(locale):
    catalog = translation_status.read_catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    problems = [
        f"{translation_status.message_key(m)!r}: {'; '.join(errors)}"
        for m in catalog
        if m.id and (errors := translation_status.placeholder_problems(m))
    ]
    assert not problems, f"{locale}: " + " | ".join(problems)


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (Message("Tries left: %(count)d.", "Essais : %(count)d."), False),
        (Message("Tries left: %(count)d.", "Essais restants."), True),
        (Message("Tries left: %(count)d.", "Essais : %(number)d."), True),
        (Message("Hello", "Bonjour %(name)s"), True),
        (Message(("%(num)d day", "%(num)d days"), ("un jour", "%(num)d jours")), False),
        (Message(("%(num)d day", "%(num)d days"), ("%(num)d jour", "jours")), True),
        (Message(("%(num)d day", "%(num)d days"), ("%(n)d jour", "%(num)d jours")), True),
        (Message("Tries left: %(count)d.", ""), False),  # untranslated: reported as missing, not here
    ],
)
def test_the_placeholder_checker(message, problem):
    assert bool(translation_status.placeholder_problems(message)) is problem


def test_staff_facing_files_of_the_space_need_french_and_dutch_only():
    assert translation_status.is_space_location("templates/space/home.html")
    assert translation_status.is_space_location("integration_centre/space/views_pages.py")
    assert not translation_status.is_space_location("templates/space/office/requests.html")
    assert not translation_status.is_space_location("integration_centre/space/admin_views.py")
    assert not translation_status.is_space_location("templates/space/_panel_link.html")
    assert not translation_status.is_space_location("templates/workspace/case.html")


@pytest.mark.parametrize("locale", TWELVE)
def test_babel_writes_dates_and_numbers_in_every_language(app, locale):
    assert localedata.exists(locale), f"Babel has no data for {locale}"
    with app.test_request_context(), force_locale(locale):
        written = format_date(date(2026, 3, 5), "long")
        number = format_decimal(1234.5)
    assert any(year in written for year in ("2026", "۲۰۲۶", "٢٠٢٦")), written
    assert number, number
    expected = "right-to-left" if locale in ("ar", "fa", "ps") else "left-to-right"
    assert Locale.parse(locale).character_order == expected


def test_right_to_left_languages():
    assert [code for code in TWELVE if text_direction(code) == "rtl"] == ["ar", "fa", "ps"]
    assert text_direction("ar_MA") == "rtl" and text_direction("fr-BE") == "ltr"


@pytest.mark.parametrize(
    ("preferred", "locale"),
    [
        ("ar", "ar"),
        ("ary", "ar"),
        ("prs", "fa"),
        ("fa", "fa"),
        ("ps", "ps"),
        ("ti", "ti"),
        ("uk", "uk"),
        ("so", "so"),
        ("fr", "fr"),
        ("de", None),
        ("ln", None),
        (None, None),
        ("", None),
    ],
)
def test_a_preferred_language_maps_to_a_space_language(app, preferred, locale):
    with app.app_context():
        assert languages.locale_for(preferred) == locale


def _set_preferred(newcomer, code):
    from integration_centre.privacy.access import access
    from integration_centre.privacy.context import Actor

    with access(Actor(id="test", role="system"), "test.setup", [newcomer.id]):
        db.session.get(Newcomer, newcomer.id).preferred_language = code
    db.session.commit()


def _html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def test_the_space_opens_in_the_persons_preferred_language(app, person, link):
    _set_preferred(person[1], "ar")
    client = app.test_client()
    assert open_space(client, link[1]).status_code == 302
    page = client.get("/my/").get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "مساحتي" in page  # "My space"
    events = db.session.scalars(select(AuditRecord).where(AuditRecord.purpose == languages.PURPOSE)).all()
    assert [e.actor_role for e in events] == ["newcomer"], "the preferred language is read under an audited access"


def test_without_a_preferred_language_the_space_is_in_the_default_language(app, person, link):
    _set_preferred(person[1], None)
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    client = app.test_client()
    open_space(client, link[1])
    page = client.get("/my/").get_data(as_text=True)
    assert _html_tag(page) == '<html lang="fr" dir="ltr">'
    assert "Mon espace" in page


def _choose(client, locale: str, next_path: str = "/my/"):
    page = client.get(next_path).get_data(as_text=True)
    return client.post("/my/language", data={"csrf_token": csrf_token_from(page), "locale": locale, "next": next_path})


def test_the_picker_changes_the_language_of_the_space(app, space):
    response = _choose(space, "uk")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/")
    page = space.get("/my/").get_data(as_text=True)
    assert _html_tag(page) == '<html lang="uk" dir="ltr">'
    assert "Мій кабінет" in page
    _choose(space, "fa")
    assert _html_tag(space.get("/my/").get_data(as_text=True)) == '<html lang="fa" dir="rtl">'


def test_the_picker_names_each_language_in_its_own_language(space):
    page = space.get("/my/").get_data(as_text=True)
    assert 'action="/my/language"' in page and 'name="csrf_token"' in page
    for code, name in SPACE_LOCALES.items():
        assert f'lang="{code}"' in page and name in page, code
    assert 'value="ps" lang="ps" dir="rtl"' in page


def test_a_language_chosen_before_the_birth_date_is_kept(app, person, link):
    _set_preferred(person[1], "ar")
    client = app.test_client()
    assert _choose(client, "ti", f"/my/link/{link[1]}").headers["Location"].endswith(f"/my/link/{link[1]}")
    assert "ዕለተ ልደትኩም" in client.get(f"/my/link/{link[1]}").get_data(as_text=True)
    open_space(client, link[1])
    assert _html_tag(client.get("/my/").get_data(as_text=True)) == '<html lang="ti" dir="ltr">'


def test_leaving_keeps_the_language(app, space):
    _choose(space, "es")
    page = space.get("/my/").get_data(as_text=True)
    space.post("/my/logout", data={"csrf_token": csrf_token_from(page)})
    goodbye = space.get("/my/goodbye").get_data(as_text=True)
    assert "Ha salido de su espacio" in goodbye


@pytest.mark.parametrize("bad", ["xx", "", "de", "../fr"])
def test_an_unknown_language_is_ignored(space, bad):
    _choose(space, "ru")
    _choose(space, bad)
    assert _html_tag(space.get("/my/").get_data(as_text=True)) == '<html lang="ru" dir="ltr">'


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/workspace/", "/admin/"])
def test_the_picker_returns_inside_the_space_only(space, target):
    response = _choose(space, "tr", "/my/")
    response = space.post(
        "/my/language",
        data={"csrf_token": csrf_token_from(space.get("/my/").get_data(as_text=True)), "locale": "tr", "next": target},
    )
    assert response.headers["Location"].endswith("/my/")


def test_the_space_language_never_reaches_the_staff_interface(app, client, login_as):
    with client.session_transaction() as session:
        session[languages.LOCALE_KEY] = "ar"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page  # the staff interface's default in these tests (conftest)


def test_the_space_ships_its_fonts():
    css = (ROOT / "integration_centre" / "static" / "css" / "space-fonts.css").read_text()
    for family in ("DejaVu Sans", "Noto Naskh Arabic", "Noto Sans Ethiopic"):
        assert f'font-family: "{family}"' in css
    for url in re.findall(r'url\("\.\./fonts/([^"]+)"\)', css):
        assert (FONTS / url).is_file(), url
    assert "//" not in re.sub(r"/\*.*?\*/", "", css, flags=re.S).replace('url("../', ""), "no font from elsewhere"
    for licence in ("LICENSE-DejaVu.txt", "LICENSE-NotoNaskhArabic.txt", "LICENSE-NotoSansEthiopic.txt"):
        assert (FONTS / licence).is_file()


def test_the_arabic_font_writes_pashto_and_persian_letters():
    from fontTools.ttLib import TTFont

    arabic = TTFont(FONTS / "web" / "NotoNaskhArabic-Regular.woff2").getBestCmap()
    assert all(ord(letter) in arabic for letter in "ځڅډړږښګڼېۍپچژگکی" + "العربية")
    assert "GSUB" in TTFont(FONTS / "web" / "NotoNaskhArabic-Regular.woff2")  # the letters join
    ethiopic = TTFont(FONTS / "web" / "NotoSansEthiopic-Regular.woff2").getBestCmap()
    assert all(ord(letter) in ethiopic for letter in "ትግርኛ")
    latin = TTFont(FONTS / "web" / "DejaVuSans-latin-cyrillic.woff2").getBestCmap()
    assert all(ord(letter) in latin for letter in "Українська Русский Türkçe Español Soomaali Français")


def test_the_admin_sees_the_translation_status(login_as):
    from integration_centre.accounts.models import Role

    admin, _user = login_as(Role.ADMIN)
    response = admin.get("/admin/translations")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for code, name in SPACE_LOCALES.items():
        assert f'<span lang="{code}" dir="{text_direction(code)}">{name}</span>' in page
    assert "Every string of the space is translated in its twelve languages." in page
    agent, _agent = login_as(Role.AGENT)
    assert agent.get("/admin/translations").status_code == 404


def test_the_status_lists_what_is_missing(tmp_path):
    """A catalogue without a space string's translation: counted and listed; a wrong placeholder too."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog()
    template.add("My space", locations=[("templates/space/home.html", 3)])
    template.add("Tries left: %(count)d.", locations=[("integration_centre/space/views_entry.py", 9)])
    template.add("Users", locations=[("templates/accounts/users.html", 2)])
    with (tmp_path / "messages.pot").open("wb") as handle:
        write_po(handle, template)
    (tmp_path / "so" / "LC_MESSAGES").mkdir(parents=True)
    somali = Catalog(locale="so")
    somali.add("My space", "Boggayga")
    somali.add("Tries left: %(count)d.", "Isku dayada haray.")
    with (tmp_path / "so" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, somali)
    status = translation_status.translation_status(tmp_path, {"so": "Soomaali", "ti": "ትግርኛ", "en": "English"}, {})
    somali_status, tigrinya, english = status.space
    assert (somali_status.total, somali_status.translated, somali_status.missing) == (2, 2, [])
    assert somali_status.placeholder_errors and not somali_status.complete
    assert tigrinya.missing == ["My space", "Tries left: %(count)d."]  # no catalogue at all
    assert english.complete
    assert [(s.code, s.missing) for s in status.staff] == [("fr", ["Users"]), ("nl", ["Users"])]


def test_the_fill_script_folds_pending_translations_into_every_catalogue(tmp_path, monkeypatch, capsys):
    """scripts/fill_translations.py: empty entries filled, existing ones kept, a lost placeholder
    refused, an Arabic plural padded to its six forms, the .mo files compiled."""
    import importlib.util
    import json

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po, write_po

    spec = importlib.util.spec_from_file_location("fill_translations", ROOT / "scripts" / "fill_translations.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for locale in ("fr", "ar", "en"):
        catalog = Catalog(locale=locale)
        catalog.add("My space", "Mon espace (déjà)" if locale == "fr" else "")
        catalog.add("Tries left: %(count)d.", "")
        catalog.add(("%(num)d day", "%(num)d days"), ("", ""))
        (tmp_path / locale / "LC_MESSAGES").mkdir(parents=True)
        with (tmp_path / locale / "LC_MESSAGES" / "messages.po").open("wb") as handle:
            write_po(handle, catalog)
    pending = tmp_path / "pending"
    pending.mkdir()
    (pending / "a.json").write_text(
        json.dumps(
            {
                "My space": {"fr": "Mon espace", "ar": "مساحتي", "en": "My own space"},
                "Tries left: %(count)d.": {"fr": "Essais restants.", "ar": "المحاولات الباقية: %(count)d."},
                "%(num)d day": {"fr": ["%(num)d jour", "%(num)d jours"], "ar": ["يوم", "%(num)d أيام"]},
                "Not extracted yet": {"fr": "Pas encore extrait"},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(script, "CATALOGS", tmp_path)
    monkeypatch.setattr(script, "PENDING", pending)
    assert script.main(["--pending"]) == 1  # one refused placeholder, one unknown msgid
    out = capsys.readouterr().out
    assert "refused" in out and "Not extracted yet" in out

    def load(locale):
        with (tmp_path / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            return read_po(handle, locale=locale)

    french, arabic, english = load("fr"), load("ar"), load("en")
    assert french["My space"].string == "Mon espace (déjà)"  # kept
    assert french["Tries left: %(count)d."].string == ""  # refused: the placeholder was lost
    assert french["%(num)d day"].string[:2] == ("%(num)d jour", "%(num)d jours")
    assert len(french["%(num)d day"].string) == french.num_plurals
    assert arabic["My space"].string == "مساحتي"
    assert arabic["%(num)d day"].string == ("يوم",) + ("%(num)d أيام",) * 5
    assert english["My space"].string == ""  # English is the msgids' language
    with (tmp_path / "ar" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        assert read_mo(handle)["My space"].string == "مساحتي"
