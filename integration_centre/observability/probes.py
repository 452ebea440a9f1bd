"""``/healthz`` (liveness: the process answers, no database), ``/readyz`` (readiness: database,
Redis when configured, keyring) and ``/metrics`` (Prometheus; a bearer token, else loopback only).

All three are public endpoints of the access gate; ``/metrics`` checks its own credentials and
answers 404 to anyone else (it does not advertise itself).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from sqlalchemy import text

from integration_centre.extensions import db

bp = Blueprint("observability", __name__)

LOOPBACK = frozenset({"127.0.0.1", "::1"})


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers requests (reads nothing)."""
    return jsonify(status="ok")


def _database_ready() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        db.session.rollback()
        return False


def _redis_ready() -> bool | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers, Redis answers (when configured), the keyring is loaded."""
    from integration_centre import privacy

    checks: dict[str, bool] = {"database": _database_ready(), "keyring": privacy.keys_loaded(current_app)}
    redis_ok = _redis_ready()
    if redis_ok is not None:
        checks["redis"] = redis_ok
    ready = all(checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (200 if ready else 503)


def _metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    # No token: only from this machine, and not through a proxy (which would make everyone local).
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


@bp.get("/metrics")
def metrics():
    """Prometheus text format; 404 without the bearer token (or, without a token set, off loopback)."""
    from integration_centre.observability import metrics as collected

    if not _metrics_allowed():
        abort(404)
    g.metrics_skip = True  # the scrapes do not count as traffic
    return Response(collected.exposition(), mimetype=None, content_type=collected.CONTENT_TYPE)
