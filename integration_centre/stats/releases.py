"""Release builder: catalogue tables from facts, protected, checked, stored immutably.

``publish(period, scope)`` is the only way figures reach the committee. It computes every table
of the catalogue with SQL GROUP BY (the database aggregates; Python only sees one row per cell, so
memory stays flat whatever the number of facts), protects the count tables of each population
together with :func:`disclosure.protect_tables`, withholds the tables that would lose more than
20% of their cells (reported for redesign), checks the result again, and stores it as canonical
JSON with its SHA-256. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway.reference import centre_territories
from integration_centre.stats import disclosure, nesting, supply
from integration_centre.stats.catalogue import Catalogue, Indicator, catalogue
from integration_centre.stats.errors import PublishError
from integration_centre.stats.models import Fact, Release
from integration_centre.stats.queries import (
    GEOGRAPHY,
    REGION,
    TOTAL,
    Period,
    Scope,
    axis,
    count_cells,
    histograms,
    median,
    parse_period,
    parse_scope,
)
from integration_centre.stats.reference import UNKNOWN, geography, municipality_codes

FORMAT_VERSION = 1
MAX_DIFFERENCING_ROUNDS = 50
GEO_PARENT = {"municipality": "arrondissement", "arrondissement": "province"}


# ---------------------------------------------------------------------------------------------
# Protection and checks
# ---------------------------------------------------------------------------------------------


def _coarsening(tables: list[tuple[Indicator, disclosure.LinkedTable]], on: date) -> list[disclosure.Equation]:
    """Equations tying a geographic table to its coarser sibling (municipality → arrondissement…)."""
    equations: list[disclosure.Equation] = []
    for fine_indicator, fine in tables:
        for coarse_indicator, coarse in tables:
            for fine_axis, coarse_axis, fine_other, coarse_other in (
                ("rows", "rows", "columns", "columns"),
                ("columns", "columns", "rows", "rows"),
            ):
                fine_dim = getattr(fine_indicator, fine_axis)
                if GEO_PARENT.get(fine_dim) != getattr(coarse_indicator, coarse_axis):
                    continue
                if getattr(fine_indicator, fine_other) != getattr(coarse_indicator, coarse_other):
                    continue
                if not fine.cells or not coarse.cells:
                    continue
                level = GEOGRAPHY.index(GEO_PARENT[fine_dim])
                labels = {key[0 if fine_axis == "rows" else 1] for key in fine.cells}
                mapping = {label: _parent(label, fine_dim, level, on) for label in labels}
                equations += disclosure.coarsening_equations(fine, coarse, mapping)
    return equations


def _parent(label: str, dimension: str, level: int, on: date) -> str:
    if label == UNKNOWN:
        return UNKNOWN
    if dimension == "municipality":
        return geography(label, on)[level]
    entry = next((m for m in municipality_codes().values() if m.arrondissement_code == label), None)
    return entry.province_code if entry is not None else UNKNOWN


def check_protected(protected: disclosure.ProtectedTables, published: set[str]) -> list[str]:
    """Re-check a protected set of tables; returns the problems found (empty when sound).

    Every shown count is 0 or at least k; for every published equation whose total is shown,
    the total minus its shown parts is 0 or at least k; each hidden figure has an attacker's range
    of at least k; no published table exceeds the hidden share allowed.
    """
    k = protected.k
    problems = []
    for table_id in published:
        table = protected.tables[table_id]
        cells = table.published()
        hidden = protected.hidden(table_id)
        for key, value in cells.items():
            if key not in hidden and 0 < value < k:
                problems.append(f"{table_id}: shown count {key} below {k}")
        if len(hidden) > disclosure.MAX_HIDDEN_SHARE * len(cells):
            problems.append(f"{table_id}: too many hidden cells")
    for equation in protected.equations:
        if protected.is_hidden(equation.total):
            continue
        remainder = protected.values[equation.total] - sum(
            protected.values[p] for p in equation.parts if not protected.is_hidden(p)
        )
        if 0 < remainder < k:
            problems.append(f"total {equation.total} minus its shown parts is {remainder}")
    for cell, interval in protected.audit().items():
        if interval.width < k:
            problems.append(f"hidden figure {cell} can be narrowed to a range of {interval.width}")
    return problems


@dataclass
class TableResult:
    """One built table, ready to serialise."""

    indicator: Indicator
    status: str  # "published" | "redesign" | "yearly" (annual releases only) | "unavailable" (no directory)
    rows: list[list[Any]]
    columns: list[list[Any]]
    cells: list[list[Any]] = field(default_factory=list)
    hidden_share: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The table as stored in the release."""
        indicator = self.indicator
        return {
            "id": indicator.id,
            "title": dict(indicator.title),
            "definition": dict(indicator.definition),
            "unit": indicator.unit,
            "measure": indicator.measure,
            "k": indicator.sensitivity,
            "row_dimension": indicator.rows,
            "column_dimension": indicator.columns,
            "rows": self.rows,
            "columns": self.columns,
            "status": self.status,
            "hidden_share": round(self.hidden_share, 4),
            "cells": self.cells,
        }


def _ordered_cells(rows: list[list[Any]], columns: list[list[Any]], value: Callable[[tuple[str, str]], Any]):
    row_codes = [r[0] for r in rows] + [TOTAL]
    column_codes = [c[0] for c in columns] + [TOTAL]
    return [[r, c, value((r, c))] for r in row_codes for c in column_codes]


def _shown(full: Mapping[tuple[str, str], int], hidden: set[tuple[str, str]]) -> Callable:
    return lambda key: None if key in hidden else full.get(key, 0)


def _count_tables(
    indicators: list[Indicator],
    period: Period,
    scope: Scope,
    counted: dict[str, dict[tuple[str, str], int]],
    forced: set[tuple[str, str, str]],
) -> list[TableResult]:
    """Build and protect the count tables of one population together.

    ``counted`` caches the inner cells of each table (filled on first use); ``forced`` lists
    cells (table id, row, column) to hide whatever their value (differencing, see ``nesting``).
    """
    linked = []
    for indicator in indicators:
        if indicator.id not in counted:
            counted[indicator.id] = count_cells(indicator, period, scope)
        cells = counted[indicator.id]
        linked.append(
            (
                indicator,
                disclosure.LinkedTable(
                    indicator.id,
                    f"{scope.code}|{indicator.population}",
                    period.code,
                    indicator.rows,
                    indicator.columns,
                    cells,
                ),
            )
        )
    k = max(indicator.sensitivity for indicator in indicators)
    try:
        protected = disclosure.protect_tables(
            [table for _, table in linked],
            k,
            equations=_coarsening(linked, period.end),
            report_redesign=True,
            force_hidden=[
                table.identity((row, column)) for _, table in linked for t, row, column in forced if t == table.table_id
            ],
        )
    except ValueError as exc:
        raise PublishError(f"protection failed for {indicators[0].population}: {exc}") from exc
    redesign = {r.table_id: r.share for r in protected.redesign}
    published = {indicator.id for indicator in indicators} - set(redesign)
    problems = check_protected(protected, published)
    if problems:
        raise PublishError("check failed: " + "; ".join(problems[:5]))
    results = []
    for indicator, table in linked:
        rows = axis(indicator.rows, {key[0] for key in table.cells})
        columns = axis(indicator.columns, {key[1] for key in table.cells})
        if indicator.id in redesign:
            results.append(TableResult(indicator, "redesign", rows, columns, [], redesign[indicator.id]))
            continue
        full = table.published()
        hidden = protected.hidden(indicator.id)
        results.append(
            TableResult(
                indicator,
                "published",
                rows,
                columns,
                _ordered_cells(rows, columns, _shown(full, hidden)),
                len(hidden) / len(full),
            )
        )
    return results


def _median_table(indicator: Indicator, period: Period, scope: Scope) -> TableResult:
    """A median table: each median shown only when its group counts at least k people."""
    inner = histograms(indicator, period, scope)
    rows = axis(indicator.rows, {key[0] for key in inner})
    columns = axis(indicator.columns, {key[1] for key in inner})
    groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (row, column), histogram in inner.items():
        for key in ((row, column), (row, TOTAL), (TOTAL, column), (TOTAL, TOTAL)):
            groups[key].update(histogram)
    k = indicator.sensitivity

    def value(key: tuple[str, str]) -> float | None:
        histogram = groups.get(key, Counter())
        return disclosure.protect_central_value(median(histogram), sum(histogram.values()), k)

    cells = _ordered_cells(rows, columns, value)
    hidden = sum(1 for cell in cells if cell[2] is None)
    share = hidden / len(cells)
    if inner and share > disclosure.MAX_HIDDEN_SHARE:
        return TableResult(indicator, "redesign", rows, columns, [], share)
    return TableResult(indicator, "published", rows, columns, cells, share)


def _capacity_table(indicator: Indicator, period: Period, scope: Scope) -> TableResult:
    """A supply table: places offered on the last day of the period (organisations, not people)."""
    offers = supply.offers(period.end)
    if offers is None:
        return TableResult(indicator, "unavailable", [], [])
    territory = None
    if scope.centre_id is not None:
        territory = centre_territories().get(scope.code.removeprefix("centre:"), frozenset())
    level = GEOGRAPHY.index(indicator.rows)
    inner: dict[tuple[str, str], int] = defaultdict(int)
    for municipality, step_code, places in offers:
        if territory is not None and municipality not in territory:
            continue
        inner[(geography(municipality, period.end)[level], step_code)] += places
    rows = axis(indicator.rows, {key[0] for key in inner})
    columns = axis(indicator.columns, {key[1] for key in inner})
    if not inner:
        return TableResult(indicator, "published", rows, columns, [], 0.0)
    full = disclosure.with_margins(inner)
    return TableResult(indicator, "published", rows, columns, _ordered_cells(rows, columns, full.get), 0.0)


def _release_label(release: Release) -> str:
    return f"{release.period} {release.scope}"


def published_figures(period: Period, scope: Scope, source: Catalogue) -> list[nesting.Figure]:
    """Shown counts of the live releases that may nest with a release of ``period`` and ``scope``:
    those whose months overlap, for the region, the same centre, or any centre (region release)."""
    indicators = {indicator.id: indicator for indicator in source.indicators}
    found: list[nesting.Figure] = []
    months = set(period.months)
    for release in releases():
        other_period = parse_period(release.period)
        if not months & set(other_period.months):
            continue
        if scope.code != REGION and release.scope not in (REGION, scope.code):
            continue
        try:
            other_scope = parse_scope(release.scope)
        except ValueError:
            continue  # a centre that no longer exists
        found += nesting.figures(
            release_document(release),
            indicators,
            other_period.months,
            other_scope.centre_id,
            other_period.end,
            _release_label(release),
        )
    return found


def differencing_conflicts(
    document: Mapping[str, Any], period: Period, scope: Scope, source: Catalogue, published: list[nesting.Figure]
) -> set[tuple[str, str, str]]:
    """Cells of a built release to hide so that no nested pair of shown figures (within it, or
    against the live releases) differs by 1 to k−1."""
    indicators = {indicator.id: indicator for indicator in source.indicators}
    new = nesting.figures(document, indicators, period.months, scope.centre_id, period.end, "new")
    return {figure.ref for figure, _other in nesting.conflicts(new, published)}


def build_content(period: Period, scope: Scope, source: Catalogue | None = None) -> str:
    """Every table of the catalogue for ``period`` and ``scope``, protected and checked, as
    canonical JSON (the same facts and live releases always give the same bytes).

    Figures that would differ by 1 to k−1 from a nested figure (in this release or a live one)
    are hidden too, and the tables protected again, until there is none left. Raises
    :class:`PublishError`."""
    source = source or catalogue()
    published = published_figures(period, scope, source)
    counted: dict[str, dict[tuple[str, str], int]] = {}
    forced: set[tuple[str, str, str]] = set()
    for _round in range(MAX_DIFFERENCING_ROUNDS):
        document = _build_document(period, scope, source, counted, forced)
        more = differencing_conflicts(document, period, scope, source, published) - forced
        if not more:
            return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        forced |= more
    raise PublishError("differencing: nested figures still too close after hiding more cells")


def _build_document(
    period: Period,
    scope: Scope,
    source: Catalogue,
    counted: dict[str, dict[tuple[str, str], int]],
    forced: set[tuple[str, str, str]],
) -> dict[str, Any]:
    results: dict[str, TableResult] = {}
    populations: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in source.indicators:
        if indicator.periods == "year" and len(period.months) != 12:
            results[indicator.id] = TableResult(indicator, "yearly", [], [])
        elif indicator.measure == "median":
            results[indicator.id] = _median_table(indicator, period, scope)
        elif indicator.measure == "capacity":
            results[indicator.id] = _capacity_table(indicator, period, scope)
        else:
            populations[indicator.population].append(indicator)
    for indicators in populations.values():
        for result in _count_tables(indicators, period, scope, counted, forced):
            results[result.indicator.id] = result
    tables = [results[indicator.id].as_json() for indicator in source.indicators]
    document = {
        "format": FORMAT_VERSION,
        "period": period.code,
        "scope": scope.code,
        "scope_label": dict(scope.label),
        "legend": disclosure.LEGEND,
        "mark": disclosure.MARK,
        "tables": tables,
        "redesign": [t["id"] for t in tables if t["status"] == "redesign"],
    }
    return document


def content_hash(content: str) -> str:
    """SHA-256 of a release's content."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PublishResult:
    """The live release after ``publish`` and whether it is new."""

    release: Release
    created: bool
    redesign: tuple[str, ...]


def live_release(period: str, scope: str) -> Release | None:
    """The live (most recent) release of a period and scope."""
    return db.session.scalar(
        select(Release).where(Release.period == period, Release.scope == scope).order_by(Release.id.desc()).limit(1)
    )


def publish(period: str, scope: str = REGION, *, source: Catalogue | None = None) -> PublishResult:
    """Build, protect, check and store the release of ``period`` for ``scope``.

    When the content is identical to the live release nothing new is stored. On any failure
    :class:`PublishError` (or :class:`ValueError` for a bad period or scope) is raised before
    anything is written, so the previous release stays live. Flushes, never commits.
    """
    parsed_period, parsed_scope = parse_period(period), parse_scope(scope)
    content = build_content(parsed_period, parsed_scope, source)
    digest = content_hash(content)
    document = json.loads(content)
    current = live_release(parsed_period.code, parsed_scope.code)
    if current is not None and current.content_hash == digest:
        return PublishResult(current, False, tuple(document["redesign"]))
    release = Release(period=parsed_period.code, scope=parsed_scope.code, content=content, content_hash=digest)
    db.session.add(release)
    db.session.flush()
    return PublishResult(release, True, tuple(document["redesign"]))


def due_periods(today: date, scope: str = REGION) -> list[str]:
    """Every completed month, quarter and year since the first fact that has no release yet for
    ``scope``, in the order to publish them (by end date; a month before its quarter and year)."""
    first = db.session.scalar(select(func.min(Fact.period_month)))
    if first is None:
        return []
    published = {release.period for release in releases(scope)}
    year, month = int(first[:4]), int(first[5:7])
    due: list[tuple[date, int, str]] = []
    while date(year, month, 1) < date(today.year, today.month, 1):
        codes = [f"{year:04d}-{month:02d}"]
        if month % 3 == 0:
            codes.append(f"{year:04d}-Q{month // 3}")
        if month == 12:
            codes.append(f"{year:04d}")
        for rank, code in enumerate(codes):
            if code not in published:
                due.append((parse_period(code).end, rank, code))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [code for _end, _rank, code in sorted(due)]


@dataclass(frozen=True)
class RebuildResult:
    """What ``rebuild`` did for one period and scope."""

    period: str
    scope: str
    content_hash: str
    changed: bool


def published_keys() -> list[tuple[str, str]]:
    """Every (period, scope) that has a release, in order."""
    statement = select(Release.period, Release.scope).distinct().order_by(Release.period, Release.scope)
    return [(period, scope) for period, scope in db.session.execute(statement)]


def rebuild(progress: Callable[[tuple[str, str]], None] | None = None) -> list[RebuildResult]:
    """Recompute every published (period, scope) from the facts.

    For the same facts the content is byte-identical and nothing is stored; when facts changed
    (corrections), a new release supersedes the old one. Flushes, never commits.
    """
    results = []
    for period, scope in published_keys():
        outcome = publish(period, scope)
        results.append(RebuildResult(period, scope, outcome.release.content_hash, outcome.created))
        if progress is not None:
            progress((period, scope))
    return results


# ---------------------------------------------------------------------------------------------
# Reading releases
# ---------------------------------------------------------------------------------------------


def releases(scope: str | None = None) -> list[Release]:
    """Live releases (one per period and scope), most recent period first."""
    statement = select(Release).order_by(Release.period.desc(), Release.scope, Release.id.desc())
    if scope is not None:
        statement = statement.where(Release.scope == scope)
    seen: set[tuple[str, str]] = set()
    live = []
    for release in db.session.scalars(statement):
        if (release.period, release.scope) not in seen:
            seen.add((release.period, release.scope))
            live.append(release)
    return live


@lru_cache(maxsize=64)
def _parse(digest: str, content: str) -> dict[str, Any]:
    return json.loads(content)


def release_document(release: Release) -> dict[str, Any]:
    """The parsed content of a release (cached by content hash; do not modify)."""
    return _parse(release.content_hash, release.content)
