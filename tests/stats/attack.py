"""An attacker and a release checker written independently of the disclosure engine.

Nothing here imports the engine's solver code or its equation builder: the tables, their margins,
their equations and the attack are rebuilt from scratch, so that a mistake in the engine cannot
hide itself in the test. The attacker knows every shown figure, every published equation, that
counts are whole numbers, and that a hidden figure is at least 1 (zeros are always shown), and
solves integer programmes (scipy.optimize.milp) for the smallest and largest value of each hidden
figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

ALL = "Total"

Figure = Hashable
Engine = Callable[[dict[tuple[str, str], int], int], set[tuple[str, str]]]


def naive_protect(cells: dict[tuple[str, str], int], k: int) -> set[tuple[str, str]]:
    """The deliberately naive engine: hide the counts from 1 to k−1 (margins too), nothing more."""
    full = margins(cells)
    return {key for key, value in full.items() if 0 < value < k}


def margins(cells: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Inner cells plus row, column and grand totals."""
    rows = sorted({r for r, _ in cells})
    columns = sorted({c for _, c in cells})
    full = {(r, c): cells.get((r, c), 0) for r in rows for c in columns}
    for r in rows:
        full[(r, ALL)] = sum(cells.get((r, c), 0) for c in columns)
    for c in columns:
        full[(ALL, c)] = sum(cells.get((r, c), 0) for r in rows)
    full[(ALL, ALL)] = sum(cells.values())
    return full


def two_way_equations(cells: Mapping[tuple[str, str], int]) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    """(total, parts) for every row, every column, and the grand total both ways."""
    rows = sorted({r for r, _ in cells})
    columns = sorted({c for _, c in cells})
    equations = [((r, ALL), [(r, c) for c in columns]) for r in rows]
    equations += [((ALL, c), [(r, c) for r in rows]) for c in columns]
    equations.append(((ALL, ALL), [(r, ALL) for r in rows]))
    equations.append(((ALL, ALL), [(ALL, c) for c in columns]))
    return equations


@dataclass
class Release:
    """Published figures (by any hashable name), which of them are hidden, and the equations."""

    values: dict[Figure, int]
    hidden: set[Figure]
    equations: list[tuple[Figure, list[Figure]]]
    primary: set[Figure] = field(default_factory=set)

    @classmethod
    def two_way(cls, cells: Mapping[tuple[str, str], int], hidden: Iterable[tuple[str, str]], k: int) -> Release:
        values = margins(cells)
        return cls(
            values=values,
            hidden=set(hidden),
            equations=two_way_equations(cells),
            primary={key for key, value in values.items() if 0 < value < k},
        )


def attack(release: Release) -> dict[Figure, tuple[float, float]]:
    """Smallest and largest integer value of every hidden figure given everything published."""
    names = sorted(release.values, key=repr)
    column = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(release.equations), len(names)))
    for row, (total, parts) in enumerate(release.equations):
        matrix[row, column[total]] -= 1
        for part in parts:
            matrix[row, column[part]] += 1
    lower = np.array([1.0 if n in release.hidden else release.values[n] for n in names])
    upper = np.array([np.inf if n in release.hidden else release.values[n] for n in names])
    constraint = LinearConstraint(matrix, 0, 0)
    bounds = Bounds(lower, upper)
    integrality = np.ones(len(names))
    ranges = {}
    for name in sorted(release.hidden, key=repr):
        objective = np.zeros(len(names))
        objective[column[name]] = 1
        low = milp(objective, constraints=constraint, bounds=bounds, integrality=integrality)
        high = milp(-objective, constraints=constraint, bounds=bounds, integrality=integrality)
        assert low.status == 0, low.message
        lo = round(low.fun)
        hi = np.inf if high.status != 0 else round(-high.fun)
        if high.status != 0:
            assert "unbounded" in high.message.lower(), high.message
        ranges[name] = (lo, hi)
    return ranges


def violations(release: Release, k: int) -> list[str]:
    """Every way the release breaks the rules; empty when it is safe."""
    found = []
    for name, value in release.values.items():
        if name not in release.hidden and 0 < value < k:
            found.append(f"small count shown: {name!r}={value}")
        if name in release.hidden and value == 0:
            found.append(f"zero hidden: {name!r}")
    for total, parts in release.equations:
        if total in release.hidden:
            continue
        remainder = release.values[total] - sum(release.values[p] for p in parts if p not in release.hidden)
        if 0 < remainder < k:
            found.append(f"total minus its shown parts is {remainder}: {total!r}")
    for name, (lo, hi) in attack(release).items():
        value = release.values[name]
        if not lo <= value <= hi:
            found.append(f"attack excludes the true value of {name!r}")
        if hi - lo < k:
            found.append(f"hidden figure narrowed to [{lo}, {hi}]: {name!r}")
        if hi <= lo:
            found.append(f"hidden figure pinned to {lo}: {name!r}")
        if name in release.primary and hi < k:
            found.append(f"small figure confined below k: {name!r} ≤ {hi}")
    return found
