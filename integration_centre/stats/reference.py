"""Reference data of the statistics: nationality groups, age bands, labels, the municipality code table.

The municipality code table is versioned: each code has validity dates and, for a merged
municipality, the successor code. Facts keep the code as recorded; releases count it under the code
that carries its territory on the release date, with that code's arrondissement and province. The
table is the pathway's reference data (``pathway.reference``: plain data, no person model), read
through one loader for the whole application.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import yaml

from integration_centre.pathway.dates import band_of_age
from integration_centre.pathway.reference import Municipality, country_name, current_code, municipalities

DATA_DIR = Path(__file__).resolve().parent / "data"
LOCALES = ("fr", "en", "nl")
UNKNOWN = "unknown"
OTHER = "other"


def _load_yaml(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def nationality_groups() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → group code (``data/nationality_groups.yaml``)."""
    document = _load_yaml("nationality_groups.yaml")
    mapping: dict[str, str] = {}
    for group, spec in document["groups"].items():
        for country in spec["countries"]:
            if country in mapping:
                raise ValueError(f"nationality {country} is in two groups: {mapping[country]} and {group}")
            mapping[country] = group
    return mapping


@cache
def nationality_group_labels() -> dict[str, dict[str, str]]:
    """Group code → {locale: label}, including ``other`` and ``unknown``."""
    document = _load_yaml("nationality_groups.yaml")
    labels = {group: spec["label"] for group, spec in document["groups"].items()}
    labels[OTHER] = document["other"]["label"]
    labels[UNKNOWN] = document["unknown"]["label"]
    return labels


def nationality_group(code: str | None) -> str:
    """The group of an ISO nationality code (``unknown`` when missing, ``other`` when not listed)."""
    if not code:
        return UNKNOWN
    return nationality_groups().get(code.strip().upper(), OTHER)


@cache
def kept_nationalities() -> frozenset[str]:
    """ISO codes a fact may keep as they are (``data/nationalities.yaml``); others become ``other``."""
    codes = _load_yaml("nationalities.yaml")["countries"]
    if len(set(codes)) != len(codes):
        raise ValueError("nationalities.yaml lists a country twice")
    return frozenset(codes)


def kept_nationality(code: str | None) -> str | None:
    """The nationality a fact keeps: the ISO code when listed, ``other`` when not, None when missing."""
    if not code or not code.strip():
        return None
    code = code.strip().upper()
    return code if code in kept_nationalities() else OTHER


@cache
def nationality_labels() -> dict[str, dict[str, str]]:
    """Kept nationality code → {locale: country name}, with ``other`` and ``unknown``."""
    labels = {code: {loc: country_name(code, loc) for loc in LOCALES} for code in sorted(kept_nationalities())}
    labels[OTHER] = {"fr": "Autres nationalités", "en": "Other nationalities", "nl": "Andere nationaliteiten"}
    labels[UNKNOWN] = {"fr": "Inconnue", "en": "Unknown", "nl": "Onbekend"}
    return labels


def nationalities_of_group(group: str) -> frozenset[str]:
    """The nationality values (kept codes, ``other``, ``unknown``) a fact of ``group`` may hold."""
    if group == UNKNOWN:
        return frozenset({UNKNOWN})
    mapping = nationality_groups()
    members = {code for code in kept_nationalities() if mapping.get(code, OTHER) == group}
    return frozenset({*members, OTHER})


def age_band(age: int | None) -> str:
    """The 5-year band of an age in whole years: ``"05-09"``; ``"65+"`` from 65; ``unknown``.

    One definition of the bands, shared with the pathway (``pathway.dates.band_of_age``).
    """
    return band_of_age(age) or UNKNOWN


@cache
def category_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Dimension → category code → {locale: label} (``data/labels.yaml``)."""
    return _load_yaml("labels.yaml")


def municipality_codes() -> dict[str, Municipality]:
    """The code table: every municipality code, current or merged away, by NIS code."""
    return municipalities()


def current_municipality(code: str | None, on: date) -> Municipality | None:
    """The code that carries the territory of ``code`` on ``on`` (mergers followed), or None."""
    entry = municipalities().get(code or "")
    if entry is None:
        return None
    return municipalities().get(current_code(entry.nis_code, on))


def geography(code: str | None, on: date) -> tuple[str, str, str]:
    """(municipality, arrondissement, province) codes for a recorded municipality code on ``on``.

    Unknown or foreign codes give ``unknown`` at every level.
    """
    entry = current_municipality(code, on)
    if entry is None:
        return UNKNOWN, UNKNOWN, UNKNOWN
    return entry.nis_code, entry.arrondissement_code, entry.province_code


def geography_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Labels of municipality, arrondissement and province codes, per dimension."""
    labels: dict[str, dict[str, dict[str, str]]] = {"municipality": {}, "arrondissement": {}, "province": {}}
    for entry in municipality_codes().values():
        labels["municipality"][entry.nis_code] = {"fr": entry.name_fr, "en": entry.name_fr, "nl": entry.name_nl}
        labels["arrondissement"][entry.arrondissement_code] = {
            "fr": entry.arrondissement_fr,
            "en": entry.arrondissement_fr,
            "nl": entry.arrondissement_nl,
        }
        labels["province"][entry.province_code] = {
            "fr": entry.province_fr,
            "en": entry.province_fr,
            "nl": entry.province_nl,
        }
    return labels
