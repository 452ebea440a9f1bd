"""One way to write a person's name on screen: "NOM, Prénom" (family name in capitals).

``person_name`` is the helper every layer that shows a person uses (views, services building
display rows, templates through the ``person_name`` Jinja filter), so that the same person is never
written four ways. It takes the two name parts, or any object/mapping carrying ``family_name`` and
``given_names`` (a ``Newcomer`` read inside an access context, a decrypted summary dict, a search
result). Whitespace is collapsed; a missing part is left out; no name at all gives "—".

Capitals follow the locale's rules for the UI languages (fr, nl, en: Unicode upper case, so
"Öztürk" becomes "ÖZTÜRK" and "van den Bossche" "VAN DEN BOSSCHE"); the Turkish and Azeri dotted
capital I is used only when the UI itself is in one of those languages (never today).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration_centre.i18n import current_language

EMPTY_NAME = "—"
_DOTTED_I_LOCALES = frozenset({"tr", "az"})


def upper_family_name(family_name: str, locale: str | None = None) -> str:
    """``family_name`` in capitals (whitespace collapsed) as written in ``locale``."""
    text = " ".join((family_name or "").split())
    if locale and locale.split("_")[0].split("-")[0].lower() in _DOTTED_I_LOCALES:
        text = text.replace("i", "İ")
    return text.upper()


def person_name(person: Any, given_names: str | None = None, *, locale: str | None = None) -> str:
    """ "FAMILY, Given names" of a person, for screens.

    ``person`` is the family name (then ``given_names`` is the given names), or an object or a
    mapping with ``family_name`` and ``given_names``.
    """
    if person is None or isinstance(person, str):
        family = person or ""
    elif isinstance(person, Mapping):
        family, given_names = person.get("family_name") or "", person.get("given_names")
    else:
        family, given_names = getattr(person, "family_name", "") or "", getattr(person, "given_names", None)
    family = upper_family_name(family, locale)
    given = " ".join((given_names or "").split())
    if family and given:
        return f"{family}, {given}"
    return family or given or EMPTY_NAME


def init_app(app) -> None:
    """Register the ``person_name`` Jinja filter (``{{ person|person_name }}`` or
    ``{{ family|person_name(given) }}``), written in the request's locale."""

    def _filter(person: Any, given_names: str | None = None) -> str:
        return person_name(person, given_names, locale=current_language())

    app.add_template_filter(_filter, "person_name")
