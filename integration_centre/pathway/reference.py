"""Reference data: Walloon municipalities, centre territories, nationalities and languages.

Municipalities and territories are project data files (see ``pathway/data/README.md``);
nationalities and languages come from pycountry (ISO 3166-1 / ISO 639-3), named in the user's
language through pycountry's translation catalogues.
"""

from __future__ import annotations

import gettext
import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import pycountry
import yaml
from babel import Locale

from integration_centre import clock

DATA_DIR = Path(__file__).with_name("data")

# ISO 3166-1 alpha-2 codes of the EU, EEA and Switzerland (citizens and families are outside the
# pathway). Belgium is included: Belgians are never newcomers.
EU_EEA_CH = frozenset(
    (
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("IS", "LI", "NO", "CH"),
    )
)
NATIONALITY_GROUPS = {"EU_EEA_CH": EU_EEA_CH}


@dataclass(frozen=True)
class Municipality:
    """One municipality as it was valid between ``valid_from`` and ``valid_until``."""

    nis_code: str
    name_fr: str
    name_nl: str
    arrondissement_code: str
    arrondissement_fr: str
    arrondissement_nl: str
    province_code: str
    province_fr: str
    province_nl: str
    region: str
    german_speaking: bool
    valid_from: date
    valid_until: date | None
    successor_code: str | None

    def name(self, locale: str = "fr") -> str:
        """The name in ``locale`` (Dutch for nl, French otherwise)."""
        return self.name_nl if locale.startswith("nl") else self.name_fr

    def valid_on(self, day: date) -> bool:
        """True when the municipality existed under this code on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@cache
def municipalities() -> dict[str, Municipality]:
    """All municipalities of the reference file, by NIS code (current and merged ones)."""
    document = json.loads((DATA_DIR / "municipalities.json").read_text(encoding="utf-8"))
    result = {}
    for raw in document["municipalities"]:
        fields = dict(raw)
        fields["valid_from"] = date.fromisoformat(raw["valid_from"])
        fields["valid_until"] = date.fromisoformat(raw["valid_until"]) if raw["valid_until"] else None
        result[raw["nis_code"]] = Municipality(**fields)
    return result


def municipality(code: str | None) -> Municipality | None:
    """The municipality with NIS ``code``, or None."""
    return municipalities().get(code or "")


def current_code(code: str, on: date | None = None) -> str:
    """Follow merger successors: the code that carries ``code``'s territory on ``on`` (today)."""
    on = on or clock.today()
    seen = set()
    entry = municipality(code)
    while entry is not None and not entry.valid_on(on) and entry.successor_code and entry.nis_code not in seen:
        seen.add(entry.nis_code)
        entry = municipality(entry.successor_code)
    return entry.nis_code if entry is not None else code


def municipality_choices(on: date | None = None, locale: str = "fr") -> list[tuple[str, str]]:
    """(code, label) of the municipalities valid on ``on`` that a Walloon centre covers, by name."""
    on = on or clock.today()
    entries = [m for m in municipalities().values() if m.valid_on(on) and not m.german_speaking]
    entries.sort(key=lambda m: _sort_key(m.name(locale)))
    return [(m.nis_code, f"{m.name(locale)} ({m.nis_code})") for m in entries]


@cache
def centre_territories() -> dict[str, frozenset[str]]:
    """Centre code → the NIS codes of the municipalities it covers (German-speaking ones never)."""
    document = yaml.safe_load((DATA_DIR / "centre_territories.yaml").read_text(encoding="utf-8"))
    result = {}
    for centre_code, spec in document["centres"].items():
        arrondissements = set(spec.get("arrondissements", []))
        codes = {m.nis_code for m in municipalities().values() if m.arrondissement_code in arrondissements}
        codes |= set(spec.get("add", []))
        codes -= set(spec.get("remove", []))
        result[centre_code] = frozenset(
            c for c in codes if c in municipalities() and not municipality(c).german_speaking
        )
    return result


def centre_for_municipality(code: str | None) -> str | None:
    """The code of the centre whose territory covers municipality ``code``, or None."""
    if not code:
        return None
    for centre_code, codes in centre_territories().items():
        if code in codes:
            return centre_code
    return None


def _sort_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


@cache
def _translator(domain: str, locale: str) -> gettext.NullTranslations:
    language = locale.split("_")[0]
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(code: str | None, locale: str = "fr") -> str:
    """The country named by ISO 3166-1 alpha-2 ``code`` in ``locale`` (the code if unknown)."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code or ""
    name = getattr(country, "common_name", None) or country.name
    translated = _translator("iso3166-1", locale).gettext(name)
    if translated == name and name != country.name:
        translated = _translator("iso3166-1", locale).gettext(country.name)
    return translated


@cache
def _nationality_choices(locale: str) -> tuple[tuple[str, str], ...]:
    entries = [(c.alpha_2, country_name(c.alpha_2, locale)) for c in pycountry.countries if c.alpha_2 != "BE"]
    entries.sort(key=lambda item: _sort_key(item[1]))
    return tuple(entries)


def nationality_choices(locale: str = "fr") -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2, name) of every country except Belgium, sorted by name in ``locale``."""
    return list(_nationality_choices(locale))


def is_valid_nationality(code: str | None) -> bool:
    """True for an ISO 3166-1 alpha-2 code (stateless is recorded as ``XX``)."""
    return code == "XX" or (bool(code) and pycountry.countries.get(alpha_2=code) is not None)


def nationality_group(code: str | None) -> str:
    """``EU_EEA_CH`` for EU/EEA/Swiss citizens, else ``NON_EU`` (statistics and eligibility)."""
    return "EU_EEA_CH" if code in EU_EEA_CH else "NON_EU"


def language_name(code: str | None, locale: str = "fr") -> str:
    """The language named by ISO 639 ``code`` (alpha-2 or alpha-3) in ``locale``."""
    language = _language(code)
    if language is None:
        return code or ""
    return _language_label(language, locale)


def _language_label(language, locale: str) -> str:
    """A language's name in ``locale``: pycountry's translation, else CLDR's (Babel) when pycountry
    has none and would answer in English ("Interlingua (International Auxiliary Language
    Association)", "Modern Greek (1453-)"), capitalised like the others."""
    translated = _translator("iso639-3", locale).gettext(language.name)
    if translated != language.name or locale.startswith("en"):
        return translated
    code = getattr(language, "alpha_2", None) or language.alpha_3
    cldr = Locale.parse(locale).languages.get(code)
    return cldr[:1].upper() + cldr[1:] if cldr else translated


@lru_cache(maxsize=4096)  # pycountry's lookup costs more than the rest of a row's validation
def _language(code: str | None):
    if not code:
        return None
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code)
    return pycountry.languages.get(alpha_3=code)


def is_valid_language(code: str | None) -> bool:
    """True for an ISO 639-1 or ISO 639-3 code."""
    return _language(code) is not None


# Languages without an ISO 639-1 code that the caseload often speaks (Dari, Susu, Malinke,
# Kurdish variants, Moroccan and Levantine Arabic).
EXTRA_LANGUAGES = ("prs", "sus", "mnk", "emk", "kmr", "ckb", "ary", "apc")


@cache
def _language_choices(locale: str) -> tuple[tuple[str, str], ...]:
    languages = [lang for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    entries = [(lang.alpha_2, _language_label(lang, locale)) for lang in languages]
    for code in EXTRA_LANGUAGES:
        language = pycountry.languages.get(alpha_3=code)
        if language is not None:
            entries.append((code, _language_label(language, locale)))
    entries.sort(key=lambda item: _sort_key(item[1]))
    return tuple(entries)


def language_choices(locale: str = "fr") -> list[tuple[str, str]]:
    """(ISO 639 code, name): ISO 639-1 languages and a few frequent others, sorted by name."""
    return list(_language_choices(locale))
