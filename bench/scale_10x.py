"""Benchmark at 10x data: the agent's dashboard and search (``agent_workspace``) on PostgreSQL at
1,000,000 encrypted persons and about 10,000,000 steps, seeded fast, measured by
``agent_workspace.py`` itself on the seeded database.

    python bench/scale_10x.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_scale \\
        --persons 1000000 --keep /var/tmp/ic-scale          # the 10x target (1M persons, ~10M steps)
    python bench/scale_10x.py --database-url ... --persons 200000 --keep /var/tmp/ic-scale-200k
    python bench/scale_10x.py --smoke                       # CI: SQLite, 300 persons, seeding only checked

Data: the same rows as ``agent_workspace.seed`` (one case per person plus an earlier, closed case
for one person in nine, nine steps a case, a schedule row a case, over ``--offices`` offices),
written the fast way. Persons are made in Python with the real functions — a random data key
wrapped under the keyring's KEK, family name, given names, date of birth and NISS each sealed by
``crypto.encrypt_field`` for its own row and column, the three blind-index entries by
``blind_index.index_value`` — and written with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``),
as are the cases. Steps and schedules hold nothing encrypted: ``INSERT … SELECT`` over the cases
(``generate_series`` for the nine steps). The seeding time of each part is printed. With
``--keep DIR`` the keyring, the probes and the database stay for ``agent_workspace.py --keep DIR``
(and for a second run of this script, which then only measures).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import agent_workspace  # noqa: E402
from _common import bench_folder, copy_rows, indexes_dropped, settle_after_bulk_load  # noqa: E402

BATCH = 20_000
NEWCOMER = ("id", "registered_by_office_id", "family_name_ct", "given_names_ct", "date_of_birth_ct", "niss_ct",
            "created_at", "updated_at")  # fmt: skip
KEY = ("person_id", "key_version", "kek_id", "wrapped", "created_at")
INDEX = ("index_name", "person_id", "value")
CASE = ("id", "person_id", "office_id", "centre_id", "definition_code", "definition_version", "status",
        "participation", "needs", "opened_on", "started_on", "agreement_signed_on", "deadline_extended_months",
        "opened_by_id", "last_change_at", "version", "created_at", "updated_at")  # fmt: skip

STEPS_SQL = """
INSERT INTO pathway_step (id, case_id, person_id, step_code, "order", state, hours, evidence, planned_on,
                          created_at, updated_at)
SELECT gen_random_uuid(), c.id, c.person_id, (ARRAY[{codes}])[g], g * 10,
       CASE WHEN g - 1 < d.done THEN 'completed'
            WHEN g - 1 = d.done AND random() < 0.3 THEN 'planned' ELSE 'pending' END,
       0, '[]'::json,
       CASE WHEN g - 1 = d.done THEN current_date + (random() * 80 - 20)::int END,
       now(), now()
FROM pathway_case c
CROSS JOIN LATERAL (SELECT CASE WHEN c.status IN ('open', 'in_progress', 'suspended')
                                THEN (random() * 9.99)::int ELSE 9 END AS done) d
CROSS JOIN generate_series(1, 9) g
"""
# 'planned' only where the state says so (the CASE above may pick 'pending' for the same g).
STEPS_FIX_SQL = "UPDATE pathway_step SET planned_on = NULL WHERE state <> 'planned' AND planned_on IS NOT NULL"
SCHEDULE_SQL = """
INSERT INTO workspace_case_schedule (case_id, office_id, person_id, report_by, completion_deadline,
    next_evaluation_on, next_action_on, noncompliance_status, opened_on, last_change_at, refreshed_at)
SELECT c.id, c.office_id, c.person_id, c.opened_on + 60,
       CASE WHEN active THEN c.opened_on + (CASE WHEN random() < 0.5 THEN 540 ELSE 1095 END)
                              + (random() * 400 - 200)::int END,
       CASE WHEN active THEN ev END,
       CASE WHEN active THEN least(ev, current_date + (random() * 120 - 30)::int) END,
       NULL, c.opened_on, c.last_change_at, now()
FROM (SELECT c.*, c.status IN ('open', 'in_progress', 'suspended') AS active,
             coalesce(c.agreement_signed_on, c.opened_on) + 183 * (1 + (random() * 3.99)::int) AS ev
      FROM pathway_case c) c
"""


def seed(app, persons: int, offices: int, rng: random.Random) -> dict:
    """Seed ``persons`` persons with their cases, steps and schedules; counts, timings and probes."""
    from integration_centre.accounts.models import Office, User
    from integration_centre.extensions import db
    from integration_centre.pathway import demo_people
    from integration_centre.privacy import blind_index, crypto, runtime

    single = demo_people.all_family_names()
    families = sorted({*single, *(f"{a}-{b}" for a in single for b in single if a != b)})
    givens = demo_people.all_given_names()
    today, now = date.today(), datetime.now(UTC)
    probes, timings = [], {}
    with app.app_context():
        ring = runtime.keyring()
        runtime.ensure_checks()
        office_ids = [o.id for o in db.session.scalars(db.select(Office).order_by(Office.id))][:offices]
        centre_id = db.session.scalar(db.select(Office.centre_id))
        agent_id = db.session.scalar(db.select(User.id).where(User.email == agent_workspace.AGENT_EMAIL))
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
        raw = db.engine.raw_connection()
        cases = 0
        started = time.perf_counter()
        make = write = 0.0
        try:
            for start in range(0, persons, BATCH):
                t0 = time.perf_counter()
                rows = {"newcomer": [], "key": [], "index": [], "case": []}
                for n in range(start, min(persons, start + BATCH)):
                    pid = uuid.uuid4()
                    family, given = rng.choice(families), rng.choice(givens)
                    born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
                    niss = agent_workspace._niss(born, n)
                    office = office_ids[n % len(office_ids)]
                    data_key = rng.randbytes(32)
                    kek_id, wrapped = ring.wrap(data_key, person_id=pid, key_version=1)
                    rows["key"].append((pid, 1, kek_id, wrapped, now))

                    def sealed(kind, value, column, bucket=None, pid=pid, data_key=data_key):
                        return crypto.encrypt_field(
                            data_key, 1, crypto.encode_value(kind, value, bucket),
                            table="newcomer", column=column, row_id=pid, person_id=pid,
                        )  # fmt: skip

                    rows["newcomer"].append(
                        (pid, office, sealed("str", family, "family_name_ct"), sealed("str", given, "given_names_ct"),
                         sealed("date", born, "date_of_birth_ct"), sealed("str", niss, "niss_ct", 16), now, now)
                    )  # fmt: skip
                    nf, ng = blind_index.normalise(family), blind_index.normalise(given)
                    for name, parts in (
                        ("name_dob", (nf, ng, born.isoformat())),
                        ("family_dob", (nf, born.isoformat())),
                        ("niss", (niss,)),
                    ):
                        rows["index"].append((name, pid, blind_index.index_value(name, *parts)))
                    if office == office_ids[0] and len(probes) < 50:
                        probes.append((family, given, born.isoformat(), niss))
                    for earlier in (True, False) if n % 9 == 0 else (False,):
                        rows["case"].append(_case(rng, pid, office, centre_id, agent_id, today, now, earlier))
                t1 = time.perf_counter()
                make += t1 - t0
                _write(raw, postgres, "newcomer", NEWCOMER, rows["newcomer"])
                _write(raw, postgres, "privacy_person_key", KEY, rows["key"])
                _write(raw, postgres, "privacy_blind_index", INDEX, rows["index"])
                _write(raw, postgres, "pathway_case", CASE, rows["case"])
                raw.commit()
                db.session.commit()
                write += time.perf_counter() - t1
                cases += len(rows["case"])
            timings["persons and cases: made in Python (encryption)"] = make
            timings["persons and cases: written (COPY)" if postgres else "persons and cases: written"] = write
            cursor = raw.cursor()
            codes = ", ".join(f"'{c}'" for c in agent_workspace.STEP_CODES)
            if postgres:
                with indexes_dropped(raw, "pathway_step", timings):
                    _timed_sql(raw, timings, "steps: INSERT … SELECT generate_series", STEPS_SQL.format(codes=codes))
                    _timed_sql(raw, timings, "steps: planned dates", STEPS_FIX_SQL)
                _timed_sql(raw, timings, "schedules: INSERT … SELECT", SCHEDULE_SQL)
            else:
                t0 = time.perf_counter()
                _steps_and_schedules_in_python(app)
                timings["steps and schedules (Python, SQLite)"] = time.perf_counter() - t0
            cursor.execute("SELECT count(*) FROM pathway_step")
            steps = cursor.fetchone()[0]
        finally:
            raw.close()
        t0 = time.perf_counter()
        settle_after_bulk_load(db)
        timings["VACUUM ANALYZE" if postgres else "ANALYZE"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - started
    return {"persons": persons, "cases": cases, "steps": steps, "probes": probes, "timings": timings}


def _case(rng, pid, office, centre_id, agent_id, today, now, earlier: bool) -> tuple:
    """One case row (as ``agent_workspace._case_rows`` makes it)."""
    opened = today - timedelta(days=rng.randrange(30, 1100))
    if earlier:
        status, opened = "closed", opened - timedelta(days=400)
    else:
        status = rng.choices(["open", "in_progress", "suspended", "completed", "closed"], [5, 70, 5, 15, 5])[0]
    signed = opened + timedelta(days=rng.randrange(10, 60))
    changed = now - timedelta(hours=rng.randrange(0, 24 * 400))
    return (uuid.uuid4(), pid, office, centre_id, "wallonia", "2025" if opened.year >= 2025 else "2018", status,
            "obliged", "[]", opened, opened, signed if status != "open" else None, 0,
            agent_id if rng.random() < 0.2 else None, changed, 1, now, now)  # fmt: skip


def _timed_sql(raw, timings: dict[str, float], label: str, sql: str) -> None:
    """Run ``sql`` and commit; its time recorded under ``label``."""
    started = time.perf_counter()
    raw.cursor().execute(sql)
    raw.commit()
    timings[label] = time.perf_counter() - started


def _write(raw, postgres: bool, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """``COPY`` on PostgreSQL (psycopg 3); a core INSERT elsewhere (the smoke's SQLite)."""
    if postgres:
        copy_rows(raw, table, columns, rows)
        return
    from integration_centre.extensions import db

    values = [{c: ([] if v == "[]" else v) for c, v in zip(columns, row, strict=True)} for row in rows]
    db.session.execute(db.metadata.tables[table].insert(), values)


def _steps_and_schedules_in_python(app) -> None:
    """The smoke's SQLite: the same steps and schedules, made row by row (no generate_series)."""
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case, StepInstance
    from integration_centre.workspace.models import CaseSchedule

    rng, today, now = random.Random(9), date.today(), datetime.now(UTC)
    steps, schedules = [], []
    for case in db.session.execute(db.select(Case.__table__)).mappings():
        active = case["status"] in ("open", "in_progress", "suspended")
        done = rng.randrange(10) if active else 9
        for order, code in enumerate(agent_workspace.STEP_CODES):
            state = "completed" if order < done else ("planned" if order == done and rng.random() < 0.3 else "pending")
            steps.append({"id": uuid.uuid4(), "case_id": case["id"], "person_id": case["person_id"],
                          "step_code": code, "order": (order + 1) * 10, "state": state, "hours": 0, "evidence": [],
                          "planned_on": today if state == "planned" else None,
                          "created_at": now, "updated_at": now})  # fmt: skip
        evaluation = (case["agreement_signed_on"] or case["opened_on"]) + timedelta(days=183)
        schedules.append({"case_id": case["id"], "office_id": case["office_id"], "person_id": case["person_id"],
                          "report_by": case["opened_on"] + timedelta(days=60),
                          "completion_deadline": case["opened_on"] + timedelta(days=540) if active else None,
                          "next_evaluation_on": evaluation if active else None,
                          "next_action_on": evaluation if active else None, "noncompliance_status": None,
                          "opened_on": case["opened_on"], "last_change_at": case["last_change_at"],
                          "refreshed_at": now})  # fmt: skip
    db.session.execute(StepInstance.__table__.insert(), steps)
    db.session.execute(CaseSchedule.__table__.insert(), schedules)
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite, for --smoke only)")
    parser.add_argument("--keep", metavar="DIR", default=None, help="keep keyring, probes and database in DIR")
    parser.add_argument("--seed-only", action="store_true", help="seed, do not measure")
    parser.add_argument("--index-bits", type=int, default=None, help="PRIVACY_INDEX_BITS of the measuring app")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI (SQLite, seeding checked)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.rounds = 300, 2
    with contextlib.ExitStack() as stack:
        folder = bench_folder(stack, args.keep, "ic-scale-")
        saved = folder / "seeded.json"
        if not saved.exists():
            app = agent_workspace.build_app(folder, args.database_url)
            result = seed(app, args.persons, args.offices, random.Random(2026))
            print(f"seeded {result['persons']:,} persons, {result['cases']:,} cases, {result['steps']:,} steps")
            for label, seconds in result["timings"].items():
                print(f"  {label:<50} {seconds:8.1f} s")
            stored = {k: result[k] for k in ("persons", "cases", "steps", "probes")}
            saved.write_text(json.dumps(stored))
        if args.seed_only:
            return 0
        measure = ["--keep", str(folder), "--rounds", str(args.rounds), "--offices", str(args.offices)]
        if args.database_url:
            measure += ["--database-url", args.database_url]
        if args.index_bits is not None:
            measure += ["--index-bits", str(args.index_bits)]
        return agent_workspace.main(measure)


if __name__ == "__main__":
    sys.exit(main())
