"""Locale selection (French by default) and locale-aware formatting helpers for templates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask, current_app, has_request_context, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_number,
    format_percent,
    format_timedelta,
    get_locale,
)
from flask_login import current_user

from integration_centre.extensions import babel

LANGUAGE_NAMES = {"fr": "Français", "en": "English", "nl": "Nederlands"}
EMPTY = "—"  # what a missing value reads as on screen
# Languages written right to left (the person's space offers ar, fa and ps).
RTL_LANGUAGES = frozenset({"ar", "fa", "ps", "he", "ur", "ckb", "yi"})
# app.extensions key: the locale selectors a package adds (``add_locale_selector``).
LOCALE_SELECTORS = "integration_centre.locale_selectors"

logger = logging.getLogger(__name__)


def add_locale_selector(app: Flask, selector: Callable[[], str | None]) -> None:
    """Let a package choose the locale of its own requests (the person's space and its twelve
    languages): ``selector`` returns a locale, or None to leave the request to the others."""
    app.extensions.setdefault(LOCALE_SELECTORS, []).append(selector)


def select_locale() -> str:
    """A package's choice for its own pages (``add_locale_selector``), else the session's chosen
    language, else the user's, else the configured default (fr)."""
    locales = current_app.config["LOCALES"]
    if not has_request_context():  # CLI, jobs, services called from tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for selector in current_app.extensions.get(LOCALE_SELECTORS, ()):
        chosen = selector()
        if chosen:
            return chosen
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in locales:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction(locale: str | None = None) -> str:
    """``rtl`` for a language written right to left, else ``ltr`` (the ``dir`` of ``<html>``);
    without ``locale``, the current request's."""
    code = str(locale or select_locale()).replace("-", "_").split("_")[0]
    return "rtl" if code in RTL_LANGUAGES else "ltr"


def current_language() -> str:
    """The language code (fr, nl, en) of the current request's locale; French outside requests."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def decimal_filter(value: float | Decimal | int | str | None, places: int | None = None) -> str:
    """A number in the user's locale (612.5 → "612,5" in French); an em dash when missing.

    ``places`` fixes the number of decimals (``{{ hours|decimal(1) }}``); without it, up to three
    are shown and trailing zeros dropped (120.0 → "120").
    """
    if value is None or value == "":
        return EMPTY
    number = Decimal(str(value))
    if places is None:
        return format_decimal(number, format="#,##0.###")
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(number, format=pattern)


def date_filter(value: date | datetime | None, format: str = "medium") -> str:
    """A date in the user's locale ("3 déc. 2026"); an em dash when missing."""
    if value is None:
        return EMPTY
    return format_date(value, format)


def datetime_filter(value: datetime | None, format: str = "short") -> str:
    """A date and time in the user's locale, in Brussels time; an em dash when missing."""
    if value is None:
        return EMPTY
    return format_datetime(value, format)


def code_label(code: object, labels: Mapping, default: str | None = None) -> str:
    """The translated label of a stored code, from the code's ``labels`` map (the packages' labels.py).

    The one way templates turn a code into words: ``{{ item.level|label(level_labels) }}``. An
    unknown code is logged (never personal data: codes only) and shown as ``default``, else as
    words ("attendance_record" → "attendance record") rather than as a raw code.
    """
    if code is None or code == "":
        return EMPTY
    key = getattr(code, "value", code)
    for candidate in (code, key, str(key)):
        try:
            if candidate in labels:
                return str(labels[candidate])
        except TypeError:  # an unhashable value: not a code
            break
    logger.warning("no label for code %r", key)
    if default is not None:
        return str(default)
    return str(key).replace("_", " ").replace(".", " ")


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the locale-aware formatting helpers to templates (dates in Brussels time)."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(app.root_path) / "translations"),
    )
    app.jinja_env.globals.update(
        current_locale=select_locale,
        text_direction=text_direction,
        language_names=LANGUAGE_NAMES,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_number=format_number,
        format_percent=format_percent,
        format_timedelta=format_timedelta,
    )
    app.jinja_env.filters.update(
        decimal=decimal_filter,
        date=date_filter,
        datetime=datetime_filter,
        label=code_label,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
