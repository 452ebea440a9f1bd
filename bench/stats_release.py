"""Benchmark: publishing a statistics release from N facts, against the raw SQL GROUP BY of the
same tables on the same database in the same run; peak Python memory at N/10 and N facts; the
committee's dashboard page (read from the stored release) against a trivial authenticated page.

    python bench/stats_release.py                       # 1,000,000 facts on SQLite
    python bench/stats_release.py --facts 5000000       # the sizing target (slow to load)
    python bench/stats_release.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_bench
    python bench/stats_release.py --smoke               # tiny run for CI

Facts are synthetic (``stats.demo.synthetic_rows``: people walking the pathway over three years,
about a dozen facts each). The release is the regional release of one quarter (every table of the
catalogue). Record the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_app, login  # noqa: E402 - path set above

PASSWORD = "bench demo password 2026"
PERIOD = "2026-Q2"
FACTS_PER_PERSON = 9  # fewer than the ~12 a full pathway emits: early exits, events after the end


def build_app(folder: Path, database_url: str | None):
    """The application on a fresh database, with the demo organisation and accounts."""
    from integration_centre.accounts import demo as accounts_demo
    from integration_centre.demo import DemoReport
    from integration_centre.extensions import db

    app = bench_app(folder, database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        accounts_demo.load(DemoReport(password=PASSWORD))
        db.session.commit()
    return app


def add_facts(count: int, seed: int) -> int:
    """Insert about ``count`` synthetic facts; returns how many."""
    from integration_centre.extensions import db
    from integration_centre.stats import demo

    rows = demo.synthetic_rows(
        max(1, count // FACTS_PER_PERSON), date(2024, 1, 1), date(2026, 9, 30), demo.demo_sites(), [1], seed=seed
    )
    inserted = demo.insert_rows(row for _, row in zip(range(count), rows, strict=False))
    db.session.commit()
    return inserted


def raw_group_by() -> int:
    """The floor: the same GROUP BY queries the release runs, fetched and nothing else."""
    from sqlalchemy import select

    from integration_centre.extensions import db
    from integration_centre.stats import queries
    from integration_centre.stats.catalogue import catalogue
    from integration_centre.stats.models import Fact

    period, scope = queries.parse_period(PERIOD), queries.parse_scope(queries.REGION)
    rows = 0
    for indicator in catalogue().indicators:
        if indicator.measure == "capacity" or (indicator.periods == "year" and len(period.months) != 12):
            continue  # not computed from facts (directory places), or not in a quarterly release
        if indicator.measure == "count":
            statement = queries.count_statement(indicator, period, scope)
        else:
            row = queries.dimension_expression(indicator.rows)
            column = queries.dimension_expression(indicator.columns)
            statement = (
                select(row, column, Fact.duration_days)
                .where(*queries.fact_conditions(indicator, period, scope))
                .group_by(row, column, Fact.duration_days)
            )
        rows += len(db.session.execute(statement).all())
    return rows


def build_release() -> str:
    """The operation: every table built, protected, checked and serialised (not stored)."""
    from integration_centre.stats import services

    return services.build_content(services.parse_period(PERIOD), services.parse_scope(services.REGION))


def median_time(call: Callable[[], object], rounds: int) -> float:
    """Median seconds of ``call`` over ``rounds`` runs after a warm-up."""
    call()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def peak_memory(call: Callable[[], object]) -> int:
    """Peak bytes allocated by Python while ``call`` runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def page_timings(app, rounds: int, count: int) -> tuple[float, float]:
    """(dashboard, trivial authenticated page) median seconds per request for the committee."""
    from integration_centre.extensions import db
    from integration_centre.stats import services

    with app.app_context():
        services.publish(PERIOD)
        db.session.commit()
    client = login(app, "committee@demo.example", PASSWORD)

    def get(path: str) -> Callable[[], object]:
        def call() -> None:
            for _ in range(count):
                assert client.get(path).status_code == 200

        return call

    dashboard = median_time(get(f"/statistics/?period={PERIOD}&scope=region"), rounds) / count
    trivial = median_time(get("/committee"), rounds) / count
    return dashboard, trivial


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=1_000_000, help="facts at full size")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = parser.parse_args(argv)
    facts = 20_000 if args.smoke else args.facts
    rounds = 1 if args.smoke else args.rounds
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), args.database_url)
        with app.app_context():
            from integration_centre.extensions import db

            print(f"database: {db.engine.dialect.name}")
            small = add_facts(facts // 10, seed=1)
            memory_small = 0 if args.smoke else peak_memory(build_release)
            total = small + add_facts(facts - small, seed=2)
            memory_large = 0 if args.smoke else peak_memory(build_release)
            group_by = median_time(raw_group_by, rounds)
            release = median_time(build_release, rounds)
            groups = raw_group_by()
        dashboard, trivial = page_timings(app, rounds, 3 if args.smoke else 10)
        print(f"facts: {total:,} (release {PERIOD}, region, every catalogue table; {groups:,} grouped rows)")
        print(f"raw SQL GROUP BY of the same tables: {group_by * 1000:9.1f} ms")
        print(f"publish (build, protect, check):      {release * 1000:9.1f} ms")
        print(f"ratio publish / GROUP BY: {release / group_by:.2f}x  (median of {rounds})")
        if not args.smoke:
            print(f"peak Python memory: {memory_small / 1e6:.1f} MB at {small:,} facts", end=", ")
            print(f"{memory_large / 1e6:.1f} MB at {total:,}")
        print(f"committee dashboard page: {dashboard * 1000:.1f} ms", end=", ")
        print(f"trivial authenticated page: {trivial * 1000:.1f} ms")
        print(f"ratio dashboard / trivial page: {dashboard / trivial:.2f}x")
        if args.database_url:
            with app.app_context():
                db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
