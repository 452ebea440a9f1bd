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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from integration_centre.stats.linked_tables import (
    TOTAL,
    CellId,
    Equation,
    Key,
    LinkedTable,
    check_count,
    coarsening_equations,
    with_margins,
)
from integration_centre.stats.suppression import Auditor, Exhausted, Interval, System, hide, primary

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

MARK = "x"
LEGEND = "x: not shown, to protect the confidentiality of the people counted."

K_COUNT = 5
K_SENSITIVE = 10
K_CENTRAL = 10
MAX_HIDDEN_SHARE = 0.2


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


def share_publishable(numerator: int, denominator: int, k: int = K_COUNT) -> bool:
    """Whether the share ``numerator / denominator`` may be shown.

    Only when the numerator and the rest of the denominator (``denominator - numerator``) are
    each 0 or at least ``k``; a share of an empty group is never shown.
    """
    check_k(k)
    check_count("numerator", numerator)
    check_count("denominator", denominator)
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
    check_count("group_size", group_size)
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
        system = System(self.values, [(eq.total, eq.parts) for eq in self.equations])
        hidden = {system.index[cell] for cell in self.hidden_cells}
        return {system.ids[i]: interval for i, interval in Auditor(system).intervals(hidden).items()}


def _shares(hidden: set[int], table_cells: Mapping[str, list[int]]) -> list[Redesign]:
    """Tables whose hidden share exceeds :data:`MAX_HIDDEN_SHARE`."""
    too_many = []
    for table_id, cells in table_cells.items():
        count = sum(1 for cell in cells if cell in hidden)
        if count > MAX_HIDDEN_SHARE * len(cells):
            too_many.append(Redesign(table_id, count / len(cells), count, len(cells)))
    return too_many


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
    system = System(values, all_equations)
    table_cells = {
        table_id: sorted({system.index[table.identity(key)] for key in table.published()})
        for table_id, table in table_map.items()
    }

    if not report_redesign:
        # Small counts are always hidden, so a table with too many of them is rejected at once.
        hopeless = _shares(primary(system, k), table_cells)
        if hopeless:
            raise RedesignRequired(hopeless)
    forced = frozenset(system.index[cell] for cell in force_hidden if cell in system.index and values[cell] > 0)
    try:
        hidden = hide(system, k, forced)
    except Exhausted as exhausted:  # pragma: no cover - unreachable for two-way tables, see hide
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
