"""Differencing between published figures: nested figures must not differ by 1 to k−1.

A published count is the number of facts that satisfy some conditions: the months of the period,
the centre of the scope, the facts the table selects (event type, step, status…) and the
categories of its row and column (a total leaves one out). When every condition of figure Y is
also imposed, as strictly or more, by figure X, the facts X counts are a subset of those Y counts:
X is *nested* in Y, and Y − X counts the people left out. Examples: a month in its quarter or
year, a centre in the region, a municipality in its arrondissement, dispensed people among those
received, a table cell in its row total, the same figure in the previous release of the same
period (a revision: the difference counts the corrections).

When both are shown, Y − X must be 0 or at least k; otherwise a reader subtracting one from the
other learns about fewer than k people. The release builder asks :func:`conflicts` for the shown
figures of a new release that break this rule against every figure shown in the live releases and
in the new release itself, hides them, protects the tables again and repeats (see
``services.build_content``). Medians and supply tables are not counts of people and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from integration_centre.stats.reference import (
    OTHER,
    UNKNOWN,
    geography,
    kept_nationalities,
    municipality_codes,
    nationalities_of_group,
    nationality_group,
)

TOTAL = "Total"
GEOGRAPHY = ("municipality", "arrondissement", "province")

Constraints = Mapping[str, frozenset[str]]
CellRef = tuple[str, str, str]  # (table id, row code, column code)


@dataclass(frozen=True)
class Figure:
    """One shown count and the conditions on the facts it counts."""

    value: int
    k: int
    conditions: Constraints
    ref: CellRef
    release: str  # "new" for the release being built, else "<period> <scope>"

    def nested_in(self, other: Figure) -> bool:
        """Whether every fact counted here is also counted by ``other``."""
        mine = self.conditions
        for name, allowed in other.conditions.items():
            own = mine.get(name)
            if own is None or not own <= allowed:
                return False
        return True


def _parents(dimension: str, code: str, on: date) -> dict[str, str]:
    """Conditions implied by a geographic category (a municipality lies in its arrondissement…)."""
    if code == UNKNOWN:
        return dict.fromkeys(GEOGRAPHY[GEOGRAPHY.index(dimension) :], UNKNOWN)
    if dimension == "municipality":
        _, arrondissement, province = geography(code, on)
        return {"municipality": code, "arrondissement": arrondissement, "province": province}
    if dimension == "arrondissement":
        entry = next((m for m in municipality_codes().values() if m.arrondissement_code == code), None)
        return {"arrondissement": code, "province": entry.province_code if entry else UNKNOWN}
    return {"province": code}


def _nationality(dimension: str, code: str, shown: frozenset[str]) -> dict[str, frozenset[str]]:
    """Conditions implied by a nationality or a nationality group: a nationality lies in its group,
    a group holds its listed nationalities and "other"; the "other" row of a top table holds every
    nationality its table does not show (``shown``)."""
    if dimension == "nationality_group":
        return {"nationality_group": frozenset({code}), "nationality": nationalities_of_group(code)}
    if code == UNKNOWN:
        return {"nationality": frozenset({UNKNOWN}), "nationality_group": frozenset({UNKNOWN})}
    if code == OTHER:
        return {"nationality": frozenset({*kept_nationalities(), OTHER}) - shown}
    return {"nationality": frozenset({code}), "nationality_group": frozenset({nationality_group(code)})}


def _restrict(conditions: dict[str, frozenset[str]], name: str, values: Iterable[str]) -> None:
    values = frozenset(values)
    conditions[name] = conditions[name] & values if name in conditions else values


def figures(
    document: Mapping[str, Any],
    indicators: Mapping[str, Any],
    months: Iterable[str],
    centre_id: int | None,
    on: date,
    release: str,
) -> list[Figure]:
    """The shown counts of a release document with their conditions.

    ``indicators`` maps table ids to catalogue indicators (``select``, ``rows``, ``columns``,
    ``measure``); tables no longer in the catalogue are skipped.
    """
    base: dict[str, frozenset[str]] = {"period_month": frozenset(months)}
    if centre_id is not None:
        base["centre"] = frozenset({str(centre_id)})
    found = []
    for table in document["tables"]:
        indicator = indicators.get(table["id"])
        if indicator is None or indicator.measure != "count" or table["status"] != "published":
            continue
        selected = dict(base)
        for name, values in indicator.select:
            _restrict(selected, name, values)
        shown = {
            "rows": frozenset(code for code, _label in table["rows"]),
            "columns": frozenset(code for code, _label in table["columns"]),
        }
        for row, column, value in table["cells"]:
            if value is None:
                continue
            conditions = dict(selected)
            for name, dimension, code in (("rows", indicator.rows, row), ("columns", indicator.columns, column)):
                if code == TOTAL:
                    continue
                if dimension in GEOGRAPHY:
                    for level, parent in _parents(dimension, code, on).items():
                        _restrict(conditions, level, [parent])
                elif dimension in ("nationality", "nationality_group"):
                    for level, values in _nationality(dimension, code, shown[name]).items():
                        _restrict(conditions, level, values)
                else:
                    _restrict(conditions, dimension, [code])
            if any(not allowed for allowed in conditions.values()):
                continue  # contradictory conditions: structurally empty
            found.append(Figure(value, indicator.sensitivity, conditions, (table["id"], row, column), release))
    return found


def conflicts(new: list[Figure], published: list[Figure]) -> list[tuple[Figure, Figure]]:
    """Pairs (figure of the new release, nested figure) whose difference is 1 to k−1.

    ``new`` are the shown counts of the release being built; ``published`` the shown counts of
    the live releases. Pairs within the new release are found too (the inner one is returned
    first, so the caller hides the narrower figure).
    """
    by_value: dict[int, list[Figure]] = defaultdict(list)
    for figure in (*new, *published):
        by_value[figure.value].append(figure)
    found = []
    k = max((figure.k for figure in (*new, *published)), default=2)
    for figure in new:
        for value in range(figure.value + 1, figure.value + k):
            for other in by_value.get(value, ()):
                if 0 < other.value - figure.value < max(figure.k, other.k) and figure.nested_in(other):
                    found.append((figure, other))
        for value in range(max(0, figure.value - k + 1), figure.value):
            for other in by_value.get(value, ()):
                if other.release == "new":
                    continue  # seen from the other side: the inner figure is the one to hide
                if 0 < figure.value - other.value < max(figure.k, other.k) and other.nested_in(figure):
                    found.append((figure, other))
    return found
