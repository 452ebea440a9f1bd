"""Disclosure control: which cells of a published table must be hidden, and why.

Pure functions over plain numbers, with no database and no Flask, so that any release can be
re-checked independently. This text is written to be reused on the methodology page.

What we protect against
-----------------------
The committee and the public only ever see released tables: counts of people by category, with
the row totals, column totals and grand total. We assume a determined reader (the "attacker") who
knows everything that is published — every visible count, every total, and how the tables add up,
including how a table relates to other tables of the same population and period (for instance the
same people counted by municipality in one table and by arrondissement in another) — and who also
knows that counts are whole numbers, that no count is negative, and that a zero is never hidden
(so every hidden count is at least 1). With that knowledge the attacker can solve the equations
of the tables, by hand or with a linear-programming solver, to find for each hidden count the
smallest and the largest value it could have. We assume the worst: the attacker knows which cells
are hidden, and uses exact integer reasoning.

The threshold k
---------------
A count of 1 to k−1 people is too small to publish: it could point at someone. k is 5 for
ordinary counts, and 10 for sensitive outcomes (drop-out, dispensation, sanction) and for any
median or mean (the group behind a median or mean must count at least 10 people). These are
minimums: a table may use a larger k, never a smaller one — asking for less raises an error
before anything is computed. A zero is published as it is.

The rules a release must satisfy
--------------------------------
1. Primary suppression: every count from 1 to k−1 is hidden — inner cells and totals alike.
2. Interval rule: for every hidden cell, the attacker's range — largest possible value minus
   smallest possible value — must be at least k. A hidden cell is then never pinned to one
   value, and a hidden small count can never be confined below k: since a hidden cell is at
   least 1, its largest possible value is at least k + 1, so the attacker cannot even tell that
   the count is small. The rule applies to every hidden cell, whether hidden for being small or
   hidden to protect another one; nothing distinguishes the two in a release.
3. Totals and their parts: whenever a total is shown, the total minus the sum of its shown parts
   (the people in its hidden parts together) is 0 or at least k. This also covers differencing
   between nested figures, such as a coarse table and the sum of the visible cells of the finer
   table it summarises. (Rule 2 implies rule 3; it is checked separately all the same.)
4. Shares (percentages) are shown only when the numerator and the rest of the denominator are
   each 0 or at least k, and never when either of them is hidden.
5. Medians and means are shown only when their group counts at least 10 people (or the larger
   k chosen for the indicator).
6. One cell, one status: a cell defined by the same population, period and categories has the
   same value and is either shown in every table where it appears, or hidden in all of them.
7. Hidden cells are shown as one neutral mark, "x", explained by one legend. We never write
   "< 5", and nothing tells whether a cell was hidden for being small or to protect another.
8. If more than 20% of a table's cells (totals included) would have to be hidden, the table is
   not published: it is reported for redesign with coarser categories.

How the complementary cells are chosen ("hide, audit, repeat")
--------------------------------------------------------------
After hiding the small counts, the engine audits every hidden cell: for each one it computes,
by linear programming over all the published equations, the smallest and largest value the
attacker could infer (integer programming takes over whenever the linear answer is not a whole
number). Every hidden cell whose range is narrower than k fails. For each failing cell the engine
hides one more cell that shares a row, a column or another published equation with it, choosing:
first, equations where the failing cell is the only hidden one (it is pinned there) or where the
hidden cells together hold fewer than k people; then inner cells before totals; then cells whose
other row or column already holds a hidden cell (so the hidden cells form closed rectangles,
which is what actually protects them); then the smallest count larger than k (large enough to
carry a range of k on its own), or failing that the largest count available; and finally a fixed
order of the cell labels, so the same table always gives the same result. Then it audits again,
and repeats until no hidden cell fails. Each round hides at least one more cell, and a table whose
non-zero cells are all hidden leaves the attacker no upper bound, so the loop always ends.
Choosing one cell at a time can leave a cell hidden that later choices made unnecessary, so a last
pass tries to show each complementary cell again, largest first, and keeps it shown if the audit
still passes without it. Small counts are never shown again. Only then is the 20% limit checked
(a table whose small counts alone pass the limit is rejected at once).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from integration_centre.stats._lp import interval_bounds, narrow_unknowns

__all__ = [
    "K_CENTRAL",
    "K_COUNT",
    "K_SENSITIVE",
    "LEGEND",
    "MARK",
    "MAX_HIDDEN_SHARE",
    "TOTAL",
    "CellId",
    "Equation",
    "Interval",
    "LinkedTable",
    "ProtectedTables",
    "Redesign",
    "RedesignRequired",
    "central_value_publishable",
    "check_k",
    "coarsening_equations",
    "protect",
    "protect_central_value",
    "protect_tables",
    "render",
    "share",
    "share_publishable",
    "with_margins",
]

TOTAL = "Total"
MARK = "x"
LEGEND = "x: not shown, to protect the confidentiality of the people counted."

K_COUNT = 5
K_SENSITIVE = 10
K_CENTRAL = 10
MAX_HIDDEN_SHARE = 0.2

Key = tuple[str, str]


def check_k(k: int, minimum: int = K_COUNT) -> int:
    """Return ``k`` if it is a whole number at least ``minimum``, else raise :class:`ValueError`.

    Thresholds may only be raised above their minimum (5 for counts, 10 for sensitive outcomes
    and for medians and means), never lowered.
    """
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f"the threshold k must be a whole number, got {k!r}")
    if k < minimum:
        raise ValueError(f"the threshold k={k} is below the minimum of {minimum}")
    return k


# ---------------------------------------------------------------------------------------------
# Shares, medians and means, rendering
# ---------------------------------------------------------------------------------------------


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a count (a whole number, 0 or more), got {value!r}")


def share_publishable(numerator: int, denominator: int, k: int = K_COUNT) -> bool:
    """Whether the share ``numerator / denominator`` may be shown.

    Only when the numerator and the rest of the denominator (``denominator - numerator``) are
    each 0 or at least ``k``; a share of an empty group is never shown.
    """
    check_k(k)
    _check_count("numerator", numerator)
    _check_count("denominator", denominator)
    if numerator > denominator:
        raise ValueError("the numerator of a share cannot exceed its denominator")
    if denominator == 0:
        return False
    return all(part == 0 or part >= k for part in (numerator, denominator - numerator))


def share(numerator: int, denominator: int, k: int = K_COUNT, *, hidden: bool = False) -> float | None:
    """The share ``numerator / denominator``, or ``None`` when it must not be shown.

    Pass ``hidden=True`` when the numerator or the denominator is itself a hidden cell: a share
    must never let a reader recompute a hidden count.
    """
    if not share_publishable(numerator, denominator, k) or hidden:
        return None
    return numerator / denominator


def central_value_publishable(group_size: int, k: int = K_CENTRAL) -> bool:
    """Whether a median or mean computed over ``group_size`` people may be shown (``group_size >= k``)."""
    check_k(k, K_CENTRAL)
    _check_count("group_size", group_size)
    return group_size >= k


def protect_central_value(value: float | None, group_size: int, k: int = K_CENTRAL) -> float | None:
    """Return the median or mean ``value`` if its group is large enough, else ``None``."""
    return value if central_value_publishable(group_size, k) else None


def render(value: float | None, hidden: bool = False) -> str:
    """Text of one published cell: the neutral :data:`MARK` when hidden or withheld, else the value."""
    if hidden or value is None:
        return MARK
    return str(value)


# ---------------------------------------------------------------------------------------------
# Tables, cell identities and equations
# ---------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Interval:
    """Smallest and largest value an attacker can infer for a hidden cell (``high`` may be infinite)."""

    low: float
    high: float

    @property
    def width(self) -> float:
        """``high - low``: how many values beyond the smallest the attacker cannot exclude."""
        return self.high - self.low


def _check_labels(cells: Mapping[Key, int]) -> tuple[list[str], list[str]]:
    rows: set[str] = set()
    columns: set[str] = set()
    for key, value in cells.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(label, str) for label in key)):
            raise ValueError(f"a cell key must be a (row label, column label) pair of strings, got {key!r}")
        if TOTAL in key:
            raise ValueError(f"{TOTAL!r} is reserved for the margins and cannot label an inner cell")
        _check_count(f"cell {key!r}", value)
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


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redesign:
    """A table that would lose more than :data:`MAX_HIDDEN_SHARE` of its cells.

    ``share`` is the share of the table's published cells (totals included) that protection
    hides — or, for a table rejected before any complementary cell is chosen because its small
    counts alone exceed the limit, the share of those small counts (a lower bound).
    """

    table_id: str
    share: float
    hidden: int
    cells: int


class RedesignRequired(Exception):
    """Raised instead of returning a table of holes: the listed tables need coarser categories."""

    def __init__(self, tables: Sequence[Redesign]) -> None:
        self.tables = tuple(tables)
        described = ", ".join(f"{t.table_id} ({t.share:.0%} of {t.cells} cells hidden)" for t in self.tables)
        super().__init__(f"too many cells would be hidden, redesign with coarser categories: {described}")

    @property
    def table_id(self) -> str:
        """Id of the first table reported."""
        return self.tables[0].table_id

    @property
    def share(self) -> float:
        """Hidden share of the first table reported."""
        return self.tables[0].share


@dataclass(frozen=True)
class ProtectedTables:
    """Outcome of :func:`protect_tables`: one status per cell identity, shared by every table."""

    tables: Mapping[str, LinkedTable]
    values: Mapping[CellId, int]
    hidden_cells: frozenset[CellId]
    equations: tuple[Equation, ...]
    k: int
    redesign: tuple[Redesign, ...] = ()

    def is_hidden(self, cell: CellId) -> bool:
        """Whether the figure ``cell`` is hidden (in every table where it appears)."""
        return cell in self.hidden_cells

    def hidden(self, table_id: str) -> set[Key]:
        """The hidden cells of one table, keyed as in that table (margins with :data:`TOTAL`)."""
        table = self.tables[table_id]
        return {key for key in table.published() if table.identity(key) in self.hidden_cells}

    def audit(self) -> dict[CellId, Interval]:
        """The attacker's exact range for every hidden figure, recomputed from the published
        equations (two solver calls per hidden figure; the engine itself needs fewer)."""
        system = _System(self.values, [(eq.total, eq.parts) for eq in self.equations])
        hidden = {system.index[cell] for cell in self.hidden_cells}
        return {system.ids[i]: interval for i, interval in _Auditor(system).intervals(hidden).items()}


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


class _System:
    """All published figures of a set of tables as indexed unknowns and equations."""

    def __init__(self, values: Mapping[Hashable, int], equations: Iterable[tuple[Hashable, Sequence[Hashable]]]):
        self.ids = sorted(values)  # type: ignore[type-var]
        self.index = {cell: i for i, cell in enumerate(self.ids)}
        self.values = [values[cell] for cell in self.ids]
        seen: set[tuple[int, frozenset[int]]] = set()
        self.equations: list[tuple[int, tuple[int, ...]]] = []
        for total, parts in equations:
            total_index = self.index[total]
            part_indexes = tuple(sorted(self.index[part] for part in parts))
            signature = (total_index, frozenset(part_indexes))
            if signature in seen or not part_indexes:
                continue
            seen.add(signature)
            if self.values[total_index] != sum(self.values[p] for p in part_indexes):
                raise ValueError(f"published figures do not add up: {total!r}")
            self.equations.append((total_index, part_indexes))
        self.equations_of: list[list[int]] = [[] for _ in self.ids]
        for number, (total_index, part_indexes) in enumerate(self.equations):
            for member in (total_index, *part_indexes):
                self.equations_of[member].append(number)
        self.is_total = [False] * len(self.ids)
        for total_index, _parts in self.equations:
            self.is_total[total_index] = True

    def members(self, equation: int) -> tuple[int, ...]:
        total_index, part_indexes = self.equations[equation]
        return (total_index, *part_indexes)


class _Auditor:
    """Attacker's intervals for hidden cells, one connected group of hidden cells at a time."""

    def __init__(self, system: _System) -> None:
        self.system = system
        self._cache: dict[frozenset[int], dict[int, Interval]] = {}  # component → its failures

    def _components(self, hidden: set[int]) -> list[list[int]]:
        parent = {cell: cell for cell in hidden}

        def find(cell: int) -> int:
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for equation in range(len(self.system.equations)):
            inside = [m for m in self.system.members(equation) if m in hidden]
            for other in inside[1:]:
                parent[find(other)] = find(inside[0])
        groups: dict[int, list[int]] = {}
        for cell in sorted(hidden):
            groups.setdefault(find(cell), []).append(cell)
        return list(groups.values())

    def _equations(self, component: list[int]) -> tuple[list[list[float]], list[float]]:
        """Equations over the cells of ``component``, shown cells moved to the right-hand side."""
        system = self.system
        column = {cell: i for i, cell in enumerate(component)}
        rows: list[list[float]] = []
        rhs: list[float] = []
        for equation in sorted({e for cell in component for e in system.equations_of[cell]}):
            total_index, part_indexes = system.equations[equation]
            row = [0.0] * len(component)
            constant = 0
            for member, sign in [(total_index, -1), *((p, 1) for p in part_indexes)]:
                if member in column:
                    row[column[member]] += sign
                else:
                    constant += sign * system.values[member]
            rows.append(row)
            rhs.append(-constant)
        return rows, rhs

    def failures(self, hidden: set[int], k: int) -> dict[int, Interval]:
        """Hidden cells the attacker can narrow to a range below ``k``, with that range."""
        result: dict[int, Interval] = {}
        for component in self._components(hidden):
            signature = frozenset(component)
            if signature not in self._cache:
                rows, rhs = self._equations(component)
                truth = [self.system.values[cell] for cell in component]
                narrow = narrow_unknowns(rows, rhs, truth, k, lower=1)
                self._cache[signature] = {component[i]: Interval(*bounds) for i, bounds in narrow.items()}
            result.update(self._cache[signature])
        return result

    def intervals(self, hidden: set[int]) -> dict[int, Interval]:
        """Exact attacker's range of every hidden cell."""
        result: dict[int, Interval] = {}
        for component in self._components(hidden):
            rows, rhs = self._equations(component)
            bounds = interval_bounds(rows, rhs, lower=1)
            result.update({cell: Interval(*pair) for cell, pair in zip(component, bounds, strict=True)})
        return result


def _quick_failures(system: _System, hidden: set[int], k: int) -> dict[int, set[int]]:
    """Failures visible without a solver: a hidden cell alone in an equation, or hidden parts of a
    shown total that hold fewer than k people together. Maps each failing cell to its critical
    equations."""
    failing: dict[int, set[int]] = {}
    for equation, (total_index, part_indexes) in enumerate(system.equations):
        inside = [m for m in (total_index, *part_indexes) if m in hidden]
        if len(inside) == 1:
            failing.setdefault(inside[0], set()).add(equation)
        elif inside and total_index not in hidden:
            remainder = system.values[total_index] - sum(system.values[p] for p in part_indexes if p not in hidden)
            if remainder < k:
                for cell in inside:
                    failing.setdefault(cell, set()).add(equation)
    return failing


def _candidate_order(system: _System, hidden: set[int], k: int, cell: int, via: int) -> tuple:
    """Sort key of a visible cell as a complement, reached through equation ``via``."""
    closes_cycle = any(
        m in hidden for e in system.equations_of[cell] if e != via for m in system.members(e) if m != cell
    )
    value = system.values[cell]
    large_enough = value > k
    return (system.is_total[cell], not closes_cycle, not large_enough, value if large_enough else -value, cell)


def _best_complement(system: _System, hidden: set[int], k: int, equations: Iterable[int]) -> int | None:
    best: tuple | None = None
    for equation in equations:
        for member in system.members(equation):
            if member in hidden or system.values[member] == 0:
                continue
            order = _candidate_order(system, hidden, k, member, equation)
            if best is None or order < best:
                best = order
    return None if best is None else best[-1]


def _choose_complements(system: _System, hidden: set[int], k: int, failing: Mapping[int, set[int]]) -> set[int]:
    added: set[int] = set()
    for cell in sorted(failing):
        touched = any(m in added for e in system.equations_of[cell] for m in system.members(e))
        if touched:
            continue
        equations = failing[cell] or system.equations_of[cell]
        choice = _best_complement(system, hidden | added, k, sorted(equations))
        if choice is None and failing[cell]:
            choice = _best_complement(system, hidden | added, k, system.equations_of[cell])
        if choice is not None:
            added.add(choice)
    if not added:
        # No shown non-zero cell shares an equation with a failing cell: widen the search to
        # every equation touching a hidden cell, then to the whole system.
        linked = sorted({e for cell in hidden for e in system.equations_of[cell]})
        choice = _best_complement(system, hidden, k, linked)
        if choice is None:
            choice = _best_complement(system, hidden, k, range(len(system.equations)))
        if choice is not None:
            added.add(choice)
    return added


def _shares(hidden: set[int], table_cells: Mapping[str, list[int]]) -> list[Redesign]:
    """Tables whose hidden share exceeds :data:`MAX_HIDDEN_SHARE`."""
    too_many = []
    for table_id, cells in table_cells.items():
        count = sum(1 for cell in cells if cell in hidden)
        if count > MAX_HIDDEN_SHARE * len(cells):
            too_many.append(Redesign(table_id, count / len(cells), count, len(cells)))
    return too_many


def _primary(system: _System, k: int) -> set[int]:
    """The small counts: 1 to k−1."""
    return {i for i, value in enumerate(system.values) if 0 < value < k}


def _run(system: _System, k: int, forced: frozenset[int] = frozenset()) -> set[int]:
    """Hide → audit → repeat, then put back what is not needed. Returns the hidden cells.

    ``forced`` cells are hidden from the start like small counts (and never shown again)."""
    hidden = _primary(system, k) | forced
    auditor = _Auditor(system)
    while True:
        failing = _quick_failures(system, hidden, k)
        if not failing:
            failing = {cell: set() for cell in auditor.failures(hidden, k)}
        if not failing:
            return _prune(system, hidden, k, auditor, forced)
        added = _choose_complements(system, hidden, k, failing)
        if not added:
            # Unreachable for two-way tables (once every non-zero cell is hidden, nothing hidden
            # is bounded); kept so that a strange set of linked equations cannot loop forever.
            raise _Exhausted(hidden)
        hidden |= added


def _safe(system: _System, hidden: set[int], k: int, auditor: _Auditor) -> bool:
    return not _quick_failures(system, hidden, k) and not auditor.failures(hidden, k)


def _prune(
    system: _System, hidden: set[int], k: int, auditor: _Auditor, forced: frozenset[int] = frozenset()
) -> set[int]:
    """Show again every complementary cell the release does not need, largest first.

    The greedy rounds can hide a cell that later choices made unnecessary; each one is put back
    if the audit still passes without it. Small counts and forced cells are never put back.
    """
    kept = set(hidden)
    complementary = sorted(
        (c for c in hidden if system.values[c] >= k and c not in forced), key=lambda c: (-system.values[c], c)
    )
    for cell in complementary:
        trial = kept - {cell}
        if _safe(system, trial, k, auditor):
            kept = trial
    return kept


class _Exhausted(Exception):
    def __init__(self, hidden: set[int]) -> None:
        super().__init__("no cell left to hide")
        self.hidden = hidden


def protect_tables(
    tables: Sequence[LinkedTable],
    k: int = K_COUNT,
    *,
    equations: Iterable[Equation] = (),
    report_redesign: bool = False,
    sensitive: bool = False,
    force_hidden: Iterable[CellId] = (),
) -> ProtectedTables:
    """Protect several tables of the same population and period together.

    A figure with the same :class:`CellId` in several tables is one unknown with one status. The
    attacker is given the equations of every table plus ``equations`` (for instance from
    :func:`coarsening_equations`). Raises :class:`ValueError` when ``k`` is below the minimum
    (:data:`K_SENSITIVE` when ``sensitive``, else :data:`K_COUNT`) or when figures disagree.
    When a table would lose more than :data:`MAX_HIDDEN_SHARE` of its cells, raises
    :class:`RedesignRequired` — or, with ``report_redesign=True``, completes the protection anyway
    and lists those tables in :attr:`ProtectedTables.redesign` (with their exact share), so that a
    release builder can report every table to redesign at once and an auditor can inspect the
    full result. Tables
    listed there must not be published. ``force_hidden`` names non-zero figures to hide whatever
    their value (a release builder uses it to stop differencing against figures published in
    other releases); they are protected like small counts.
    """
    check_k(k, K_SENSITIVE if sensitive else K_COUNT)
    values: dict[CellId, int] = {}
    all_equations: list[tuple[CellId, tuple[CellId, ...]]] = []
    table_map: dict[str, LinkedTable] = {}
    for table in tables:
        if table.table_id in table_map:
            raise ValueError(f"duplicate table id {table.table_id!r}")
        table_map[table.table_id] = table
        for key, value in table.published().items():
            identity = table.identity(key)
            if values.setdefault(identity, value) != value:
                raise ValueError(f"figure {identity!r} has different values in different tables")
        all_equations += [(eq.total, eq.parts) for eq in table.equations()]
    for equation in equations:
        unknown = [c for c in (equation.total, *equation.parts) if c not in values]
        if unknown:
            raise ValueError(f"an equation refers to figures that no table publishes: {unknown!r}")
        all_equations.append((equation.total, tuple(equation.parts)))
    system = _System(values, all_equations)
    table_cells = {
        table_id: sorted({system.index[table.identity(key)] for key in table.published()})
        for table_id, table in table_map.items()
    }

    if not report_redesign:
        # Small counts are always hidden, so a table with too many of them is rejected at once.
        hopeless = _shares(_primary(system, k), table_cells)
        if hopeless:
            raise RedesignRequired(hopeless)
    forced = frozenset(system.index[cell] for cell in force_hidden if cell in system.index and values[cell] > 0)
    try:
        hidden = _run(system, k, forced)
    except _Exhausted as exhausted:  # pragma: no cover - unreachable for two-way tables, see _run
        counts = {t: sum(c in exhausted.hidden for c in cells) for t, cells in table_cells.items()}
        raise RedesignRequired(
            [Redesign(t, counts[t] / len(cells), counts[t], len(cells)) for t, cells in table_cells.items()]
        ) from None
    redesign = _shares(hidden, table_cells)
    if redesign and not report_redesign:
        raise RedesignRequired(redesign)
    return ProtectedTables(
        tables=table_map,
        values=values,
        hidden_cells=frozenset(system.ids[i] for i in hidden),
        equations=tuple(Equation(total, tuple(parts)) for total, parts in all_equations),
        k=k,
        redesign=tuple(redesign),
    )


def protect(
    cells: dict[tuple[str, str], int], k: int, *, table_id: str = "table", sensitive: bool = False
) -> set[tuple[str, str]]:
    """Cells to hide in a two-way table whose row, column and grand totals are published.

    ``cells`` are the inner cells keyed by (row label, column label). The result holds every cell
    to hide, margins included, keyed ``(row, "Total")``, ``("Total", column)`` and
    ``("Total", "Total")``. Zero cells are always shown. Raises :class:`ValueError` when ``k`` is
    below :data:`K_COUNT` (below :data:`K_SENSITIVE` for a ``sensitive`` outcome: drop-out,
    dispensation, sanction) and :class:`RedesignRequired` (with ``table_id`` and the hidden share)
    when more than :data:`MAX_HIDDEN_SHARE` of the table's cells would be hidden.
    """
    table = LinkedTable(table_id, "", "", "row", "column", cells)
    return protect_tables([table], k, sensitive=sensitive).hidden(table_id)
