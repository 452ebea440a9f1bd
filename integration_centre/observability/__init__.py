"""Observability: a request id per request, one structured (JSON) log line per request,
Prometheus metrics (``/metrics``) and the liveness and readiness probes (``/healthz``, ``/readyz``).

Nothing here ever logs or exports personal data: a request is described by its route *rule*
(``/persons/<uuid:person_id>``, never the URL with its values nor the query string), its method,
status, duration and the pseudonymous id of the user.
"""

from __future__ import annotations

from flask import Flask

from integration_centre.observability.request_log import REQUEST_ID_HEADER, request_id

__all__ = ["REQUEST_ID_HEADER", "register", "request_id"]


def register(app: Flask) -> None:
    """Wire the request id, the request log, the metrics and the probes into ``app``.

    Call it before the other packages so the request id exists when their hooks run."""
    from integration_centre.observability import metrics, probes, request_log

    request_log.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(probes.bp)
