"""Acceptance 3 (second part): 50 concurrent confirmations of one referral against a live server
on PostgreSQL record exactly one completion; the others get 409 or the idempotent replay, none 500.

The server is werkzeug's threaded server in a thread, on the test database; the confirmations
come from 50 threads released together. Half share one Idempotency-Key (a client retrying), half
carry their own (distinct clients). On SQLite (one writer, no row locks) the test is skipped.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators.models import Referral, ReferralEvent
from integration_centre.pathway.models import StepInstance, TimelineEntry
from integration_centre.pathway.states import StepState
from tests.accounts.helpers import second_app
from tests.api.conftest import bearer
from tests.conftest import is_postgres

CONCURRENT = 50


@pytest.fixture
def live_server(request, db_url, app, tmp_path):
    """The application served over HTTP on a free port (threaded), stopped after the test."""
    served = second_app(request, db_url, tmp_path / "live")
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _post(url: str, headers: dict, payload: dict) -> tuple[int, dict, dict]:
    data = json.dumps(payload).encode()
    req = urllib.request.Request(  # noqa: S310 - a local test server
        url, data=data, method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - a local test server
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


@pytest.mark.postgres_only
def test_fifty_concurrent_confirmations_record_one_completion(db_url, live_server, make_token, make_referral, org):
    if not is_postgres(db_url):
        pytest.skip("needs PostgreSQL (row locks and concurrent writers): runs in the PostgreSQL CI pass")
    referral = make_referral()
    secret, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    base = f"{live_server}/api/v1/referrals/{referral.id}"
    assert _post(f"{base}/accept", bearer(secret), {})[0] == 200
    assert _post(f"{base}/attendance", bearer(secret), {"sessions": 40, "hours": 400})[0] == 200

    barrier = threading.Barrier(CONCURRENT)

    def confirm(number: int) -> tuple[int, dict, dict]:
        key = "shared-retry" if number % 2 == 0 else f"client-{number}"
        barrier.wait(timeout=30)
        return _post(f"{base}/complete", bearer(secret, Idempotency_Key=key), {"result": "A2"})

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        results = list(pool.map(confirm, range(CONCURRENT)))

    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 409}, statuses
    originals = [r for r in results if r[0] == 200 and r[1].get("Idempotent-Replayed") != "true"]
    assert len(originals) == 1, statuses
    for status, _headers, document in results:
        if status == 200:
            assert document["state"] == "completed"
        else:
            assert document["status"] == 409 and document["detail"]
    db.session.expire_all()
    completions = select(func.count()).select_from(ReferralEvent).where(ReferralEvent.action == "complete")
    assert db.session.scalar(completions) == 1
    timeline = select(func.count()).select_from(TimelineEntry)
    timeline = timeline.where(TimelineEntry.action.like("referral.%"), TimelineEntry.to_state == "completed")
    assert db.session.scalar(timeline) == 1
    assert db.session.get(Referral, referral.id).state == "completed"
    assert db.session.get(StepInstance, referral.step_id).state == StepState.COMPLETED
