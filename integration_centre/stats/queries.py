"""What a release counts: periods, scopes, the GROUP BY queries over the facts and the category labels."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, select

from integration_centre.accounts.models import Centre, Office, OperatorOrganisation
from integration_centre.extensions import db
from integration_centre.stats import disclosure
from integration_centre.stats.catalogue import Indicator
from integration_centre.stats.errors import PublishError
from integration_centre.stats.models import Fact
from integration_centre.stats.reference import (
    OTHER,
    UNKNOWN,
    category_labels,
    geography,
    geography_labels,
    nationality_group_labels,
    nationality_labels,
)

REGION = "region"
TOTAL = disclosure.TOTAL
GEOGRAPHY = ("municipality", "arrondissement", "province")
UNKNOWN_LABEL = {"fr": "Inconnu", "en": "Unknown", "nl": "Onbekend"}
TOTAL_LABEL = {"fr": "Total", "en": "Total", "nl": "Totaal"}
REGION_LABEL = {"fr": "Wallonie", "en": "Wallonia", "nl": "Wallonië"}
# Upper bounds (exclusive, in days) of the duration bands: 6, 12, 18, 24, 36 months.
DURATION_BANDS = (("m00_06", 183), ("m06_12", 365), ("m12_18", 548), ("m18_24", 730), ("m24_36", 1096))
DURATION_LAST = "m36_plus"

_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    """A release period: a year (``2026``), a quarter (``2026-Q3``) or a month (``2026-07``)."""

    code: str
    months: tuple[str, ...]
    start: date
    end: date


def parse_period(code: str) -> Period:
    """Parse a period code; raises :class:`ValueError` on anything else."""
    match = _PERIOD_RE.match((code or "").strip())
    if not match:
        raise ValueError(f"unknown period {code!r}: use 2026, 2026-Q3 or 2026-07")
    year = int(match["year"])
    if match["quarter"]:
        first = 3 * (int(match["quarter"]) - 1) + 1
        months = range(first, first + 3)
    elif match["month"]:
        months = range(int(match["month"]), int(match["month"]) + 1)
    else:
        months = range(1, 13)
    months = list(months)
    start = date(year, months[0], 1)
    after = date(year + 1, 1, 1) if months[-1] == 12 else date(year, months[-1] + 1, 1)
    return Period(match.group(0), tuple(f"{year:04d}-{m:02d}" for m in months), start, after - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """Whom a release covers: the whole region or one centre."""

    code: str
    centre_id: int | None
    label: Mapping[str, str]


def parse_scope(code: str) -> Scope:
    """``region`` or ``centre:<CODE>`` of an existing centre; raises :class:`ValueError`."""
    code = (code or "").strip()
    if code == REGION:
        return Scope(REGION, None, REGION_LABEL)
    if code.startswith("centre:"):
        centre = db.session.scalar(select(Centre).where(Centre.code == code.removeprefix("centre:")))
        if centre is not None:
            return Scope(code, centre.id, {"fr": centre.name, "en": centre.name, "nl": centre.name})
    raise ValueError(f"unknown scope {code!r}: use 'region' or 'centre:<code>'")


def available_scopes() -> list[str]:
    """Every scope code a release can be published for."""
    return [REGION, *(f"centre:{c}" for c in db.session.scalars(select(Centre.code).order_by(Centre.code)))]


# ---------------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------------


# Coarse age groups of the 5-year bands (``pathway.dates.AGE_BANDS``: each band in one group), for
# tables where 5-year bands leave too many small counts.
AGE_GROUPS = (
    ("a00_24", ("00-04", "05-09", "10-14", "15-19", "20-24")),
    ("a25_34", ("25-29", "30-34")),
    ("a35_44", ("35-39", "40-44")),
    ("a45_plus", ("45-49", "50-54", "55-59", "60-64", "65+")),
)


def age_group(band: str | None) -> str:
    """The coarse age group of a 5-year band (``unknown`` when missing)."""
    return next((group for group, bands in AGE_GROUPS if band in bands), UNKNOWN)


def _age_group_expr():
    return case(*((Fact.age_band.in_(bands), group) for group, bands in AGE_GROUPS), else_=UNKNOWN)


def _duration_band_expr():
    return case(
        *((Fact.duration_days < upper, band) for band, upper in DURATION_BANDS),
        else_=DURATION_LAST,
    )


def dimension_expression(dimension: str):
    """The SQL expression a dimension groups by (geography groups by the recorded code)."""
    columns = {
        "sex": Fact.sex,
        "age_band": Fact.age_band,
        "nationality_group": Fact.nationality_group,
        "centre": Fact.centre_id,
        "office": Fact.office_id,
        "operator": Fact.operator_id,
        "status": Fact.status,
        "dispensation_reason": Fact.dispensation_reason,
        "residence_category": Fact.residence_category,
        "cefr_level": Fact.cefr_level,
        "step_code": Fact.step_code,
        "outcome": Fact.outcome,
        "event_type": Fact.event_type,
        "municipality": Fact.municipality_code,
        "arrondissement": Fact.municipality_code,
        "province": Fact.municipality_code,
        "cohort_year": func.substr(Fact.cohort_month, 1, 4),
        "entry_channel": Fact.entry_channel,
        "purpose": Fact.purpose,
        "file_kind": Fact.file_kind,
        "education_level": Fact.education_level,
        "nationality": Fact.nationality,
    }
    if dimension == "duration_band":
        return _duration_band_expr()
    if dimension == "age_group":
        return _age_group_expr()
    return columns[dimension]


def _category(dimension: str, raw: Any, on: date) -> str:
    """The published category of a grouped value (geography mapped through the code table)."""
    if dimension in GEOGRAPHY:
        return geography(raw, on)[GEOGRAPHY.index(dimension)]
    if raw is None or raw == "":
        return UNKNOWN
    return str(raw)


def fact_conditions(indicator: Indicator, period: Period, scope: Scope) -> list:
    """The WHERE conditions selecting the facts of ``indicator`` in ``period`` and ``scope``."""
    conditions = [Fact.period_month.in_(period.months), Fact.milestone.is_(True)]
    for name, values in indicator.select:
        conditions.append(getattr(Fact, name).in_(values))
    if scope.centre_id is not None:
        conditions.append(Fact.centre_id == scope.centre_id)
    if indicator.measure == "median":
        conditions.append(Fact.duration_days.is_not(None))
    return conditions


def count_statement(indicator: Indicator, period: Period, scope: Scope):
    """The GROUP BY query of a count table: (row value, column value, people)."""
    row, column = dimension_expression(indicator.rows), dimension_expression(indicator.columns)
    return (
        select(row.label("r"), column.label("c"), func.sum(Fact.weight).label("n"))
        .where(*fact_conditions(indicator, period, scope))
        .group_by(row, column)
    )


def count_cells(indicator: Indicator, period: Period, scope: Scope) -> dict[tuple[str, str], int]:
    """Inner cells of a count table, from the facts (retractions subtracted)."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    result = db.session.execute(count_statement(indicator, period, scope).execution_options(yield_per=2000))
    for raw_row, raw_column, n in result:
        key = (_category(indicator.rows, raw_row, period.end), _category(indicator.columns, raw_column, period.end))
        cells[key] += int(n)
    negative = [key for key, n in cells.items() if n < 0]
    if negative:
        raise PublishError(f"table {indicator.id}: more retractions than facts in {negative[:3]}")
    if indicator.top is not None:
        position = 0 if indicator.rows == "nationality" else 1
        return fold_top(dict(cells), position, indicator.top, indicator.sensitivity)
    return dict(cells)


def top_categories(totals: Mapping[str, int], top: int, k: int) -> list[str]:
    """The categories a "top" table shows on their own: the ``top`` largest with at least ``k``
    people (ties broken by code), then — while the rest (everything else but ``unknown``) would
    hold 1 to k−1 people — without the smallest of them, so that "other" is 0 or at least k too.
    ``other`` and ``unknown`` are never among them."""
    ranked = sorted(
        ((code, n) for code, n in totals.items() if code not in (OTHER, UNKNOWN) and n >= k),
        key=lambda item: (-item[1], item[0]),
    )[:top]
    kept = [code for code, _n in ranked]
    rest = sum(n for code, n in totals.items() if code not in kept and code != UNKNOWN)
    while kept and 0 < rest < k:
        rest += totals[kept.pop()]
    return kept


def fold_top(cells: Mapping[tuple[str, str], int], position: int, top: int, k: int) -> dict[tuple[str, str], int]:
    """The cells of a "top" table: categories outside :func:`top_categories` summed as ``other``
    (``position`` 0 when the top dimension is the rows, 1 when it is the columns)."""
    totals: dict[str, int] = defaultdict(int)
    for key, n in cells.items():
        totals[key[position]] += n
    kept = set(top_categories(totals, top, k)) | {UNKNOWN}
    folded: dict[tuple[str, str], int] = defaultdict(int)
    for key, n in cells.items():
        code = key[position] if key[position] in kept else OTHER
        new_key = (code, key[1]) if position == 0 else (key[0], code)
        folded[new_key] += n
    return dict(folded)


def histograms(indicator: Indicator, period: Period, scope: Scope) -> dict[tuple[str, str], Counter]:
    """For a median table: per inner cell, how many people took each number of days."""
    row, column = dimension_expression(indicator.rows), dimension_expression(indicator.columns)
    statement = (
        select(row.label("r"), column.label("c"), Fact.duration_days, func.sum(Fact.weight))
        .where(*fact_conditions(indicator, period, scope))
        .group_by(row, column, Fact.duration_days)
    )
    cells: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for raw_row, raw_column, days, n in db.session.execute(statement.execution_options(yield_per=2000)):
        key = (_category(indicator.rows, raw_row, period.end), _category(indicator.columns, raw_column, period.end))
        cells[key][int(days)] += int(n)
    for key, histogram in cells.items():
        if any(n < 0 for n in histogram.values()):
            raise PublishError(f"table {indicator.id}: more retractions than facts in {key}")
    return dict(cells)


def median(histogram: Counter) -> float | None:
    """Median of the values counted in ``histogram`` (None when empty)."""
    size = sum(histogram.values())
    if size == 0:
        return None
    ordered = sorted(histogram.items())
    middle = [(size - 1) // 2, size // 2]
    found: list[int] = []
    seen = 0
    for value, n in ordered:
        while len(found) < 2 and middle[len(found)] < seen + n:
            found.append(value)
        seen += n
    return round((found[0] + found[1]) / 2, 1)


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _static_labels() -> dict[str, dict[str, dict[str, str]]]:
    labels: dict[str, dict[str, dict[str, str]]] = {k: dict(v) for k, v in category_labels().items()}
    labels["nationality_group"] = dict(nationality_group_labels())
    labels["nationality"] = dict(nationality_labels())
    labels.update(geography_labels())
    return labels


def _organisation_labels(dimension: str, codes: Iterable[str]) -> dict[str, dict[str, str]]:
    model = {"centre": Centre, "office": Office, "operator": OperatorOrganisation}[dimension]
    ids = [int(code) for code in codes if code.isdigit()]
    names = dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all()) if ids else {}
    return {str(i): {"fr": name, "en": name, "nl": name} for i, name in names.items()}


def category_label(dimension: str, code: str, organisations: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """{locale: label} of a category code."""
    if code == TOTAL:
        return TOTAL_LABEL
    if dimension in ("centre", "office", "operator"):
        return dict(organisations.get(code, UNKNOWN_LABEL))
    if code == UNKNOWN:
        return UNKNOWN_LABEL
    known = _static_labels().get(dimension, {}).get(code)
    return dict(known) if known else {"fr": code, "en": code, "nl": code}


def axis(dimension: str, codes: Iterable[str]) -> list[list[Any]]:
    last = (OTHER, UNKNOWN) if dimension == "nationality" else (UNKNOWN,)  # "other" after the top list
    codes = sorted(set(codes), key=lambda c: (c in last, c == UNKNOWN, c))
    organisations = _organisation_labels(dimension, codes) if dimension in ("centre", "office", "operator") else {}
    return [[code, category_label(dimension, code, organisations)] for code in codes]


def short_labels(dimension: str, codes: Iterable[str]) -> dict[str, str]:
    """Short labels of the categories for charts: a centre's code (``CRIPEL``) for its id."""
    if dimension != "centre":
        return {}
    ids = [int(code) for code in codes if str(code).isdigit()]
    if not ids:
        return {}
    return {str(i): code for i, code in db.session.execute(select(Centre.id, Centre.code).where(Centre.id.in_(ids)))}
