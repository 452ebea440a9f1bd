"""The request id (``g.request_id``, echoed in ``X-Request-ID``) and one JSON log line per request.

The id comes from the ``X-Request-ID`` header only when a trusted reverse proxy is in front
(``TRUSTED_PROXIES`` > 0: the proxy sets it, e.g. nginx ``proxy_set_header X-Request-ID
$request_id;``) and it is well-formed (8-64 letters, digits, ``.``, ``_``, ``-``); otherwise a new
one is generated. The log line holds the route rule, never the URL's values nor its query string.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
LOGGER_NAME = "integration_centre.requests"
UNMATCHED_ROUTE = "<unmatched>"

logger = logging.getLogger(LOGGER_NAME)


class JSONLineFormatter(logging.Formatter):
    """A record whose message is a dict → one JSON object per line (time and level added)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record.msg if isinstance(record.msg, dict) else {"message": record.getMessage()}
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        return json.dumps({"time": stamp, "level": record.levelname.lower(), **fields}, separators=(",", ":"))


def _configure_logger() -> None:
    """Once per process: the request log goes to standard error, one JSON object per line."""
    if any(getattr(handler, "_integration_centre", False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONLineFormatter())
    handler._integration_centre = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def init_app(app: Flask) -> None:
    """Hooks: the request id first, the log line last."""
    if not app.testing:
        _configure_logger()
    app.before_request(_start)
    app.after_request(_finish)


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _incoming_id(app: Flask) -> str | None:
    if not app.config.get("TRUSTED_PROXIES"):
        return None
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if REQUEST_ID_PATTERN.fullmatch(value) else None


def _start() -> None:
    from flask import current_app

    from integration_centre.privacy.context import REQUEST_ID_KEY

    g.request_started = time.perf_counter()
    g.request_id = _incoming_id(current_app) or uuid.uuid4().hex
    request.environ[REQUEST_ID_KEY] = g.request_id  # the audit records of this request carry the same id


def route_rule() -> str:
    """The URL rule the request matched (its placeholders, never their values)."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def duration_seconds() -> float:
    """Seconds since the request started (0 when the start hook did not run)."""
    started = g.get("request_started")
    return time.perf_counter() - started if started is not None else 0.0


def _user_id() -> str | None:
    user = g.get("_login_user")  # Flask-Login's loaded user: never loads it just for the log
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)  # the key in the identity map: no reload after a commit
    identity = state.identity if state is not None else None
    return str(identity[0]) if identity else None


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a request that failed before the start hook
        g.request_id = uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = g.request_id
    if g.get("request_logged"):  # an outage already logged its one line (core.errors)
        return response
    logger.info(
        {
            "event": "request",
            "request_id": g.request_id,
            "method": request.method,
            "route": route_rule(),
            "status": response.status_code,
            "duration_ms": round(duration_seconds() * 1000, 1),
            "user_id": _user_id(),
        }
    )
    return response
