"""The suppression search of :mod:`integration_centre.stats.disclosure` ("hide, audit, repeat").

Published figures become indexed unknowns and equations (``System``); ``Auditor`` computes the
attacker's range of every hidden cell with the solvers of ``_lp``; ``hide`` hides the small
counts, then one complementary cell per failing cell until the audit passes, then shows again
what is not needed. Pure functions over plain numbers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from integration_centre.stats._lp import interval_bounds, narrow_unknowns


@dataclass(frozen=True)
class Interval:
    """Smallest and largest value an attacker can infer for a hidden cell (``high`` may be infinite)."""

    low: float
    high: float

    @property
    def width(self) -> float:
        """``high - low``: how many values beyond the smallest the attacker cannot exclude."""
        return self.high - self.low


class System:
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


class Auditor:
    """Attacker's intervals for hidden cells, one connected group of hidden cells at a time."""

    def __init__(self, system: System) -> None:
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


def _quick_failures(system: System, hidden: set[int], k: int) -> dict[int, set[int]]:
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


def _candidate_order(system: System, hidden: set[int], k: int, cell: int, via: int) -> tuple:
    """Sort key of a visible cell as a complement, reached through equation ``via``."""
    closes_cycle = any(
        m in hidden for e in system.equations_of[cell] if e != via for m in system.members(e) if m != cell
    )
    value = system.values[cell]
    large_enough = value > k
    return (system.is_total[cell], not closes_cycle, not large_enough, value if large_enough else -value, cell)


def _best_complement(system: System, hidden: set[int], k: int, equations: Iterable[int]) -> int | None:
    best: tuple | None = None
    for equation in equations:
        for member in system.members(equation):
            if member in hidden or system.values[member] == 0:
                continue
            order = _candidate_order(system, hidden, k, member, equation)
            if best is None or order < best:
                best = order
    return None if best is None else best[-1]


def _choose_complements(system: System, hidden: set[int], k: int, failing: Mapping[int, set[int]]) -> set[int]:
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


def primary(system: System, k: int) -> set[int]:
    """The small counts: 1 to k−1."""
    return {i for i, value in enumerate(system.values) if 0 < value < k}


def hide(system: System, k: int, forced: frozenset[int] = frozenset()) -> set[int]:
    """Hide → audit → repeat, then put back what is not needed. Returns the hidden cells.

    ``forced`` cells are hidden from the start like small counts (and never shown again)."""
    hidden = primary(system, k) | forced
    auditor = Auditor(system)
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
            raise Exhausted(hidden)
        hidden |= added


def _safe(system: System, hidden: set[int], k: int, auditor: Auditor) -> bool:
    return not _quick_failures(system, hidden, k) and not auditor.failures(hidden, k)


def _prune(
    system: System, hidden: set[int], k: int, auditor: Auditor, forced: frozenset[int] = frozenset()
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


class Exhausted(Exception):
    """No shown cell is left to hide (``hidden`` holds what was hidden)."""

    def __init__(self, hidden: set[int]) -> None:
        super().__init__("no cell left to hide")
        self.hidden = hidden
