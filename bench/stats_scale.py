"""Benchmark at 10x data: publishing a statistics release from 25,000,000 facts against the raw SQL
GROUP BY of the same tables (``stats_release.py``'s operation and baseline), with the peak Python
memory at the base size and at the full size (flat: the release reads grouped rows, never facts).

    python bench/stats_scale.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_stats \\
        --facts 25000000                       # the 10x target
    python bench/stats_scale.py --database-url ... --facts 5000000
    python bench/stats_scale.py --smoke        # CI: SQLite, 20,000 facts

Data: ``--base`` facts (default 500,000) made by the statistics demo's generator
(``stats.demo.synthetic_rows``, as ``stats_release.py``), then copied on the database side
(``INSERT … SELECT`` of the whole table, doubling, then the remainder) up to ``--facts``: no
encryption is involved, and each copy keeps the distribution of months, offices and events,
so the release's grouped rows stay the same while the facts they sum multiply. The seeding times
are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import stats_release  # noqa: E402
from _common import settle_after_bulk_load  # noqa: E402


def multiply(target: int) -> int:
    """Copy the fact table onto itself until it holds ``target`` rows; returns the count."""
    from integration_centre.extensions import db
    from integration_centre.stats.models import Fact

    columns = ", ".join(f'"{c.name}"' for c in Fact.__table__.columns if c.name != "id")
    count = db.session.scalar(db.select(db.func.count()).select_from(Fact))
    while count < target:
        more = min(count, target - count)
        copy = f"INSERT INTO stats_fact ({columns}) SELECT {columns} FROM stats_fact ORDER BY id LIMIT :n"  # noqa: S608
        db.session.execute(db.text(copy), {"n": more})  # columns: the model's own names
        db.session.commit()
        count += more
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=25_000_000)
    parser.add_argument("--base", type=int, default=500_000, help="facts made in Python before copying")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite in a temporary folder)")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = parser.parse_args(argv)
    if args.smoke:
        args.facts, args.base, args.rounds = 20_000, 5_000, 1
    with tempfile.TemporaryDirectory() as folder:
        app = stats_release.build_app(Path(folder), args.database_url)
        with app.app_context():
            from integration_centre.extensions import db

            started = time.perf_counter()
            base = stats_release.add_facts(args.base, seed=1)
            made = time.perf_counter() - started
            memory_base = 0 if args.smoke else stats_release.peak_memory(stats_release.build_release)
            copied_at = time.perf_counter()
            total = multiply(args.facts)
            copied = time.perf_counter() - copied_at
            settle_at = time.perf_counter()
            settle_after_bulk_load(db)
            settled = time.perf_counter() - settle_at
            print(f"database: {db.engine.dialect.name}; facts: {total:,}")
            print(f"  {base:,} facts made in Python and inserted: {made:8.1f} s")
            print(f"  copied up to {total:,} (INSERT … SELECT):     {copied:8.1f} s")
            print(f"  VACUUM ANALYZE / ANALYZE:                 {settled:8.1f} s")
            memory_full = 0 if args.smoke else stats_release.peak_memory(stats_release.build_release)
            group_by = stats_release.median_time(stats_release.raw_group_by, args.rounds)
            release = stats_release.median_time(stats_release.build_release, args.rounds)
            groups = stats_release.raw_group_by()
        dashboard, trivial = stats_release.page_timings(app, args.rounds, 3 if args.smoke else 10)
        print(f"release {stats_release.PERIOD}, region, every catalogue table; {groups:,} grouped rows")
        print(f"raw SQL GROUP BY of the same tables: {group_by * 1000:9.1f} ms")
        print(f"publish (build, protect, check):      {release * 1000:9.1f} ms")
        print(f"ratio publish / GROUP BY: {release / group_by:.2f}x  (median of {args.rounds}; target <= 3x)")
        if not args.smoke:  # not measured at smoke size
            print(f"peak Python memory: {memory_base / 1e6:.1f} MB at {base:,} facts", end=", ")
            print(f"{memory_full / 1e6:.1f} MB at {total:,}")
        print(
            f"committee dashboard page: {dashboard * 1000:.1f} ms, trivial authenticated page: {trivial * 1000:.1f} ms"
        )
        print(f"ratio dashboard / trivial page: {dashboard / trivial:.2f}x")
        if args.database_url:
            with app.app_context():
                db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
