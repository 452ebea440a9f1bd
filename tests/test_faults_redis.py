"""Redis outage (issue #19, acceptance 2): with the rate-limit store unreachable, a login, a
certificate check and an API call still work (never a 500), the limits are still enforced (in
memory), one loud warning says so, and the limiter goes back to Redis by itself once it returns.

The application reaches the real Redis at 127.0.0.1:6379 through a TCP forwarder that is closed
(connections cut, new ones refused) and reopened.
"""

from __future__ import annotations

import logging
import time
import uuid

import pytest
import redis

from integration_centre.accounts.models import Role
from integration_centre.api import tokens
from integration_centre.extensions import db, limiter
from tests.conftest import TEST_PASSWORD, make_app
from tests.faults_forwarder import TcpForwarder

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
FALLBACK_WARNING = "Rate limit storage unreachable - falling back to in-memory storage"


def redis_or_skip() -> redis.Redis:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def test_redis_outage_keeps_logins_checks_and_the_api_working(request, db_url, app, tmp_path, make_user, caplog):
    direct = redis_or_skip()
    request.addfinalizer(direct.close)
    prefix = f"ic-faults-{uuid.uuid4().hex[:8]}"
    request.addfinalizer(lambda: [direct.delete(key) for key in direct.scan_iter(f"*{prefix}*")])
    forwarder = TcpForwarder(REDIS_HOST, REDIS_PORT)
    forwarder.start()
    request.addfinalizer(forwarder.stop)
    limited = make_app(
        db_url,
        tmp_path / "limited",
        RATELIMIT_ENABLED=True,
        REDIS_URL=f"redis://127.0.0.1:{forwarder.port}/{REDIS_DB}",
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_IP_LIMIT="5 per minute",
    )
    request.addfinalizer(lambda: _dispose(limited))
    users = [make_user(Role.AGENT) for _ in range(3)]
    secret = tokens.create_token(users[0], "redis outage", ["cases:read"]).secret
    db.session.commit()

    def login(user, address="10.1.0.1", password=TEST_PASSWORD):
        client = limited.test_client()
        return client.post(
            "/login", data={"email": user.email, "password": password}, environ_base={"REMOTE_ADDR": address}
        )

    def verify(address="10.1.0.1"):
        return limited.test_client().get("/verify/ABCD-EFGH-JKLM-NPQR", environ_base={"REMOTE_ADDR": address})

    def api_call():
        return limited.test_client().get("/api/v1/token", headers={"Authorization": f"Bearer {secret}"})

    # Up: the limits are counted in Redis.
    assert login(users[0]).status_code == 302
    assert verify().status_code == 404
    assert api_call().status_code == 200
    assert list(direct.scan_iter(f"*{prefix}*")), "the limits are kept in Redis"

    forwarder.stop()
    caplog.set_level(logging.INFO)
    caplog.clear()
    assert login(users[1]).status_code == 302
    assert verify().status_code == 404
    assert api_call().status_code == 200
    # the limit still holds, in memory: 5 attempts a minute from one address, the 6th refused
    statuses = [login(users[2], "10.1.0.2", "wrong password").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert login(users[1], "10.1.0.3").status_code == 302  # another address is not held
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [FALLBACK_WARNING], "one loud warning per outage"
    assert limiter._storage_dead

    before = set(direct.scan_iter(f"*{prefix}*"))
    forwarder.start()
    # Back: the limiter checks Redis again (1, 2, 4… s apart) and returns to it by itself.
    deadline = time.monotonic() + 40
    while limiter._storage_dead and time.monotonic() < deadline:
        time.sleep(0.5)
        assert verify("10.1.0.9").status_code == 404
    assert not limiter._storage_dead, "the limiter went back to Redis"
    assert login(users[0], "10.1.0.4").status_code == 302
    assert api_call().status_code == 200
    after = set(direct.scan_iter(f"*{prefix}*"))
    assert any(b"10.1.0.4" in key for key in after - before), "new counts are written to Redis again"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _dispose(application) -> None:
    with application.app_context():
        db.engine.dispose()
