"""Locale-aware numbers and dates, and code labels, as templates use them (issue #17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from integration_centre.i18n import code_label, decimal_filter


def test_decimals_follow_the_locale(app) -> None:
    with app.test_request_context():
        with force_locale("fr"):
            assert decimal_filter(612.5) == "612,5"
            assert decimal_filter(Decimal("120.0")) == "120"
            assert decimal_filter(2.5, 2) == "2,50"
            assert decimal_filter(None) == "—"
            assert render_template_string("{{ 1234.5|decimal }}") == "1\u202f234,5"
        with force_locale("en"):
            assert decimal_filter(612.5) == "612.5"
            assert render_template_string("{{ 1234.5|decimal }}") == "1,234.5"
        with force_locale("nl"):
            assert decimal_filter(612.5) == "612,5"


def test_dates_follow_the_locale(app) -> None:
    with app.test_request_context():
        with force_locale("fr"):
            assert render_template_string("{{ day|date('long') }}", day=date(2026, 12, 3)) == "3 décembre 2026"
            assert render_template_string("{{ none|date }}", none=None) == "—"
        with force_locale("nl"):
            assert render_template_string("{{ day|date('long') }}", day=date(2026, 12, 3)) == "3 december 2026"


def test_a_code_reads_as_its_label_never_as_code(app) -> None:
    labels = {"attendance_record": _l("Attendance record")}
    with app.test_request_context(), force_locale("en"):
        assert code_label("attendance_record", labels) == "Attendance record"
        assert render_template_string("{{ 'attendance_record'|label(labels) }}", labels=labels) == "Attendance record"
        assert code_label("signed_agreement", labels) == "signed agreement"
        assert code_label("signed_agreement", labels, default="?") == "?"
        assert code_label(None, labels) == "—"


def test_language_names_are_never_left_in_english() -> None:
    from integration_centre.pathway.reference import language_choices, language_name

    assert language_name("ia", "fr") == "Interlingua"
    assert dict(language_choices("nl"))["el"] == "Grieks"
    assert dict(language_choices("fr"))["ar"] == "Arabe"  # pycountry's translation stays first
    for locale in ("fr", "nl"):
        names = [name for _code, name in language_choices(locale)]
        assert not [name for name in names if "Language" in name or "(1453-)" in name], locale


def test_a_rule_version_reads_as_its_name(app) -> None:
    from integration_centre.pathway.definitions import rules_label

    with app.app_context():
        assert rules_label("wallonia-2018", "fr") == "Parcours d'intégration – Wallonie (règles de 2018)"
        assert rules_label("wallonia-2018", "en") == "Integration pathway – Wallonia (2018 rules)"
        assert rules_label("nowhere-1999", "fr") == "nowhere-1999"


def test_records_of_processing_name_the_regulation_in_the_language() -> None:
    from integration_centre.rights.records import article_text

    assert article_text("GDPR Art. 6(1)(c) and 6(1)(e)", "fr") == "RGPD Art. 6(1)(c) et 6(1)(e)"
    assert article_text("GDPR Art. 6(1)(c) and 6(1)(e)", "nl") == "AVG Art. 6(1)(c) en 6(1)(e)"
    assert article_text("GDPR Art. 6(1)(e)", "en") == "GDPR Art. 6(1)(e)"


def test_api_descriptions_show_identifiers_as_code() -> None:
    from integration_centre.api.views import backticks

    assert str(backticks("By `family_name` <b>")) == "By <code>family_name</code> &lt;b&gt;"
    assert str(backticks("one ` tick")) == "one ` tick"


def test_the_crawl_recognises_codes_and_english_words() -> None:
    from tests.e2e.test_every_page import screen_text_failures, url_pattern

    assert url_pattern("/cases/169e2a9b-5dff-465e-9383-71028445c92e/steps/language_test", "") == (
        "/cases/<id>/steps/language_test"
    )
    assert url_pattern("/admin/users", "sort=name&dir=asc") == "/admin/users?dir&sort"
    text = "Statut : attendance_record ⏎ pre_A1 ⏎ Règles : wallonia-2025 ⏎ But : referral.suggest"
    found = {(check, word) for check, word, _ in screen_text_failures(text, "fr")}
    assert found == {
        ("snake_case code", "attendance_record"),
        ("level code", "pre_A1"),
        ("rule-version id", "wallonia-2025"),
        ("dotted code", "referral.suggest"),
    }
    assert {w for _, w, _ in screen_text_failures("First version\nSave", "fr")} == {"'First version'", "'Save'"}
    assert not screen_text_failures("First version\nSave", "en")
    french = "Service d'entrée ⏎ Organisation ⏎ Issue ⏎ Total ⏎ agent.liege@demo.example ⏎ rapport.pdf ⏎ art. 6"
    assert not screen_text_failures(french, "fr")
