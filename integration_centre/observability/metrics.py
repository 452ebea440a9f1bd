"""Prometheus metrics: requests by route and status, latency per route, server errors, the
database pool and the audit trail's lag.

Under gunicorn with the shipped configuration (``integration_centre.gunicorn_conf``) every worker
writes its counters to the shared ``PROMETHEUS_MULTIPROC_DIR`` folder and ``/metrics`` adds them
up, whichever worker answers. The pool gauges are the answering worker's own (label ``pid``); the
audit gauges are read from the database at scrape time.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from integration_centre.observability.request_log import duration_seconds, route_rule

PREFIX = "integration_centre"
_REGISTRY = CollectorRegistry()  # this process's request metrics (when not in multiprocess mode)

REQUESTS = Counter(
    f"{PREFIX}_http_requests",
    "HTTP requests answered, by method, route rule and status.",
    ["method", "route", "status"],
    registry=_REGISTRY,
)
LATENCY = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer a request, by route rule.",
    ["route"],
    registry=_REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ERRORS = Counter(
    f"{PREFIX}_http_server_errors",
    "Requests answered with a 5xx status (unhandled exceptions included), by route rule.",
    ["route"],
    registry=_REGISTRY,
)


def multiprocess_dir() -> str | None:
    """The folder shared by the workers (gunicorn's hooks set it), if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def init_app(app: Flask) -> None:
    """Count every request once it is answered."""
    app.after_request(_observe)


def _observe(response: Response) -> Response:
    if g.get("metrics_skip"):
        return response
    route = route_rule()
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(route).observe(duration_seconds())
    if response.status_code >= 500:
        ERRORS.labels(route).inc()
    return response


class _ScrapeTimeCollector:
    """Gauges read when scraped: this worker's database pool, the audit trail's lag."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        yield from self._pool()
        yield from self._audit()

    def _pool(self):
        from integration_centre.extensions import db

        pool = db.engine.pool
        pid = str(os.getpid())
        for name, method, text in (
            ("checked_out", "checkedout", "Database connections in use (this worker)."),
            ("size", "size", "Database connection pool size (this worker)."),
        ):
            if hasattr(pool, method):
                family = GaugeMetricFamily(f"{PREFIX}_db_pool_{name}", text, labels=["pid"])
                family.add_metric([pid], float(getattr(pool, method)()))
                yield family

    def _audit(self):
        from sqlalchemy import func, select

        from integration_centre.extensions import db
        from integration_centre.privacy import audit_checkpoints
        from integration_centre.privacy.models import AuditHead, AuditRecord

        with db.engine.connect() as connection:
            head = connection.execute(select(func.max(AuditHead.seq))).scalar() or 0
            newest = connection.execute(select(func.max(AuditRecord.occurred_at))).scalar()
        from integration_centre.privacy.errors import PrivacyError

        try:
            checkpointed = max((c.seq for c in audit_checkpoints.read()), default=0)
        except (PrivacyError, OSError):
            checkpointed = None  # `integration-centre audit verify` says what is wrong with the file
        family = GaugeMetricFamily(f"{PREFIX}_audit_head_sequence", "Sequence number of the newest audit record.")
        family.add_metric([], float(head))
        yield family
        if checkpointed is not None:
            family = GaugeMetricFamily(
                f"{PREFIX}_audit_records_since_checkpoint",
                "Audit records written since the last checkpoint kept outside the database.",
            )
            family.add_metric([], float(max(head - checkpointed, 0)))
            yield family
        if newest is not None:
            if newest.tzinfo is None:
                from datetime import UTC

                newest = newest.replace(tzinfo=UTC)
            family = GaugeMetricFamily(
                f"{PREFIX}_audit_last_record_age_seconds", "Seconds since the newest audit record was written."
            )
            family.add_metric([], max(time.time() - newest.timestamp(), 0.0))
            yield family


def exposition() -> bytes:
    """The metrics in Prometheus text format: every worker's request metrics, then the gauges."""
    folder = multiprocess_dir()
    if folder:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
        requests_part = generate_latest(registry)
    else:
        requests_part = generate_latest(_REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(_ScrapeTimeCollector(current_app._get_current_object()))
    return requests_part + generate_latest(gauges)


CONTENT_TYPE = CONTENT_TYPE_LATEST
