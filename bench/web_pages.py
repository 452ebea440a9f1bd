"""Benchmark: cost of serving the login page and an authenticated home page, against the
framework's floor (a bare Flask "hello" route), measured in the same run.

    python bench/web_pages.py            # full run (a few seconds)
    python bench/web_pages.py --smoke    # tiny run for CI: checks the benchmark still works

The application runs in-process through Flask's test client (no network, no server), on a
fresh SQLite database in a temporary folder with the demo accounts loaded. The figures are the
median time per request over several rounds; the ratio says how many bare Flask requests one
page costs. Record the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_app  # noqa: E402 - path set above

PASSWORD = "bench demo password 2026"


def build_app(folder: Path) -> Flask:
    """The application on a fresh SQLite database in ``folder``, with the demo accounts."""
    from integration_centre.accounts import demo as accounts_demo
    from integration_centre.demo import DemoReport
    from integration_centre.extensions import db

    app = bench_app(folder)
    with app.app_context():
        db.create_all()
        accounts_demo.load(DemoReport(password=PASSWORD))  # the pages need the accounts only
        db.session.commit()
    return app


def bare_flask() -> Flask:
    """The floor: the smallest Flask application answering a text route."""
    app = Flask("hello")

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    return app


def measure(request: Callable[[], object], count: int, rounds: int) -> float:
    """Median seconds per call of ``request`` over ``rounds`` rounds of ``count`` calls."""
    request()  # warm up (template compilation, first connection)
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            request()
        timings.append((time.perf_counter() - start) / count)
    return statistics.median(timings)


def checked_get(client, path: str, expected: bytes) -> Callable[[], object]:
    """A GET of ``path`` that must answer 200 with ``expected`` in the page."""

    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert expected in response.data, (path, expected)
        return response

    return get


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--count", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median is kept)")
    args = parser.parse_args(argv)
    count, rounds = (10, 2) if args.smoke else (args.count, args.rounds)

    with tempfile.TemporaryDirectory(prefix="ic-bench-") as folder:
        app = build_app(Path(folder))
        anonymous = app.test_client()
        agent = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', agent.get("/login").get_data(as_text=True))
        assert token, "no CSRF token on the login page"
        form = {"csrf_token": token.group(1), "email": "agent@demo.example", "password": PASSWORD}
        response = agent.post("/login", data=form)
        assert response.status_code == 302 and response.headers["Location"].endswith("/agent"), response.status
        floor_client = bare_flask().test_client()

        floor = measure(checked_get(floor_client, "/hello", b"hello"), count, rounds)
        results = [
            ("bare Flask route (floor)", floor),
            ("login page, anonymous", measure(checked_get(anonymous, "/login", b'lang="fr"'), count, rounds)),
            ("agent home, logged in", measure(checked_get(agent, "/agent", b"logout-form"), count, rounds)),
        ]

    print(f"web pages through the test client: {count} requests x {rounds} rounds, median per request")
    print(f"{'operation':<28} {'ms/request':>11} {'requests/s':>11} {'x floor':>8}")
    for name, seconds in results:
        print(f"{name:<28} {seconds * 1000:>11.3f} {1 / seconds:>11.0f} {seconds / floor:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
