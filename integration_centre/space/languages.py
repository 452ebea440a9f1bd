"""The space's twelve languages: which one a page is shown in, and the language picker.

The space offers more languages than the staff interface (``SPACE_LOCALES`` in the configuration:
fr nl en ar fa ps ti uk ru tr es so). A page of the space is shown in:

1. the language chosen with the picker in the space's header (kept in the Flask session);
2. else the person's preferred language from their file, read once when their space session
   starts (an audited access, purpose ``space.language``) and kept in the session;
3. else the application's default language (French).

Requests outside the space never see these languages: the staff interface keeps its own three.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping

from babel import localedata
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import refresh
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.i18n import add_locale_selector, text_direction
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor

LOCALE_KEY = "space_locale"  # the Flask session's key of the space's language
PURPOSE = "space.language"
# A person's preferred language is an ISO 639 code of their file (pathway.languages): the codes
# of the languages a space locale serves. Moroccan, Levantine, Egyptian, Iraqi, Gulf and Sudanese
# Arabic read Modern Standard Arabic; Dari (prs) reads Persian; the Pashto varieties read Pashto.
ALIASES = {
    "ary": "ar",
    "apc": "ar",
    "arz": "ar",
    "acm": "ar",
    "afb": "ar",
    "apd": "ar",
    "ajp": "ar",
    "arb": "ar",
    "prs": "fa",
    "pes": "fa",
    "pbu": "ps",
    "pbt": "ps",
    "pst": "ps",
    "tir": "ti",
    "som": "so",
    "ukr": "uk",
    "rus": "ru",
    "tur": "tr",
    "spa": "es",
    "fra": "fr",
    "nld": "nl",
    "eng": "en",
}


def space_locales() -> Mapping[str, str]:
    """The space's languages: code → name in that language, in the picker's order; a language
    Babel has no data for (dates, numbers, plural rules) is left out, so the space falls back to
    the default language rather than fail (tests/space/test_languages.py checks all twelve)."""
    return {code: name for code, name in current_app.config["SPACE_LOCALES"].items() if _has_babel_data(code)}


@functools.cache
def _has_babel_data(code: str) -> bool:
    return localedata.exists(code)


def locale_for(code: str | None) -> str | None:
    """The space's locale serving a language code of a person's file (``prs`` → ``fa``), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("-", "_")
    base = code.split("_")[0]
    for candidate in (code, base, ALIASES.get(code), ALIASES.get(base)):
        if candidate and candidate in space_locales():
            return candidate
    return None


def chosen_locale() -> str | None:
    """The space's language kept in this browser session, or None."""
    code = session.get(LOCALE_KEY)
    return code if isinstance(code, str) and code in space_locales() else None


def choose(code: str | None) -> bool:
    """Keep ``code`` as this browser's language in the space; False for a language it does not offer."""
    if not code or code not in space_locales():
        return False
    session[LOCALE_KEY] = code
    refresh()  # this request's next messages in the new language
    return True


def preferred_locale(person_id: uuid.UUID) -> str | None:
    """The space's locale of the person's preferred language (an audited read of their file)."""
    actor = Actor(id=str(person_id), role="newcomer")
    with access(actor, PURPOSE, [person_id]):
        preferred = db.session.scalar(select(Newcomer).where(Newcomer.id == person_id))
        code = preferred.preferred_language if preferred is not None else None
    return locale_for(code)


def session_started(person_id: uuid.UUID, chosen: str | None) -> None:
    """A space session just started (the Flask session was cleared): keep the language chosen
    before (on the page asking for the date of birth), else take the person's preferred one."""
    if choose(chosen):
        return
    choose(preferred_locale(person_id))


def select_space_locale() -> str | None:
    """The locale of a space page (see the module's docstring); None outside the space, so that
    the staff interface keeps its own languages."""
    if not has_request_context() or request.blueprint != "space":
        return None
    return chosen_locale()


def picker_languages() -> list[dict[str, str]]:
    """The picker's entries: code, name (in its own language) and direction."""
    return [{"code": code, "name": name, "dir": text_direction(code)} for code, name in space_locales().items()]


def _fresh_locale() -> None:
    """Choose a space page's locale afresh: Flask-Babel keeps it on ``g``, which a request shares
    with an application context already pushed around it (a test, a command)."""
    if request.blueprint == "space":
        refresh()


def init_app(app: Flask) -> None:
    """Add the space's locale selector and the picker's languages to the templates."""
    add_locale_selector(app, select_space_locale)
    app.before_request(_fresh_locale)
    app.jinja_env.globals.update(space_languages=picker_languages)
