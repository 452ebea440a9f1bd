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
