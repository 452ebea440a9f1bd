"""Benchmark: importing a commune list of N rows through the import engine, against plain inserts
of the same rows without encryption, in the same run (issue 18: ≤ 3×); and the peak memory of an
import at two sizes (issue 18: flat between 10,000 and 100,000 rows).

    python bench/bench_import.py [--rows 10000] [--memory-rows 10000 100000] [--kind csv|xlsx] [--smoke]

Ours: ``intake.services.run_import`` on the CSV bytes (file checks, encoding and delimiter
detection, column detection, every row read and validated, duplicate checks by blind index and
within the file, fingerprints, ``registration.register_many``: a data key per person, every
field encrypted, blind indexes, audit), one transaction per batch of 200. Baseline: the same CSV
read with ``csv.reader``, its dates parsed, and the rows INSERTed in clear into a plain table of the
same columns (executemany, one transaction per batch of 200) — the floor of any import. Wall
clock and CPU, median of the rounds, each round on an emptied database. For reference, the same
rows already parsed and sent straight through ``register_many`` by batches of 200 (what the engine
adds to the registration service it must use).

Memory: ``tracemalloc`` peak of a dry run (every row read, validated and checked for duplicates;
nothing written, so the database does not grow) at each size of ``--memory-rows``, after a warm-up
(the reference data loads once per process). The file's bytes are the input, not counted. The
duplicate keys met within the file are kept in the database for the run (``intake_seen_key``),
not in memory, so nothing held in memory grows with the rows but the report's warnings and
errors (none in this file).
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _privacy_common import bench_app

TARGET = 3.0
BATCH = 200
HEADER = ["Nom", "Prénom", "Date de naissance", "Sexe", "Nationalité", "Commune", "Adresse", "Date du titre de séjour",
          "Langues", "Statut de séjour"]  # fmt: skip
NATIONALITIES = ("SY", "AF", "MA", "CD", "GN", "ER", "CM", "IQ", "PS", "SO", "BR")


def rows(n: int, offset: int = 0):
    """N distinct valid rows (no two with the same family name and date of birth)."""
    for i in range(offset, offset + n):
        born = date(1960, 1, 1) + timedelta(days=i % 15000)
        yield [f"Nom{i}", "Prénom", born.strftime("%d/%m/%Y"), "FM"[i % 2], NATIONALITIES[i % len(NATIONALITIES)],
               "92094", f"Rue de Fer {i % 200 + 1}, 5000 Namur", "03/02/2025", "ar, fr", "refugee"]  # fmt: skip


def csv_bytes(n: int, offset: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(n, offset))
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(n: int, offset: int = 0) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows(n, offset):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def setup(db):
    """The centre, its office and one agent (committed)."""
    from integration_centre.accounts import services as accounts
    from integration_centre.accounts.models import Centre, Office, Role

    centre = Centre(code="CAI", name="Centre de Namur")
    db.session.add(centre)
    db.session.flush()
    office = Office(centre_id=centre.id, name="Bureau de Namur", municipality_code="92094")
    db.session.add(office)
    db.session.flush()
    agent = accounts.create_user(email="agent@bench.example", display_name="Agent", role=Role.AGENT,
                                 password="bench password " * 2, office_id=office.id, operator_id=None,
                                 centre_id=centre.id, must_change_password=False)  # fmt: skip
    key = "INTEGER PRIMARY KEY" if db.engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    db.session.execute(db.text(
        f"CREATE TABLE IF NOT EXISTS bench_plain_newcomer (id {key}, family_name TEXT, given_names TEXT, "
        "date_of_birth DATE, sex TEXT, nationality TEXT, municipality_code TEXT, address TEXT, permit_order_date DATE, "
        "languages TEXT, residence_category TEXT)"
    ))  # fmt: skip
    db.session.commit()
    return office.id, agent.id


def empty(db) -> None:
    """Remove what a round wrote (files, keys, indexes, runs; the audit chain stays) so each round starts alike."""
    for table in ("intake_row", "intake_seen_key", "intake_run", "privacy_blind_index", "newcomer",
                  "privacy_person_key", "bench_plain_newcomer"):  # fmt: skip
        db.session.execute(db.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    db.session.commit()


def ours(db, office_id: int, agent_id: int, content: bytes, name: str, dry_run: bool = False):
    from integration_centre.accounts.models import Office, User
    from integration_centre.intake import services

    office, agent = db.session.get(Office, office_id), db.session.get(User, agent_id)
    start, wall = time.process_time(), time.perf_counter()
    report = services.run_import(agent, office, io.BytesIO(content), name, batch_size=BATCH, dry_run=dry_run)
    elapsed = time.process_time() - start, time.perf_counter() - wall
    assert not report.errors and report.status in ("completed", "dry_run"), report.text()[-2000:]
    return elapsed, report


def baseline(db, content: bytes) -> tuple[float, float]:
    statement = db.text(
        "INSERT INTO bench_plain_newcomer (family_name, given_names, date_of_birth, sex, nationality, "
        "municipality_code, address, permit_order_date, languages, residence_category) VALUES (:f, :g, :d, :s, :n, "
        ":m, :a, :p, :l, :r)"
    )

    def day(text: str) -> date:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))

    start, wall = time.process_time(), time.perf_counter()
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding="utf-8", newline=""), delimiter=";")
    next(reader)
    batch = []
    for f, g, d, s, n, m, a, p, lang, r in reader:
        batch.append({"f": f, "g": g, "d": day(d), "s": s, "n": n, "m": m, "a": a, "p": day(p), "l": lang, "r": r})
        if len(batch) == BATCH:
            db.session.execute(statement, batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(statement, batch)
        db.session.commit()
    return time.process_time() - start, time.perf_counter() - wall


def registration_only(db, office_id: int, agent_id: int, n: int) -> tuple[float, float]:
    """The same rows, already parsed, straight through ``registration.register_many`` by batches
    (no file, no duplicate check, no fingerprint): what the registration service alone costs."""
    from integration_centre.accounts.models import Office, User
    from integration_centre.pathway import registration
    from integration_centre.pathway.registration import NewcomerData

    office, agent = db.session.get(Office, office_id), db.session.get(User, agent_id)
    data = []
    for f, g, d, s, nat, m, a, p, _lang, r in rows(n):
        day, month, year = (int(x) for x in d.split("/"))
        pd, pm, py = (int(x) for x in p.split("/"))
        data.append(NewcomerData(family_name=f, given_names=g, date_of_birth=date(year, month, day), sex=s,
                                 nationality=nat, residence_category=r, municipality_code=m, address=a,
                                 permit_order_date=date(py, pm, pd), languages=["ar", "fr"]))  # fmt: skip
    start, wall = time.process_time(), time.perf_counter()
    for start_at in range(0, len(data), BATCH):
        registration.register_many(agent, data[start_at : start_at + BATCH], office)
        db.session.commit()
    return time.process_time() - start, time.perf_counter() - wall


def peak_memory(db, office_id: int, agent_id: int, n: int, kind: str) -> float:
    """Peak traced memory (MB) of a dry run over ``n`` rows."""
    content = csv_bytes(n) if kind == "csv" else xlsx_bytes(n)
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        ours(db, office_id, agent_id, content, f"bench.{kind}", dry_run=True)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
        db.session.rollback()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--memory-rows", type=int, nargs=2, default=(10_000, 100_000))
    parser.add_argument("--kind", choices=("csv", "xlsx"), default="csv", help="file kind of the memory measure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny size (CI)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    n, rounds, memory_rows = (args.rows, args.rounds, args.memory_rows)
    if args.smoke:
        n, rounds, memory_rows = 200, 1, (200, 1000)
    app = bench_app(args.database_url)
    with app.app_context():
        from integration_centre.extensions import db

        office_id, agent_id = setup(db)
        content = csv_bytes(n)
        results = []
        for _ in range(rounds):
            empty(db)
            base = baseline(db, content)
            empty(db)
            mine, report = ours(db, office_id, agent_id, content, "bench.csv")
            assert report.created.count == n
            empty(db)
            service = registration_only(db, office_id, agent_id, n)
            results.append((base, mine, service))
        empty(db)
        # Warm-up: the reference data (countries, languages, municipalities) loads once per process.
        ours(db, office_id, agent_id, csv_bytes(20, offset=10**6), "warm.csv", dry_run=True)
        peaks = [peak_memory(db, office_id, agent_id, size, args.kind) for size in memory_rows]
    base_cpu = statistics.median(r[0][0] for r in results)
    base_wall = statistics.median(r[0][1] for r in results)
    ours_cpu = statistics.median(r[1][0] for r in results)
    service_wall = statistics.median(r[2][1] for r in results)
    ours_wall = statistics.median(r[1][1] for r in results)
    print(f"rows: {n}, batch: {BATCH}, median of {rounds} round(s), CPU / wall")
    print(f"plain INSERT of the parsed rows, no encryption: {base_cpu:.3f} s / {base_wall:.3f} s "
          f"({base_wall / n * 1e3:.3f} ms/row wall)")  # fmt: skip
    print(f"import (run_import, encrypted, indexed, audited): {ours_cpu:.3f} s / {ours_wall:.3f} s "
          f"({ours_wall / n * 1e3:.3f} ms/row wall)")  # fmt: skip
    ratio, wall_ratio = ours_cpu / base_cpu, ours_wall / base_wall
    verdict = "OK" if max(ratio, wall_ratio) <= TARGET else "OVER TARGET"
    print(f"ratio: CPU {ratio:.1f}x, wall {wall_ratio:.1f}x (target <= {TARGET:g}x) -> {verdict}")
    print(f"for reference, the same rows straight through registration.register_many: {service_wall:.3f} s wall "
          f"-> the import costs {ours_wall / service_wall:.2f}x the registration service alone")  # fmt: skip
    small, large = memory_rows
    print(f"peak memory of a dry run ({args.kind}, tracemalloc): {small} rows {peaks[0]:.1f} MB, "
          f"{large} rows {peaks[1]:.1f} MB (x{peaks[1] / peaks[0]:.2f} for x{large / small:g} rows)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
