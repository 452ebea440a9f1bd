"""Interval bounds of unknowns under linear equations, as an attacker would compute them.

This is the solver half of the disclosure audit (:mod:`integration_centre.stats.disclosure`): given
equations ``A x = b`` over the hidden cells of a release and the lower bound every hidden cell is
known to respect, it returns for each unknown the smallest and the largest integer value it can
take.

Each bound is first solved as a linear programme (HiGHS through :func:`scipy.optimize.linprog`).
When the optimal vertex is integral it is itself an integer solution, so the linear bound is the
integer bound; this is always the case for a single two-way table with its margins (the constraint
matrix is totally unimodular). Otherwise — linked tables with extra equations can have fractional
vertices — the bound is solved again as an integer programme (:func:`scipy.optimize.milp`), so the
audit is never weaker than an attacker who knows that counts are whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

_INTEGRAL_TOLERANCE = 1e-6
_STATUS_UNBOUNDED = 3


class AuditSolverError(RuntimeError):
    """The solver failed on a system that is feasible by construction (the true table solves it)."""


def _is_integral(x: np.ndarray) -> bool:
    return bool(np.all(np.abs(x - np.round(x)) <= _INTEGRAL_TOLERANCE))


def _integer_optimum(
    objective: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray, lower: float
) -> tuple[float, np.ndarray]:
    result = milp(
        objective,
        constraints=LinearConstraint(a_eq, b_eq, b_eq),
        bounds=Bounds(lower, np.inf),
        integrality=np.ones(objective.size),
    )
    # Only called when the linear relaxation is bounded, and the true table is an integer
    # solution, so the integer programme is feasible and bounded.
    if result.status != 0:
        raise AuditSolverError(f"integer audit failed: {result.message}")
    return float(round(result.fun)), np.round(result.x)


def _optimum(
    objective: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray, lower: float
) -> tuple[float, np.ndarray | None]:
    """Minimum of ``objective @ x`` over integer ``x >= lower`` with ``a_eq @ x == b_eq``.

    Also returns an integer solution reaching it (``None`` when the minimum is ``-inf``).
    """
    result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(lower, None), method="highs")
    if result.status == _STATUS_UNBOUNDED:
        return -math.inf, None
    if result.status != 0:
        raise AuditSolverError(f"linear audit failed: {result.message}")
    if _is_integral(result.x):
        return float(round(result.fun)), np.round(result.x)
    return _integer_optimum(objective, a_eq, b_eq, lower)


def interval_bounds(
    a_eq: Sequence[Sequence[float]], b_eq: Sequence[float], lower: float = 1
) -> list[tuple[float, float]]:
    """Return ``(min, max)`` of every unknown over integer solutions of ``a_eq x = b_eq, x >= lower``.

    ``max`` is ``math.inf`` when the unknown is unbounded above. The system must be feasible.
    """
    matrix = np.asarray(a_eq, dtype=float)
    rhs = np.asarray(b_eq, dtype=float)
    size = matrix.shape[1]
    bounds: list[tuple[float, float]] = []
    for index in range(size):
        objective = np.zeros(size)
        objective[index] = 1.0
        low, _ = _optimum(objective, matrix, rhs, lower)
        high, _ = _optimum(-objective, matrix, rhs, lower)
        bounds.append((low, -high))
    return bounds


def narrow_unknowns(
    a_eq: Sequence[Sequence[float]], b_eq: Sequence[float], solution: Sequence[float], width: float, lower: float = 1
) -> dict[int, tuple[float, float]]:
    """Unknowns whose integer range (max − min) is narrower than ``width``, with that range.

    ``solution`` is one integer solution (the true table). Every optimum found is itself an
    integer solution, and shows a value every unknown can take; an unknown whose observed values
    already span ``width`` is safe without solving for it. This needs far fewer solver calls
    than :func:`interval_bounds` and gives the same verdict.
    """
    matrix = np.asarray(a_eq, dtype=float)
    rhs = np.asarray(b_eq, dtype=float)
    size = matrix.shape[1]
    seen_low = np.asarray(solution, dtype=float).copy()
    seen_high = seen_low.copy()

    def observe(point: np.ndarray | None) -> None:
        if point is not None:
            np.minimum(seen_low, point, out=seen_low)
            np.maximum(seen_high, point, out=seen_high)

    narrow: dict[int, tuple[float, float]] = {}
    for index in range(size):
        if seen_high[index] - seen_low[index] >= width:
            continue
        objective = np.zeros(size)
        objective[index] = -1.0
        high, point = _optimum(objective, matrix, rhs, lower)
        if high == -math.inf:
            continue
        observe(point)
        if seen_high[index] - seen_low[index] >= width:
            continue
        objective[index] = 1.0
        low, point = _optimum(objective, matrix, rhs, lower)
        observe(point)
        if -high - low < width:
            narrow[index] = (low, -high)
    return narrow
