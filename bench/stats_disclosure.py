"""Benchmark: disclosure control of a 20×12 table vs a naive threshold pass.

The naive pass only hides the counts from 1 to k−1 (the margins computed included); protect()
also audits every hidden cell by linear programming and hides complementary cells until the
audit passes. Prints the median wall-clock and CPU time of each and their ratios.

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


def measure(function, cells: dict[tuple[str, str], int], rounds: int) -> tuple[float, float, set[tuple[str, str]]]:
    """Median wall-clock and CPU seconds of ``function(cells, K_COUNT)`` over ``rounds`` runs,
    after one warm-up. CPU time is less disturbed by other work on a shared machine."""
    result = function(cells, K_COUNT)  # warm up (imports, solver start-up)
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(cells, K_COUNT)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI: one round")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    rounds = 1 if args.smoke else args.rounds
    cells = table()
    naive_wall, naive_cpu, small = measure(naive, cells, rounds)
    protect_wall, protect_cpu, hidden = measure(protect, cells, rounds)
    published = len(with_margins(cells))
    print(f"table: {ROWS}x{COLUMNS} inner cells, {published} published cells with margins, k={K_COUNT}")
    print(f"{'median of ' + str(rounds) + ' rounds':28} {'wall ms':>10} {'cpu ms':>10}  hidden")
    print(f"{'naive threshold pass':28} {naive_wall * 1000:10.3f} {naive_cpu * 1000:10.3f}  {len(small)}")
    print(f"{'protect (LP audited)':28} {protect_wall * 1000:10.3f} {protect_cpu * 1000:10.3f}  {len(hidden)}")
    print(f"ratio protect / naive: {protect_wall / naive_wall:,.0f}x wall, {protect_cpu / naive_cpu:,.0f}x cpu")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
