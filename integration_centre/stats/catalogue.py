"""The indicator catalogue: every table a release may hold, as data (``catalogue/*.yaml``).

Loaded and validated once; a mistake in the files (unknown dimension, missing label, threshold
below the minimum, two tables of one population selecting different facts) stops the load with a
message naming the table. Dashboards and downloads accept only table ids from this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from integration_centre.stats.disclosure import K_CENTRAL, K_COUNT, check_k

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
LOCALES = ("fr", "en", "nl")
MEASURES = ("count", "median", "capacity")
PERIODS = ("any", "year")
UNITS = ("persons", "referrals", "events", "days", "places")
# Capacity tables hold data about organisations (places offered), never about people: they come
# from the operator directory (``supply.py``), by geography and course.
CAPACITY_DIMENSIONS = {"rows": ("municipality", "arrondissement", "province"), "columns": ("step_code",)}
# Dimensions a table may use; each is a column of the facts or derived from one.
DIMENSIONS = (
    "sex",
    "age_band",
    "age_group",
    "nationality_group",
    "municipality",
    "arrondissement",
    "province",
    "centre",
    "office",
    "operator",
    "status",
    "dispensation_reason",
    "residence_category",
    "cefr_level",
    "step_code",
    "outcome",
    "event_type",
    "cohort_year",
    "duration_band",
    "entry_channel",
    "purpose",
    "file_kind",
    "education_level",
    "nationality",
)
# A nationality table shows its ``top`` most frequent nationalities, each at least k people; the
# rest is grouped as "other" (``queries.fold_top``).
TOP_DIMENSIONS = ("nationality",)
SELECT_FIELDS = ("event_type", "step_code", "status", "outcome")


class CatalogueError(ValueError):
    """The catalogue files are not valid."""


@dataclass(frozen=True)
class Indicator:
    """One table of the catalogue."""

    id: str
    title: Mapping[str, str]
    definition: Mapping[str, str]
    unit: str
    measure: str
    population: str
    select: tuple[tuple[str, tuple[str, ...]], ...]
    rows: str
    columns: str
    sensitivity: int
    periods: str = "any"  # "year": published in annual releases only (too few people per quarter)
    top: int | None = None  # nationality tables: how many nationalities at most are shown
    group: str = ""  # the catalogue file's theme ("reception" for 10_reception.yaml): page sections

    def label(self, locale: str) -> str:
        """The title in ``locale`` (French when missing)."""
        return self.title.get(locale) or self.title["fr"]

    def describe(self, locale: str) -> str:
        """The definition in ``locale`` (French when missing)."""
        return self.definition.get(locale) or self.definition["fr"]


@dataclass(frozen=True)
class Catalogue:
    """All indicators, in file then declaration order, and a version fingerprint."""

    indicators: tuple[Indicator, ...]

    def get(self, indicator_id: str) -> Indicator | None:
        """The indicator with this id, or None."""
        return next((i for i in self.indicators if i.id == indicator_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every indicator id."""
        return tuple(i.id for i in self.indicators)


def _labels(raw: Any, what: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or any(not isinstance(raw.get(loc), str) or not raw[loc] for loc in LOCALES):
        raise CatalogueError(f"{what} needs a non-empty text for each of {', '.join(LOCALES)}")
    return {loc: raw[loc] for loc in LOCALES}


def parse_indicator(raw: Mapping[str, Any]) -> Indicator:
    """Validate one catalogue entry and return it; raises :class:`CatalogueError`."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise CatalogueError(f"every table needs an id: {raw!r}")
    table_id = raw["id"]
    known = {
        "id", "title", "definition", "unit", "measure", "population", "select", "rows", "columns", "sensitivity",
        "periods", "top",
    }  # fmt: skip
    extra = set(raw) - known
    if extra:
        raise CatalogueError(f"table {table_id}: unknown fields {sorted(extra)}")
    if raw.get("measure") not in MEASURES:
        raise CatalogueError(f"table {table_id}: measure must be one of {MEASURES}")
    if raw.get("unit") not in UNITS:
        raise CatalogueError(f"table {table_id}: unit must be one of {UNITS}")
    for axis in ("rows", "columns"):
        if raw.get(axis) not in DIMENSIONS:
            raise CatalogueError(f"table {table_id}: {axis} must be one of {DIMENSIONS}")
    if raw["rows"] == raw["columns"]:
        raise CatalogueError(f"table {table_id}: rows and columns must differ")
    select = raw.get("select")
    if raw["measure"] == "capacity":
        if select is not None or raw["unit"] != "places":
            raise CatalogueError(f"table {table_id}: a capacity table counts places and selects no facts")
        for axis, allowed in CAPACITY_DIMENSIONS.items():
            if raw[axis] not in allowed:
                raise CatalogueError(f"table {table_id}: a capacity table's {axis} must be one of {allowed}")
        select = {}
    elif not isinstance(select, Mapping) or not select.get("event_type"):
        raise CatalogueError(f"table {table_id}: select needs at least one event_type")
    parsed_select = []
    for name, values in select.items():
        if name not in SELECT_FIELDS:
            raise CatalogueError(f"table {table_id}: cannot select on {name!r}")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise CatalogueError(f"table {table_id}: select {name} must be a list of codes")
        parsed_select.append((name, tuple(sorted(values))))
    minimum = K_CENTRAL if raw["measure"] == "median" else K_COUNT
    try:
        sensitivity = check_k(raw.get("sensitivity"), minimum)
    except ValueError as exc:
        raise CatalogueError(f"table {table_id}: {exc}") from None
    periods = raw.get("periods", "any")
    if periods not in PERIODS:
        raise CatalogueError(f"table {table_id}: periods must be one of {PERIODS}")
    top = raw.get("top")
    has_top_dimension = any(raw[axis] in TOP_DIMENSIONS for axis in ("rows", "columns"))
    if has_top_dimension != (top is not None):
        raise CatalogueError(f"table {table_id}: top is required with, and only with, a dimension of {TOP_DIMENSIONS}")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise CatalogueError(f"table {table_id}: top must be a whole number, 1 or more")
    population = raw.get("population")
    if not isinstance(population, str) or not population:
        raise CatalogueError(f"table {table_id}: population is required")
    return Indicator(
        id=table_id,
        title=_labels(raw.get("title"), f"table {table_id}: title"),
        definition=_labels(raw.get("definition"), f"table {table_id}: definition"),
        unit=raw["unit"],
        measure=raw["measure"],
        population=population,
        select=tuple(sorted(parsed_select)),
        rows=raw["rows"],
        columns=raw["columns"],
        sensitivity=sensitivity,
        periods=periods,
        top=top,
    )


def build_catalogue(entries: list[Mapping[str, Any]]) -> Catalogue:
    """Validate a list of entries as a whole (unique ids, one selection per population)."""
    indicators = tuple(parse_indicator(raw) for raw in entries)
    seen: dict[str, Indicator] = {}
    populations: dict[str, Indicator] = {}
    for indicator in indicators:
        if indicator.id in seen:
            raise CatalogueError(f"table id {indicator.id} is declared twice")
        seen[indicator.id] = indicator
        other = populations.setdefault(indicator.population, indicator)
        if (other.select, other.measure, other.periods) != (indicator.select, indicator.measure, indicator.periods):
            raise CatalogueError(
                f"tables {other.id} and {indicator.id} share the population {indicator.population!r} "
                "but select different facts"
            )
    return Catalogue(indicators)


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Read and validate every ``*.yaml`` file of ``directory`` (sorted by name)."""
    entries: list[Mapping[str, Any]] = []
    groups: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or []
        if not isinstance(document, list):
            raise CatalogueError(f"{path.name}: expected a list of tables")
        entries.extend(document)
        theme = path.stem.lstrip("0123456789_") or path.stem
        groups.update({raw["id"]: theme for raw in document if isinstance(raw, Mapping) and "id" in raw})
    if not entries:
        raise CatalogueError("the catalogue is empty")
    built = build_catalogue(entries)
    return Catalogue(tuple(replace(i, group=groups.get(i.id, "")) for i in built.indicators))


@cache
def catalogue() -> Catalogue:
    """The installed catalogue (validated once per process)."""
    return load_catalogue()
