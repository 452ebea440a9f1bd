"""Benchmark: disclosure control of a 20×12 table vs a naive threshold pass.

The naive pass only hides the counts from 1 to k−1 (the margins computed included); protect()
also audits every hidden cell by linear programming and hides complementary cells until the
audit passes. Prints the median time of each and their ratio.

    python bench/stats_disclosure.py           # 20 rounds
    python bench/stats_disclosure.py --smoke   # one round, for CI
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from integration_centre.stats.disclosure import K_COUNT, protect, with_margins

ROWS, COLUMNS = 20, 12


def table(seed: int = 2026) -> dict[tuple[str, str], int]:
    """A 20×12 table like newcomers by municipality × age band: a few small and zero cells."""
    rnd = random.Random(seed)
    cells = {}
    for row in range(ROWS):
        for column in range(COLUMNS):
            kind = rnd.random()
            if kind < 0.08:
                value = rnd.randint(1, K_COUNT - 1)
            elif kind < 0.11:
                value = 0
            else:
                value = rnd.randint(K_COUNT, 400)
            cells[(f"municipality {row:02d}", f"age {column:02d}")] = value
    return cells


def naive(cells: dict[tuple[str, str], int], k: int) -> set[tuple[str, str]]:
    """Threshold pass only: hide the small counts, margins included."""
    return {key for key, value in with_margins(cells).items() if 0 < value < k}


def measure(function, cells: dict[tuple[str, str], int], rounds: int) -> tuple[float, set[tuple[str, str]]]:
    """Median seconds of ``function(cells, K_COUNT)`` over ``rounds`` runs, after one warm-up."""
    result = function(cells, K_COUNT)  # warm up (imports, solver start-up)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(cells, K_COUNT)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI: one round")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    rounds = 1 if args.smoke else args.rounds
    cells = table()
    naive_seconds, small = measure(naive, cells, rounds)
    protect_seconds, hidden = measure(protect, cells, rounds)
    published = len(with_margins(cells))
    print(f"table: {ROWS}x{COLUMNS} inner cells, {published} published cells with margins, k={K_COUNT}")
    print(f"naive threshold pass: {naive_seconds * 1000:9.3f} ms  ({len(small)} cells hidden)")
    print(f"protect (LP audited): {protect_seconds * 1000:9.3f} ms  ({len(hidden)} cells hidden)")
    print(f"ratio protect / naive: {protect_seconds / naive_seconds:,.0f}x  (median of {rounds} rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
