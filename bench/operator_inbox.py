"""Benchmark: the operator's referral inbox with 10,000 referrals in a database of 1,000,000 steps,
against the app's own trivial authenticated page (the change-password form) in the same run.

    python bench/operator_inbox.py                    # 111,112 cases, ~1,000,000 steps, SQLite
    python bench/operator_inbox.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_bench
    python bench/operator_inbox.py --database-url ... --steps 10000000 --keep /var/tmp/ic-inbox   # the 10x size
    python bench/operator_inbox.py --smoke            # tiny run for CI

Data (bulk core INSERTs, no ORM): persons (ids only: the inbox never reads a person), cases with
their nine steps each (≈1,000,000 step rows) over 20 offices, and referrals of French-course and
citizenship steps: ``--referrals`` (default 10,000) to the benchmark operator's organisation in
every state (sent, accepted, in progress, done) and as many again to 9 other organisations, each
with its history rows. Measured through Flask's test client, logged in as an operator user
(median of rounds, after a warm-up): each inbox tab (first page, 25 rows), a deep page, the
search by reference (POST, CSRF token included) and one referral page (the person's contact
details decrypted and audited); the SQL statements of one inbox page are counted too. Record the
results in docs/benchmarks.md. On PostgreSQL the rows are written with ``COPY``, the step table's
secondary indexes dropped during the load and rebuilt after; with ``--keep DIR`` the keyring, the
probe and the database stay for a second run, which then only measures (``--seed-only`` stops
after the seeding).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import (  # noqa: E402
    bench_app,
    bench_folder,
    centre_with_offices,
    copy_rows,
    csrf_token,
    dialect_of,
    getter,
    indexes_dropped,
    settle_after_bulk_load,
    statements_of,
)
from _common import login as login_as  # noqa: E402

PASSWORD = "bench operator password 2026"
OPERATOR_EMAIL = "operator@bench.example"
STEP_CODES = (
    "social_assessment",
    "rights_and_duties",
    "language_test",
    "admin_help",
    "agreement",
    "french_course",
    "citizenship",
    "orientation",
    "certificate",
)
STATES = ["sent", "accepted", "in_progress", "completed", "declined", "abandoned", "withdrawn"]
STATE_WEIGHTS = [10, 10, 30, 35, 5, 5, 5]
BATCH = 5000


def build_app(folder: Path, database_url: str | None, *, reuse: bool = False):
    """The application on a fresh database: a centre, 20 offices, 10 operator organisations, one
    operator user; with ``reuse``, on the database an earlier ``--keep`` run seeded."""
    from integration_centre.accounts import services as accounts
    from integration_centre.accounts.models import OperatorOrganisation, Role
    from integration_centre.extensions import db

    app = bench_app(folder, database_url)
    if reuse:
        return app
    with app.app_context():
        db.drop_all()
        db.create_all()
        centre = centre_with_offices(db)
        db.session.add_all([OperatorOrganisation(name=f"Opérateur {n + 1}", centre_id=centre.id) for n in range(10)])
        db.session.flush()
        first = db.session.scalars(db.select(OperatorOrganisation).order_by(OperatorOrganisation.id)).first()
        accounts.create_user(
            email=OPERATOR_EMAIL,
            display_name="Bench Operator",
            role=Role.OPERATOR,
            password=PASSWORD,
            operator_id=first.id,
            must_change_password=False,
        )
        db.session.commit()
    return app


def seed(app, steps_target: int, referrals: int, rng: random.Random) -> dict:
    """Insert persons, cases, ~``steps_target`` steps and 2 × ``referrals`` referrals (bulk)."""
    from integration_centre.accounts.models import Office, OperatorOrganisation, User
    from integration_centre.extensions import db
    from integration_centre.operators.models import Referral, ReferralEvent
    from integration_centre.pathway.models import Case, Newcomer, StepInstance

    today = date.today()
    now = datetime.now(UTC)
    cases_total = steps_target // len(STEP_CODES) + 1
    with app.app_context():
        office_ids = list(db.session.scalars(db.select(Office.id).order_by(Office.id)))
        operator_ids = list(db.session.scalars(db.select(OperatorOrganisation.id).order_by(OperatorOrganisation.id)))
        centre_id = db.session.scalar(db.select(Office.centre_id))
        user_id = db.session.scalar(db.select(User.id).where(User.email == OPERATOR_EMAIL))
        mine, others = referrals, referrals
        counts = {"cases": 0, "steps": 0, "referrals": 0, "mine": 0, "events": 0}
        number = 0
        probe = None
        db.session.commit()
        write = _writer(db)
        load = contextlib.ExitStack()
        if db.engine.dialect.name == "postgresql":
            load.enter_context(indexes_dropped(write.raw, "pathway_step", counts.setdefault("timings", {})))
        for start in range(0, cases_total, BATCH):
            rows = {"person": [], "case": [], "step": [], "referral": [], "event": []}
            for n in range(start, min(cases_total, start + BATCH)):
                pid, cid = uuid.uuid4(), uuid.uuid4()
                office = office_ids[n % len(office_ids)]
                opened = today - timedelta(days=rng.randrange(30, 900))
                rows["person"].append(
                    {"id": pid, "registered_by_office_id": office, "created_at": now, "updated_at": now}
                )
                rows["case"].append(
                    {
                        "id": cid, "person_id": pid, "office_id": office, "centre_id": centre_id,
                        "definition_code": "wallonia", "definition_version": "2025", "status": "in_progress",
                        "participation": "obliged", "needs": [], "opened_on": opened, "started_on": opened,
                        "deadline_extended_months": 0, "last_change_at": now, "version": 1,
                        "created_at": now, "updated_at": now,
                    }
                )  # fmt: skip
                step_ids = {}
                for order, code in enumerate(STEP_CODES):
                    step_ids[code] = uuid.uuid4()
                    rows["step"].append(
                        {
                            "id": step_ids[code], "case_id": cid, "person_id": pid, "step_code": code,
                            "order": (order + 1) * 10, "state": "completed" if order < 5 else "pending",
                            "hours": 0, "evidence": [], "created_at": now, "updated_at": now,
                        }
                    )  # fmt: skip
                if mine + others == 0:
                    continue
                to_me = mine > 0 and (others == 0 or rng.random() < 0.5)
                if to_me:
                    mine -= 1
                    operator = operator_ids[0]
                else:
                    others -= 1
                    operator = rng.choice(operator_ids[1:])
                code = rng.choice(["french_course", "citizenship"])
                state = rng.choices(STATES, STATE_WEIGHTS)[0]
                sent = opened + timedelta(days=rng.randrange(10, 25))
                updated = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
                number += 1
                rid = uuid.uuid4()
                reference = f"R-{sent.year}-{number:06d}"
                if to_me and probe is None and state == "in_progress":
                    probe = (rid, reference)
                rows["referral"].append(
                    {
                        "id": rid, "reference": reference, "case_id": cid, "step_id": step_ids[code],
                        "person_id": pid, "office_id": office, "operator_id": operator, "step_code": code,
                        "service_type": code, "state": state, "deadline": opened + timedelta(days=540),
                        "sent_on": sent, "sent_at": updated, "updated_at": updated,
                        "sessions": rng.randrange(0, 40), "hours": rng.randrange(0, 120), "version": 1,
                    }
                )  # fmt: skip
                for action, to_state in (("send", "sent"), ("accept", "accepted"), ("start", "in_progress")):
                    rows["event"].append(
                        {
                            "id": uuid.uuid4(), "referral_id": rid, "office_id": office, "at": updated,
                            "actor_id": user_id, "actor_role": "operator", "action": action, "to_state": to_state,
                        }
                    )  # fmt: skip
                    if to_state == state or state in ("sent", "declined", "withdrawn"):
                        break
                counts["mine"] += to_me
            write(Newcomer.__table__, rows["person"])
            write(Case.__table__, rows["case"])
            write(StepInstance.__table__, rows["step"])
            write(Referral.__table__, rows["referral"])
            write(ReferralEvent.__table__, rows["event"])
            write.commit()
            counts["cases"] += len(rows["case"])
            counts["steps"] += len(rows["step"])
            counts["referrals"] += len(rows["referral"])
            counts["events"] += len(rows["event"])
        load.close()
        write.close()
        settle_after_bulk_load(db)
    counts["probe"] = probe
    return counts


class _writer:
    """Bulk rows into a table: ``COPY`` on a raw connection on PostgreSQL, core INSERTs elsewhere."""

    def __init__(self, db) -> None:
        self.db = db
        self.raw = db.engine.raw_connection() if db.engine.dialect.name == "postgresql" else None

    def __call__(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        if self.raw is None:
            self.db.session.execute(table.insert(), rows)
            return
        columns = list(rows[0])
        copy_rows(self.raw, table.name, columns, [[row[c] for c in columns] for row in rows])

    def commit(self) -> None:
        (self.raw or self.db.session).commit()

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()


def give_probe_a_person(app, referral_id) -> None:
    """Encrypt contact details for the probe referral's person (the referral page decrypts them)."""
    from integration_centre.extensions import db
    from integration_centre.operators.models import Referral
    from integration_centre.pathway.models import Newcomer
    from integration_centre.privacy.access import Actor, access

    with app.app_context():
        person = db.session.get(Newcomer, db.session.get(Referral, referral_id).person_id)
        with access(Actor.system("bench"), "bench.seed", [person.id], action="update"):
            person.given_names, person.family_name = "Amira", "Benchmark"
            person.phone, person.email, person.preferred_language = "+32 470 00 00 00", "a@example.org", "ar"
        db.session.commit()


def median_time(call: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``call`` over ``rounds`` (after one warm-up)."""
    call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def paired_times(call: Callable[[], object], baseline: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Medians of ``call`` and ``baseline`` measured alternately, so both see the same machine load."""
    call()
    baseline()
    measured, base = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        baseline()
        base.append(time.perf_counter() - start)
        start = time.perf_counter()
        call()
        measured.append(time.perf_counter() - start)
    return statistics.median(measured), statistics.median(base)


def login(app):
    """A test client logged in as the benchmark's operator user."""
    return login_as(app, OPERATOR_EMAIL, PASSWORD)


def count_statements(app, client, path: str) -> int:
    """SQL statements run for one GET of ``path``."""
    return len(statements_of(app, client, path))


def options(description: str, argv: list[str] | None) -> argparse.Namespace:
    """The options of the benchmarks on this caseload (this one and ``api_referrals.py``); with
    ``--smoke`` the sizes and rounds are the tiny ones."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=10_000, help="referrals of the benchmark operator")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--keep", metavar="DIR", default=None, help="keep keyring, probe and database in DIR")
    parser.add_argument("--seed-only", action="store_true", help="seed, do not measure")
    args = parser.parse_args(argv)
    if args.smoke:
        args.steps, args.referrals, args.rounds = 2000, 100, 3
    return args


def seeded_caseload(folder: Path, args: argparse.Namespace) -> tuple:
    """(app, counts, seconds): the caseload seeded (reproducible), its probe referral's person
    given contact details; with ``--keep`` the one an earlier run left in ``folder`` (0 seconds)."""
    saved = folder / "seeded.json"
    if saved.exists():
        counts = json.loads(saved.read_text())
        counts["probe"] = (uuid.UUID(counts["probe"][0]), counts["probe"][1])
        return build_app(folder, args.database_url, reuse=True), counts, 0.0
    app = build_app(folder, args.database_url)
    started = time.perf_counter()
    counts = seed(app, args.steps, args.referrals, random.Random(2026))
    seeding = time.perf_counter() - started
    give_probe_a_person(app, counts["probe"][0])
    if getattr(args, "keep", None):
        saved.write_text(json.dumps({**counts, "probe": [str(counts["probe"][0]), counts["probe"][1]]}))
    return app, counts, seeding


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__.splitlines()[0], argv)
    rounds = args.rounds
    with contextlib.ExitStack() as stack:
        app, counts, seeding = seeded_caseload(bench_folder(stack, args.keep, "ic-inbox-"), args)
        referral_id, reference = counts["probe"]
        print(f"database: {dialect_of(app)}; seeded in {seeding:.1f} s")
        for label, seconds in counts.get("timings", {}).items():
            print(f"  {label:<50} {seconds:8.1f} s")
        if args.seed_only:
            return 0
        print(
            f"cases: {counts['cases']:,}  steps: {counts['steps']:,}  referrals: {counts['referrals']:,} "
            f"(the operator's: {counts['mine']:,})  history rows: {counts['events']:,}"
        )
        client = login(app)

        get = getter(client)

        def post_search() -> Callable[[], None]:
            token = csrf_token(client.get("/operator/referrals").get_data(as_text=True))

            def call() -> None:
                response = client.post("/operator/referrals/search", data={"csrf_token": token, "reference": reference})
                assert response.status_code == 302 and str(referral_id) in response.headers["Location"]

            return call

        baseline = get("/account/password")
        trivial = median_time(baseline, rounds)
        print(f"\nbaseline  GET /account/password (trivial authenticated page): {trivial * 1000:7.2f} ms")
        print("each page is timed alternately with the baseline (same load); ratio = page / its baseline")
        print(f"{'page':<58} {'ms':>8} {'base ms':>8} {'ratio':>7}")
        worst = 0.0
        tabs = ("new", "accepted", "in_progress", "done")
        pages = [(f"inbox: {tab}", f"/operator/referrals?tab={tab}") for tab in tabs]
        pages.append(("inbox: done, page 100", "/operator/referrals?tab=done&page=100"))
        pages.append(
            ("inbox: in progress, French course only", "/operator/referrals?tab=in_progress&service_type=french_course")
        )
        measured = [(label, get(path)) for label, path in pages]
        measured.append(("search by reference (POST, redirect)", post_search()))
        measured.append(("referral page (contact details decrypted)", get(f"/operator/referrals/{referral_id}")))
        for label, call in measured:
            value, base = paired_times(call, baseline, rounds)
            ratio = value / base
            if not label.startswith("referral page"):
                worst = max(worst, ratio)
            print(f"{label:<58} {value * 1000:8.2f} {base * 1000:8.2f} {ratio:6.2f}x")
        statements = count_statements(app, client, "/operator/referrals?tab=done")
        print(f"\nSQL statements for one inbox page: {statements}")
        print(f"worst inbox ratio: {worst:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
