"""Reference data of the statistics: nationality groups, age bands, labels, the municipality code table.

The municipality code table is versioned: each code has validity dates and, for a merged
municipality, the successor code. Facts keep the code as recorded; releases count it under the code
that carries its territory on the release date, with that code's arrondissement and province. The
facts come from the pathway's reference FILE (``pathway/data/municipalities.json``, read as data:
the statistics never import pathway code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_FILE = Path(__file__).resolve().parent.parent / "pathway" / "data" / "municipalities.json"
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


def age_band(age: int | None) -> str:
    """The 5-year band of an age in whole years: ``"20-24"``; ``"65+"`` from 65; ``unknown``."""
    if age is None or age < 0:
        return UNKNOWN
    if age >= 65:
        return "65+"
    low = age - age % 5
    return f"{low:02d}-{low + 4:02d}"


@cache
def category_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Dimension → category code → {locale: label} (``data/labels.yaml``)."""
    return _load_yaml("labels.yaml")


@dataclass(frozen=True)
class MunicipalityCode:
    """One municipality code of the versioned code table."""

    code: str
    name_fr: str
    name_nl: str
    arrondissement_code: str
    arrondissement_fr: str
    arrondissement_nl: str
    province_code: str
    province_fr: str
    province_nl: str
    valid_from: date
    valid_until: date | None
    successor_code: str | None

    def valid_on(self, day: date) -> bool:
        """Whether the code was in force on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@cache
def municipality_codes() -> dict[str, MunicipalityCode]:
    """The code table: every municipality code, current or merged away, by NIS code."""
    document = json.loads(MUNICIPALITIES_FILE.read_text(encoding="utf-8"))
    table = {}
    for raw in document["municipalities"]:
        table[raw["nis_code"]] = MunicipalityCode(
            code=raw["nis_code"],
            name_fr=raw["name_fr"],
            name_nl=raw["name_nl"],
            arrondissement_code=raw["arrondissement_code"],
            arrondissement_fr=raw["arrondissement_fr"],
            arrondissement_nl=raw["arrondissement_nl"],
            province_code=raw["province_code"],
            province_fr=raw["province_fr"],
            province_nl=raw["province_nl"],
            valid_from=date.fromisoformat(raw["valid_from"]),
            valid_until=date.fromisoformat(raw["valid_until"]) if raw["valid_until"] else None,
            successor_code=raw["successor_code"],
        )
    return table


def current_municipality(code: str | None, on: date) -> MunicipalityCode | None:
    """The code that carries the territory of ``code`` on ``on`` (mergers followed), or None."""
    table = municipality_codes()
    entry = table.get(code or "")
    seen: set[str] = set()
    while entry is not None and not entry.valid_on(on) and entry.successor_code and entry.code not in seen:
        seen.add(entry.code)
        entry = table.get(entry.successor_code)
    return entry


def geography(code: str | None, on: date) -> tuple[str, str, str]:
    """(municipality, arrondissement, province) codes for a recorded municipality code on ``on``.

    Unknown or foreign codes give ``unknown`` at every level.
    """
    entry = current_municipality(code, on)
    if entry is None:
        return UNKNOWN, UNKNOWN, UNKNOWN
    return entry.code, entry.arrondissement_code, entry.province_code


def geography_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Labels of municipality, arrondissement and province codes, per dimension."""
    labels: dict[str, dict[str, dict[str, str]]] = {"municipality": {}, "arrondissement": {}, "province": {}}
    for entry in municipality_codes().values():
        labels["municipality"][entry.code] = {"fr": entry.name_fr, "en": entry.name_fr, "nl": entry.name_nl}
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
