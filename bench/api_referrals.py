"""Benchmark: the REST API referral list for an operator with 10,000 referrals in a database of
1,000,000 steps, against the app's trivial authenticated page in the same run.

    python bench/api_referrals.py                    # ~1,000,000 steps, 10,000 referrals, SQLite
    python bench/api_referrals.py --database-url postgresql+psycopg://postgres@127.0.0.1/ic_bench
    python bench/api_referrals.py --smoke            # tiny run for CI

The data is built by ``bench/operator_inbox.py`` (the same synthetic caseload as the web inbox
benchmark: bulk inserts, the operator's referrals in every state and as many to 9 other
organisations). An API token is created for the operator user. Measured through Flask's test
client (median of rounds after a warm-up): ``GET /api/v1/referrals`` (first page, a state filter,
``updated_since``, a deep page, 100 per page) and one referral (contact details decrypted and
audited), each with the bearer token (looked up and checked on every request) — against the
trivial authenticated page ``GET /account/password`` with a logged-in session, and the token's own
``GET /api/v1/token`` as a second floor. Record the results in docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from _common import dialect_of, getter  # noqa: E402 - path set above
from operator_inbox import OPERATOR_EMAIL, login, median_time, options, seeded_caseload  # noqa: E402


def create_token(app) -> str:
    """A token for the benchmark's operator user (both referral scopes)."""
    from integration_centre.accounts.services import find_user_by_email
    from integration_centre.api import tokens
    from integration_centre.extensions import db

    with app.app_context():
        user = find_user_by_email(OPERATOR_EMAIL)
        created = tokens.create_token(user, "bench", ["referrals:read", "referrals:write"], lifetime_days=1)
        db.session.commit()
        return created.secret


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__.splitlines()[0], argv)
    rounds = args.rounds
    with tempfile.TemporaryDirectory() as folder:
        app, counts, seeding = seeded_caseload(Path(folder), args)
        referral_id, _reference = counts["probe"]
        secret = create_token(app)
        print(f"database: {dialect_of(app)}; seeded in {seeding:.1f} s")
        print(
            f"cases: {counts['cases']:,}  steps: {counts['steps']:,}  referrals: {counts['referrals']:,} "
            f"(the operator's: {counts['mine']:,})"
        )
        browser = login(app)
        api = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}

        page = getter(browser)

        def endpoint(path: str, expect_items: bool = True) -> Callable[[], None]:
            def call() -> None:
                response = api.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code)
                if expect_items:
                    assert response.get_json()["items"], path

            return call

        trivial = median_time(page("/account/password"), rounds)
        token_floor = median_time(endpoint("/api/v1/token", expect_items=False), rounds)
        print(f"\nbaseline  GET /account/password (trivial authenticated page): {trivial * 1000:7.2f} ms")
        print(f"floor     GET /api/v1/token (token checked, nothing read):     {token_floor * 1000:7.2f} ms")
        print(f"{'API request':<58} {'ms':>8} {'ratio':>7}")
        since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        deep = max(1, min(100, counts["mine"] // 25))
        measured = [
            ("list, first page (25)", endpoint("/api/v1/referrals")),
            ("list, state=in_progress", endpoint("/api/v1/referrals?state=in_progress")),
            ("list, updated_since 30 days", endpoint(f"/api/v1/referrals?updated_since={since}")),
            (f"list, page {deep}", endpoint(f"/api/v1/referrals?page={deep}")),
            ("list, 100 per page", endpoint("/api/v1/referrals?per_page=100")),
            ("one referral (contact details decrypted)", endpoint(f"/api/v1/referrals/{referral_id}", False)),
        ]
        worst = 0.0
        for label, call in measured:
            value = median_time(call, rounds)
            worst = max(worst, value / trivial)
            print(f"{label:<58} {value * 1000:8.2f} {value / trivial:6.2f}x")
        print(f"\nworst ratio: {worst:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
