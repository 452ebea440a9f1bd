"""The languages an agent chooses from for a person: the frequent ones first, then the others.

The list is ``reference.language_choices`` (ISO 639-1 and a few frequent ISO 639-3 languages)
without the ancient and constructed languages nobody arriving in Wallonia speaks (Avestan,
Church Slavic, Pali, Sanskrit, Latin, Esperanto, Interlingua, Interlingue, Ido, Volapük: ISO
639-3 types "A" and "C"), plus Tarifit. A code already recorded for a person stays offered, so
that editing a file never drops a value silently.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry

from integration_centre.pathway import reference

# The languages newcomers to Wallonia most often speak (nationalities of the residence permits
# and the centres' caseloads): Arabic and its Moroccan and Levantine forms, Tarifit, the
# languages of Belgium and the EU neighbours, Eastern Europe, Turkey and Kurdistan, Afghanistan
# and Iran, the Horn of Africa, Central and West Africa, the Caucasus, China.
FREQUENT_LANGUAGES = (
    *("ar", "ary", "apc", "rif", "fr", "nl", "en", "de", "es", "pt", "it"),
    *("ro", "pl", "bg", "sq", "ru", "uk", "tr", "ku", "kmr", "ckb"),
    *("fa", "prs", "ps", "ur", "so", "ti", "am", "ln", "sw", "ff", "sus"),
    *("hy", "ka", "zh"),
)
# Languages without an ISO 639-1 code added to the reference list here.
ADDED_LANGUAGES = ("rif",)
# ISO 639-3 language types never offered: ancient and constructed languages.
DROPPED_TYPES = frozenset({"A", "C", "E", "H"})


def sort_key(text: str) -> str:
    """``text`` without accents and case, to sort names as a reader expects."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def _offered(code: str) -> bool:
    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return language is not None and getattr(language, "type", "L") not in DROPPED_TYPES


@cache
def _choices(locale: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    entries = {code: name for code, name in reference.language_choices(locale) if _offered(code)}
    for code in ADDED_LANGUAGES:
        entries.setdefault(code, reference.language_name(code, locale))
    frequent = [(code, entries[code]) for code in FREQUENT_LANGUAGES if code in entries]
    frequent.sort(key=lambda item: sort_key(item[1]))
    others = [(code, name) for code, name in entries.items() if code not in FREQUENT_LANGUAGES]
    others.sort(key=lambda item: sort_key(item[1]))
    return tuple(frequent), tuple(others)


def grouped_choices(locale: str = "fr", keep: tuple[str, ...] | list[str] = ()) -> tuple[list, list]:
    """(frequent, others): two lists of (code, name) sorted by name in ``locale``; the codes of
    ``keep`` (the values already recorded) are added to the others when they are not offered."""
    frequent, others = (list(group) for group in _choices(locale))
    offered = {code for code, _ in frequent} | {code for code, _ in others}
    missing = [
        (code, reference.language_name(code, locale)) for code in dict.fromkeys(keep) if code and code not in offered
    ]
    if missing:
        others = sorted(others + missing, key=lambda item: sort_key(item[1]))
    return frequent, others
