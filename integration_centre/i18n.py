"""Locale selection (French by default) and locale-aware formatting helpers for templates."""

from __future__ import annotations

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


def select_locale() -> str:
    """The session's chosen language, else the user's, else the configured default (fr)."""
    locales = current_app.config["LOCALES"]
    if not has_request_context():  # CLI, jobs, services called from tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in locales:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code (fr, nl, en) of the current request's locale; French outside requests."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the locale-aware formatting helpers to templates (dates in Brussels time)."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(app.root_path) / "translations"),
    )
    app.jinja_env.globals.update(
        current_locale=select_locale,
        language_names=LANGUAGE_NAMES,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_number=format_number,
        format_percent=format_percent,
        format_timedelta=format_timedelta,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
