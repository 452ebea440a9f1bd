"""Benchmark: a mixed load test (locust) against the real server (gunicorn), with the p95 of each
endpoint compared to the p95 of the trivial page (``GET /healthz``) in the same run, and the
memory (RSS) of each gunicorn worker before the load, after it and after N more requests.

    python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_load \\
        --redis-url redis://127.0.0.1:6379/0 --workers 4 --threads 4 --users 50 --duration 120
    python bench/load.py --users 10 --duration 120        # one office on SQLite: 1 worker, 8 threads
    python bench/load.py --smoke                          # CI: SQLite, 5 users, 6 s of load, no Redis
    ... --keep DIR                 # keep the data (keyring, probes; SQLite file) in DIR; reuse it next time

Data (built in a child process before the server starts, timed): the quickstart demo (accounts,
persons, cases, referrals, agenda, statistics releases; ``--smoke`` loads the accounts only and
creates the schema from the models: the rest takes minutes) plus ``--persons`` encrypted persons with their cases and
nine steps each in the first office (``agent_workspace.seed``: real ciphertext and blind indexes),
whose agent (``agent@bench.example``) the agents log in as.

The server is ``integration-centre serve`` (gunicorn, gthread workers) — the README's command —
with ``INTEGRATION_CENTRE_ENV=development``, because production refuses the demo keyring and the
demo data the bench logs in with, and its ``Secure`` cookie is never sent over the plain HTTP the
bench speaks (in production TLS ends at the proxy); rate limits are on (Redis with
``--redis-url``), the per-IP login limit raised because every simulated user comes from 127.0.0.1.

Scenario (locust users, weights): agents (5) look at their dashboard lists, search a person by
family name and date of birth (POST), open a case and add a help-with-procedures task (a write);
operators (2) read their inbox tabs, open a referral and confirm it (accept) or record attendance
(a write); committee members (1) read the statistics dashboard, the funnel and the trends; a
monitor (2) polls ``GET /healthz`` (the trivial page) and ``GET /login``. Targets: no failure,
the p95 of each endpoint ≤ 3× the p95 of ``/healthz``. Logging in (``POST /login``, a memory-hard
password hash by design) is reported but not judged. Record the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

TARGET_RATIO = 3.0
TRIVIAL = "GET /healthz"
NOT_JUDGED = {"POST /login": "password hash, slow by design"}


# --------------------------------------------------------------------------------------------
# Data (child process: no gevent there)


def prepare(folder: Path, database_url: str, persons: int, full_demo: bool) -> dict:
    """Build the database and write what the simulated users need; returns it."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    import random

    import agent_workspace
    from _common import bench_app, settle_after_bulk_load
    from flask_migrate import upgrade

    from integration_centre import demo
    from integration_centre.accounts import services as accounts
    from integration_centre.accounts.models import Office, Role
    from integration_centre.extensions import db
    from integration_centre.pathway.models import Case

    started = time.perf_counter()
    app = bench_app(folder, database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if full_demo:
            upgrade(directory=app.extensions["migrate"].directory)
        else:  # CI's smoke: the models' schema (the migrations take 20 s on SQLite), stamped at the
            db.create_all()  # head so that the server's start-up check finds the latest revision
            from flask_migrate import stamp

            stamp(directory=app.extensions["migrate"].directory)
    print(f"schema: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    password = "bench load password 2026"
    modules = demo._demo_modules()
    if not full_demo:  # CI's smoke: the accounts only (the rest of the demo takes a minute)
        modules = modules[:1]
    report = demo.DemoReport(password=password)
    with app.app_context():
        for module in modules:
            begun = time.perf_counter()
            module.load(report)
            db.session.commit()
            print(f"demo {module.__name__}: {time.perf_counter() - begun:.1f} s", file=sys.stderr)
        first_id = db.session.scalars(db.select(Office.id).order_by(Office.id)).first()
        accounts.create_user(
            email=agent_workspace.AGENT_EMAIL,
            display_name="Bench Agent",
            role=Role.AGENT,
            password=agent_workspace.PASSWORD,
            office_id=first_id,
            must_change_password=False,
        )
        db.session.commit()
    demo_seconds = time.perf_counter() - started
    counts = agent_workspace.seed(app, persons, 1, random.Random(2026))
    with app.app_context():
        cases = db.session.scalars(
            db.select(Case.id)
            .where(Case.office_id == first_id, Case.status.in_(("open", "in_progress")))
            .order_by(Case.id)
            .limit(200)
        ).all()
        settle_after_bulk_load(db)
    data = {
        "demo_password": password,
        "agent_email": agent_workspace.AGENT_EMAIL,
        "agent_password": agent_workspace.PASSWORD,
        "cases": [str(c) for c in cases],
        "probes": [(f, b.isoformat()) for f, _g, b, _n in counts["probes"]],
        "persons": counts["persons"],
        "steps": counts["steps"],
        "demo_seconds": round(demo_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (folder / "load.json").write_text(json.dumps(data))
    return data


# --------------------------------------------------------------------------------------------
# The simulated users (main process, gevent)


def user_classes(data: dict):
    import random
    import re

    from locust import HttpUser, between, task

    token_re = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    version_re = re.compile(r'name="version"[^>]*value="([^"]*)"')
    referral_re = re.compile(r"/operator/referrals/([0-9a-f-]{36})")

    def token(html: str) -> str:
        match = token_re.search(html)
        return match.group(1) if match else ""

    class Client(HttpUser):
        """One connection per request, as behind nginx (its upstream default: no keep-alive)."""

        abstract = True

        def on_start(self) -> None:
            self.client.headers["Connection"] = "close"

    class LoggedIn(Client):
        abstract = True
        wait_time = between(1, 3)
        email = password = ""

        def on_start(self) -> None:
            super().on_start()
            for _attempt in range(3):  # as a person would, try again when the login did not go through
                page = self.client.get("/login", name="GET /login")
                form = {"csrf_token": token(page.text), "email": self.email, "password": self.password}
                with self.client.post(
                    "/login", data=form, name="POST /login", allow_redirects=False, catch_response=True
                ) as response:
                    if response.status_code == 302:
                        return
                    response.failure(f"login failed: {response.status_code} {response.error or ''}")

        def get(self, path: str, name: str, expect: str | None = None):
            with self.client.get(path, name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code} {response.error or ''}")
                elif expect and expect not in response.text:
                    response.failure(f"{expect!r} not in the page")
                return response

        def post(self, path: str, form: dict, name: str):
            """A form POST: 200 (form shown again) or a redirect to a page of the app."""
            with self.client.post(path, data=form, name=name, allow_redirects=False, catch_response=True) as response:
                if response.status_code not in (200, 302, 303):
                    response.failure(f"status {response.status_code} {response.error or ''}")
                return response

    class Agent(LoggedIn):
        weight = 5
        email, password = data["agent_email"], data["agent_password"]
        views = ("today", "overdue", "soon", "evaluations", "mine", "recent")

        @task(4)
        def dashboard(self) -> None:
            self.get(f"/agent?view={random.choice(self.views)}", "GET /agent?view=…", "logout-form")

        @task(3)
        def search(self) -> None:
            family, born = random.choice(data["probes"])
            page = self.get("/search", "GET /search")
            with self.client.post(
                "/search",
                data={"csrf_token": token(page.text), "family_name": family, "date_of_birth": born},
                name="POST /search",
                catch_response=True,
            ) as response:
                if response.status_code != 200 or 'data-testid="search-results"' not in response.text:
                    response.failure(f"the person was not found: {response.status_code} {response.error or ''}")

        @task(3)
        def open_case(self) -> None:
            self.get(f"/cases/{random.choice(data['cases'])}", "GET /cases/[id]")

        @task(1)
        def add_task(self) -> None:
            case = random.choice(data["cases"])
            page = self.get(f"/cases/{case}/reception/tasks", "GET /cases/[id]/reception/tasks")
            form = {"csrf_token": token(page.text), "kind": "bank_account", "title": "", "due_on": ""}
            self.post(f"/cases/{case}/reception/tasks", form, "POST /cases/[id]/reception/tasks")

    class Operator(LoggedIn):
        weight = 2
        email, password = "operator@demo.example", data["demo_password"]

        @task(3)
        def inbox(self) -> None:
            tab = random.choice(("new", "accepted", "in_progress", "done"))
            self.get(f"/operator/referrals?tab={tab}", "GET /operator/referrals?tab=…")

        @task(2)
        def confirm(self) -> None:
            inbox = self.get("/operator/referrals?tab=in_progress", "GET /operator/referrals?tab=…")
            new = self.get("/operator/referrals?tab=new", "GET /operator/referrals?tab=…")
            ids = referral_re.findall(new.text) or referral_re.findall(inbox.text)
            if not ids:
                return
            referral = random.choice(ids)
            page = self.get(f"/operator/referrals/{referral}", "GET /operator/referrals/[id]")
            html = page.text
            version = version_re.search(html)
            form = {"csrf_token": token(html), "version": version.group(1) if version else ""}
            if f"/operator/referrals/{referral}/accept" in html:
                self.post(f"/operator/referrals/{referral}/accept", form, "POST /operator/referrals/[id]/accept")
            elif f"/operator/referrals/{referral}/attendance" in html:
                form |= {"sessions": str(random.randint(1, 40)), "hours": str(random.randint(2, 120))}
                self.post(
                    f"/operator/referrals/{referral}/attendance", form, "POST /operator/referrals/[id]/attendance"
                )

    class Committee(LoggedIn):
        weight = 1
        email, password = "committee@demo.example", data["demo_password"]

        @task(3)
        def dashboard(self) -> None:
            self.get("/committee", "GET /committee")
            self.get("/statistics/", "GET /statistics/")

        @task(1)
        def funnel(self) -> None:
            self.get("/statistics/funnel", "GET /statistics/funnel")

        @task(1)
        def trends(self) -> None:
            self.get("/statistics/trends", "GET /statistics/trends")

    class Monitor(Client):
        weight = 2
        wait_time = between(0.5, 1.5)

        @task(3)
        def healthz(self) -> None:
            with self.client.get("/healthz", name=TRIVIAL, catch_response=True) as response:
                if response.status_code != 200 or '"status":"ok"' not in response.text.replace(" ", ""):
                    response.failure(f"status {response.status_code} {response.error or ''}")

        @task(1)
        def login_page(self) -> None:
            with self.client.get("/login", name="GET /login", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code} {response.error or ''}")

    return [Agent, Operator, Committee, Monitor]


def wait_for(environment, *, seconds: float | None = None, requests: int | None = None) -> float:
    """Let the running users work for ``seconds`` or until ``requests`` more requests; wall seconds."""
    import gevent

    start_count = environment.stats.total.num_requests
    started = time.perf_counter()
    if seconds is not None:
        gevent.sleep(seconds)
    else:
        while environment.stats.total.num_requests - start_count < requests:
            gevent.sleep(0.5)
    return time.perf_counter() - started


def worker_rss(master) -> list[float]:
    """RSS in MB of each gunicorn worker (children of the master), by pid."""
    return [p.memory_info().rss / 2**20 for p in sorted(master.children(), key=lambda p: p.pid)]


def server_env(folder: Path, args) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "INTEGRATION_CENTRE_ENV": "development",
            "INTEGRATION_CENTRE_INSTANCE_PATH": str(folder),
            "INTEGRATION_CENTRE_DATABASE_URL": args.database_url,
            "INTEGRATION_CENTRE_SECRET_KEY_FILE": str(folder / "secret_key"),
            "INTEGRATION_CENTRE_MASTER_KEY_FILE": str(folder / "keyring.json"),
            "INTEGRATION_CENTRE_SECURE_COOKIES": "0",
            "INTEGRATION_CENTRE_DEMO": "1",
            "INTEGRATION_CENTRE_LOGIN_IP_LIMIT": "1000 per minute",
        }
    )
    if args.redis_url:
        env["INTEGRATION_CENTRE_REDIS_URL"] = args.redis_url
    return env


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def print_stats(environment, title: str) -> bool:
    """The per-endpoint table with the p95 ratios; True when every target is met."""
    stats = environment.stats
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    trivial = next((e for e in entries if e.name == TRIVIAL), None)
    base = trivial.get_response_time_percentile(0.95) if trivial else 0
    print(f"\n{title}")
    print(f"{'endpoint':<46} {'requests':>8} {'fail':>5} {'median':>7} {'p95 ms':>7} {'max':>7} {'÷ trivial':>9}")
    ok = True
    for entry in entries:
        p95 = entry.get_response_time_percentile(0.95)
        ratio = p95 / base if base else float("nan")
        note = ""
        if entry.name in NOT_JUDGED:
            note = f"  (not judged: {NOT_JUDGED[entry.name]})"
        elif entry.name != TRIVIAL and ratio > TARGET_RATIO:
            note, ok = "  OVER TARGET", False
        print(
            f"{entry.name:<46} {entry.num_requests:>8} {entry.num_failures:>5} {entry.median_response_time:>7.0f}"
            f" {p95:>7.0f} {entry.max_response_time:>7.0f} {ratio:>8.2f}x{note}"
        )
    total = stats.total
    print(
        f"{'total':<46} {total.num_requests:>8} {total.num_failures:>5}  "
        f"({total.total_rps:.1f} requests/s; target: 0 failures, p95 ≤ {TARGET_RATIO:g}× {TRIVIAL})"
    )
    for error in stats.errors.values():
        print(f"  failure: {error.method} {error.name}: {str(error.error)[:160]} ×{error.occurrences}")
    return ok and total.num_failures == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--redis-url", default=None, help="rate-limit storage (default: in memory)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--warmup", type=float, default=15, help="seconds of load before the measure")
    parser.add_argument("--soak-requests", type=int, default=10_000, help="requests after the load, for memory")
    parser.add_argument("--persons", type=int, default=2000, help="encrypted persons added to the demo")
    parser.add_argument("--smoke", action="store_true", help="CI: SQLite, 5 users, about 10 s")
    parser.add_argument("--keep", metavar="DIR", help="keep the data in DIR; a later run with the same DIR reuses it")
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--small-demo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare:  # the child process that builds the data
        prepare(Path(args.prepare), args.database_url, args.persons, not args.small_demo)
        return 0

    import locust.env  # noqa: F401 - gevent patches the standard library here, before the rest
    import psutil
    import requests

    if args.smoke:
        args.users, args.duration, args.warmup, args.soak_requests, args.persons = 5, 6, 2, 30, 200
    with contextlib.ExitStack() as stack:
        if args.keep:
            folder = Path(args.keep)
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ic-load-")))
        args.database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        if not (folder / "load.json").exists():
            (folder / "secret_key").write_text("bench-load-secret-" + "x" * 48)
            os.chmod(folder / "secret_key", 0o600)
            child = [sys.executable, __file__, "--prepare", str(folder), "--persons", str(args.persons)]
            child += ["--database-url", args.database_url] + (["--small-demo"] if args.smoke else [])
            subprocess.run(child, check=True, stdout=subprocess.DEVNULL)
        else:
            print(f"reusing the data prepared earlier in {folder}")
        data = json.loads((folder / "load.json").read_text())
        dialect = args.database_url.split(":", 1)[0].split("+")[0]
        print(
            f"data: {dialect}; demo + {data['persons']:,} persons, {data['steps']:,} steps in the agent's office;"
            f" built in {data['seconds']} s (demo {data['demo_seconds']} s)"
        )

        port = free_port()
        command = [sys.executable, "-c", "from integration_centre.cli import main; main()", "serve"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads)]
        log = stack.enter_context((folder / "server.log").open("w"))
        server = subprocess.Popen(command, env=server_env(folder, args), stdout=subprocess.DEVNULL, stderr=log)
        try:
            host = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 600  # the app is built before gunicorn listens: slow on a busy machine
            while True:
                try:
                    if requests.get(f"{host}/healthz", timeout=10).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start:\n" + (folder / "server.log").read_text())
                time.sleep(0.5)
            started_in = time.monotonic() - deadline + 600
            master = psutil.Process(server.pid)
            time.sleep(5)  # the other workers finish booting
            rss_idle = worker_rss(master)
            print(
                f"server: integration-centre serve (gunicorn) {args.workers} worker(s) x {args.threads} threads"
                f" (answering after {started_in:.0f} s),"
                f" rate limits in {'Redis' if args.redis_url else 'memory'}; {args.users} users for"
                f" {args.duration:g} s"
            )

            from locust.env import Environment

            environment = Environment(user_classes=user_classes(data), host=host)
            runner = environment.create_local_runner()
            runner.start(args.users, spawn_rate=max(1, args.users / 5))
            wait_for(environment, seconds=args.warmup)  # logins, first connections, template compilation
            warm = environment.stats
            print(f"warm-up: {warm.total.num_requests} requests, {warm.total.num_failures} failures")
            for error in warm.errors.values():
                print(f"  warm-up failure: {error.method} {error.name}: {str(error.error)[:160]} ×{error.occurrences}")
            environment.stats.reset_all()
            wait_for(environment, seconds=args.duration)
            met = print_stats(
                environment, f"load: {args.users} users, {args.duration:g} s after {args.warmup:g} s of warm-up"
            )
            rss_loaded = worker_rss(master)
            environment.stats.reset_all()
            soak = wait_for(environment, requests=args.soak_requests)
            soak_failures = environment.stats.total.num_failures
            soak_requests = environment.stats.total.num_requests
            rss_soaked = worker_rss(master)
            runner.quit()
            print(f"\nthen {soak_requests:,} more requests in {soak:.0f} s, {soak_failures} failures")
        finally:
            server.terminate()
            server.wait(timeout=60)

    print("\nRSS per gunicorn worker, MB: before the load | after the load | after the further requests")
    worst = 0.0
    for n, (a, b, c) in enumerate(zip(rss_idle, rss_loaded, rss_soaked, strict=False)):
        growth = (c - b) / b
        worst = max(worst, growth)
        print(f"worker {n + 1}: {a:7.1f} | {b:7.1f} | {c:7.1f}   growth after the load: {growth:+.1%}")
    print(f"worst growth after the load: {worst:+.1%} (target ≤ +10%)")
    print(f"targets: {'met' if met and soak_failures == 0 and worst <= 0.10 else 'NOT MET (see above)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
