"""Benchmark at 10x data: publishing a statistics release from 25,000,000 facts against the raw SQL
GROUP BY of the same tables (``stats_release.py``'s operation and baseline), with the peak Python
memory at the base size and at the full size (flat: the release reads grouped rows, never facts).

    python bench/stats_scale.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_stats \\
        --facts 25000000                       # the 10x target
    python bench/stats_scale.py --database-url ... --facts 5000000
    python bench/stats_scale.py --database-url ... --facts 25000000 --keep /var/tmp/ic-stats --seed-only
    python bench/stats_scale.py --database-url ... --facts 25000000 --keep /var/tmp/ic-stats   # measures only
    python bench/stats_scale.py --smoke        # CI: SQLite, 20,000 facts

Data: ``--base`` facts (default 500,000) made by the statistics demo's generator
(``stats.demo.synthetic_rows``, as ``stats_release.py``), then copied on the database side
(``INSERT … SELECT`` of the whole table, doubling, then the remainder) up to ``--facts``: no
encryption is involved, and each copy keeps the distribution of months, offices and events,
so the release's grouped rows stay the same while the facts they sum multiply. The seeding times
are printed. With ``--keep DIR`` the keyring, the seeding's figures and the database stay for a
second run, which then only measures (``--seed-only`` stops after the seeding).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import stats_release  # noqa: E402
from _common import bench_folder, indexes_dropped, settle_after_bulk_load  # noqa: E402


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


def seed(app, args: argparse.Namespace) -> dict:
    """``--base`` facts made in Python, the peak memory of a release at that size, then copies up
    to ``--facts``; the counts and the time of each part."""
    from integration_centre.extensions import db

    with app.app_context():
        started = time.perf_counter()
        base = stats_release.add_facts(args.base, seed=1)
        made = time.perf_counter() - started
        memory_base = 0 if args.smoke else stats_release.peak_memory(stats_release.build_release)
        db.session.commit()
        timings: dict[str, float] = {}
        started = time.perf_counter()
        with contextlib.ExitStack() as load:
            if db.engine.dialect.name == "postgresql":
                raw = load.enter_context(contextlib.closing(db.engine.raw_connection()))
                load.enter_context(indexes_dropped(raw, "stats_fact", timings))
            total = multiply(args.facts)
        copied = time.perf_counter() - started - sum(timings.values())
        started = time.perf_counter()
        settle_after_bulk_load(db)
        settled = time.perf_counter() - started
    timings = {
        f"{base:,} facts made in Python and inserted": made,
        f"copied up to {total:,} (INSERT … SELECT)": copied,
        **timings,
        "VACUUM ANALYZE / ANALYZE": settled,
    }
    return {"base": base, "total": total, "memory_base": memory_base, "timings": timings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=25_000_000)
    parser.add_argument("--base", type=int, default=500_000, help="facts made in Python before copying")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite in a temporary folder)")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--keep", metavar="DIR", default=None, help="keep keyring, figures and database in DIR")
    parser.add_argument("--seed-only", action="store_true", help="seed, do not measure")
    args = parser.parse_args(argv)
    if args.smoke:
        args.facts, args.base, args.rounds = 20_000, 5_000, 1
    with contextlib.ExitStack() as stack:
        folder = bench_folder(stack, args.keep, "ic-stats-")
        saved = folder / "seeded.json"
        if saved.exists():
            app = stats_release.bench_app(folder, args.database_url)
            seeded = json.loads(saved.read_text())
        else:
            app = stats_release.build_app(folder, args.database_url)
            seeded = seed(app, args)
            saved.write_text(json.dumps(seeded))
        print(f"facts: {seeded['total']:,}")
        for label, seconds in seeded["timings"].items():
            print(f"  {label:<48} {seconds:8.1f} s")
        if args.seed_only:
            return 0
        with app.app_context():
            from integration_centre.extensions import db

            memory_full = 0 if args.smoke else stats_release.peak_memory(stats_release.build_release)
            group_by = stats_release.median_time(stats_release.raw_group_by, args.rounds)
            release = stats_release.median_time(stats_release.build_release, args.rounds)
            groups = stats_release.raw_group_by()
            print(f"database: {db.engine.dialect.name}")
        dashboard, trivial = stats_release.page_timings(app, args.rounds, 3 if args.smoke else 10)
        print(f"release {stats_release.PERIOD}, region, every catalogue table; {groups:,} grouped rows")
        print(f"raw SQL GROUP BY of the same tables: {group_by * 1000:9.1f} ms")
        print(f"publish (build, protect, check):      {release * 1000:9.1f} ms")
        print(f"ratio publish / GROUP BY: {release / group_by:.2f}x  (median of {args.rounds}; target <= 3x)")
        if not args.smoke:  # not measured at smoke size
            print(f"peak Python memory: {seeded['memory_base'] / 1e6:.1f} MB at {seeded['base']:,} facts", end=", ")
            print(f"{memory_full / 1e6:.1f} MB at {seeded['total']:,}")
        print(
            f"committee dashboard page: {dashboard * 1000:.1f} ms, trivial authenticated page: {trivial * 1000:.1f} ms"
        )
        print(f"ratio dashboard / trivial page: {dashboard / trivial:.2f}x")
        if args.database_url and not args.keep:
            with app.app_context():
                db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
