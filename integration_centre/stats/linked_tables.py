"""Published tables as linked figures: cell identities, margins and the equations between them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

TOTAL = "Total"
Key = tuple[str, str]


def check_count(name: str, value: int) -> None:
    """Raise :class:`ValueError` unless ``value`` is a whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a count (a whole number, 0 or more), got {value!r}")


class CellId(NamedTuple):
    """Identity of a published figure: population, period and the categories it counts.

    ``categories`` is a sorted tuple of ``(dimension, label)`` pairs; a total leaves out the
    dimension it sums over, so the grand total has no categories. The same identity in two tables
    is the same figure: it must have the same value and gets the same status.
    """

    population: str
    period: str
    categories: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Equation:
    """A published additive relation: the value of ``total`` is the sum of the values of ``parts``."""

    total: CellId
    parts: tuple[CellId, ...]


def _check_labels(cells: Mapping[Key, int]) -> tuple[list[str], list[str]]:
    rows: set[str] = set()
    columns: set[str] = set()
    for key, value in cells.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(label, str) for label in key)):
            raise ValueError(f"a cell key must be a (row label, column label) pair of strings, got {key!r}")
        if TOTAL in key:
            raise ValueError(f"{TOTAL!r} is reserved for the margins and cannot label an inner cell")
        check_count(f"cell {key!r}", value)
        rows.add(key[0])
        columns.add(key[1])
    return sorted(rows), sorted(columns)


def with_margins(cells: Mapping[Key, int]) -> dict[Key, int]:
    """The inner cells plus their row totals, column totals and grand total (label :data:`TOTAL`).

    A (row, column) pair missing from ``cells`` is an inner cell of 0.
    """
    rows, columns = _check_labels(cells)
    full: dict[Key, int] = {}
    for row in rows:
        for column in columns:
            full[(row, column)] = cells.get((row, column), 0)
    for row in rows:
        full[(row, TOTAL)] = sum(full[(row, column)] for column in columns)
    for column in columns:
        full[(TOTAL, column)] = sum(full[(row, column)] for row in rows)
    full[(TOTAL, TOTAL)] = sum(full[(row, TOTAL)] for row in rows)
    return full


@dataclass(frozen=True)
class LinkedTable:
    """A two-way table of counts for one population and period, to protect with related tables.

    ``cells`` holds the inner cells keyed by (row label, column label); the margins are derived.
    ``row_dimension`` and ``column_dimension`` name what the labels are (e.g. ``"sex"``,
    ``"age_band"``): they make the identity of each cell, so that the same figure in another
    table is recognised as the same.
    """

    table_id: str
    population: str
    period: str
    row_dimension: str
    column_dimension: str
    cells: Mapping[Key, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.row_dimension == self.column_dimension:
            raise ValueError(f"table {self.table_id!r}: the row and column dimensions must differ")

    def identity(self, key: Key) -> CellId:
        """The :class:`CellId` of a cell of this table (margins included)."""
        row, column = key
        categories = []
        if row != TOTAL:
            categories.append((self.row_dimension, row))
        if column != TOTAL:
            categories.append((self.column_dimension, column))
        return CellId(self.population, self.period, tuple(sorted(categories)))

    def published(self) -> dict[Key, int]:
        """Every published cell of the table, margins included."""
        return with_margins(self.cells)

    def equations(self) -> list[Equation]:
        """The additive relations the table publishes: each row, each column, and the grand total."""
        rows, columns = _check_labels(self.cells)
        equations = [
            Equation(self.identity((row, TOTAL)), tuple(self.identity((row, column)) for column in columns))
            for row in rows
        ]
        equations += [
            Equation(self.identity((TOTAL, column)), tuple(self.identity((row, column)) for row in rows))
            for column in columns
        ]
        equations.append(Equation(self.identity((TOTAL, TOTAL)), tuple(self.identity((row, TOTAL)) for row in rows)))
        equations.append(
            Equation(self.identity((TOTAL, TOTAL)), tuple(self.identity((TOTAL, column)) for column in columns))
        )
        return equations


def coarsening_equations(fine: LinkedTable, coarse: LinkedTable, mapping: Mapping[str, str]) -> list[Equation]:
    """Equations tying a table to a coarser version of it (e.g. municipality → arrondissement).

    The two tables share one dimension; ``mapping`` sends each label of the fine table's other
    dimension to a label of the coarse table's other dimension. Each coarse cell (shared-dimension
    totals included) is the sum of the fine cells mapped to it.
    """
    if (fine.population, fine.period) != (coarse.population, coarse.period):
        raise ValueError("nested tables must describe the same population and period")
    fine_dims = (fine.row_dimension, fine.column_dimension)
    coarse_dims = (coarse.row_dimension, coarse.column_dimension)
    shared = set(fine_dims) & set(coarse_dims)
    if len(shared) != 1:
        raise ValueError("nested tables must share exactly one dimension")
    (shared_dim,) = shared
    fine_axis = 1 - fine_dims.index(shared_dim)
    coarse_axis = 1 - coarse_dims.index(shared_dim)

    def key(axis: int, coarsened: str, shared_label: str) -> Key:
        return (coarsened, shared_label) if axis == 0 else (shared_label, coarsened)

    fine_labels = sorted({k[fine_axis] for k in fine.cells})
    coarse_labels = sorted({k[coarse_axis] for k in coarse.cells})
    shared_labels = sorted({k[1 - fine_axis] for k in fine.cells})
    if shared_labels != sorted({k[1 - coarse_axis] for k in coarse.cells}):
        raise ValueError(f"nested tables must have the same {shared_dim!r} labels")
    unmapped = [label for label in fine_labels if mapping.get(label) not in coarse_labels]
    if unmapped:
        raise ValueError(f"fine labels without a coarse label in the coarse table: {unmapped}")
    equations = []
    for group in coarse_labels:
        members = [label for label in fine_labels if mapping[label] == group]
        for shared_label in [*shared_labels, TOTAL]:
            equations.append(
                Equation(
                    coarse.identity(key(coarse_axis, group, shared_label)),
                    tuple(fine.identity(key(fine_axis, member, shared_label)) for member in members),
                )
            )
    return equations
