"""Error pages in the user's language (HTML) or problem+json (API), never a stack trace.

A database outage (connection refused, server gone, pool exhausted, SQLite file unreachable)
is a known condition, not a bug: it answers 503 with ``Retry-After`` and a calm page rendered
without the database (no user lookup; language from the session cookie or Accept-Language),
and logs exactly one line per failed request (no traceback, no personal data). The engine's
``pool_pre_ping`` (``database.configure_engine_options``) makes the first request after the
database returns reconnect by itself.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
import uuid

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from integration_centre.privacy.errors import KeyDestroyedError

logger = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Login required"), _l("Log in to reach this page.")),
    403: (_l("Access refused"), _l("You are not allowed to do this.")),
    404: (_l("Page not found"), _l("This page does not exist or you cannot see it.")),
    405: (_l("Method not allowed"), _l("This action cannot be done this way.")),
    409: (_l("Conflict"), _l("The data was modified meanwhile. Reload the page and try again.")),
    410: (
        _l("File erased"),
        _l("This person's file was erased (right to erasure): nothing in it can be read or changed any more."),
    ),
    413: (_l("Request too large"), _l("The file or form sent is too large.")),
    429: (_l("Too many requests"), _l("Too many attempts. Wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. The team has been told.")),
    503: (
        _l("Service temporarily unavailable"),
        _l("The service is temporarily unavailable. Nothing was lost: try again in a moment."),
    ),
}

# How long a client is asked to wait before retrying after a database outage (seconds).
RETRY_AFTER_SECONDS = 30
# The exceptions that mean "the database cannot be reached right now" (not a bug).
OUTAGE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
# SQLite raises OperationalError for programming errors too ("no such table"): only these are outages.
SQLITE_OUTAGE_MESSAGES = ("unable to open database file", "database is locked", "disk i/o error")
# PostgreSQL errors that carry a SQLSTATE are outages only in these classes (connection exception,
# insufficient resources, server shutting down); a deadlock or a cancelled query stays a 500.
PG_OUTAGE_SQLSTATES = ("08", "53", "57P")


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error, one for a read or write of an erased person's
    data, and one for unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(KeyDestroyedError, handle_erased)
    for error_class in OUTAGE_ERRORS:
        app.register_error_handler(error_class, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, detail: str | None = None):
    """Render the error page (or problem+json for the API) for ``status``."""
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500] if status >= 500 else ERROR_TEXTS[400])
    if _is_api():
        response = jsonify(title=str(title), status=status, detail=detail or str(text))
        response.status_code = status
        response.content_type = "application/problem+json"
        return response
    return render_template("errors/error.html", status=status, title=title, text=text), status


def handle_http_error(error: HTTPException):
    """Any HTTP error, CSRF failures included (400)."""
    if isinstance(error, InternalServerError):
        return handle_unexpected(error)
    status = error.code or 500
    detail = None
    if _is_api() and not isinstance(error, CSRFError):
        detail = error.description
    response = render_error(status, detail)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response = _with_allow(response, error.valid_methods)
    return response


def _with_allow(response, methods):
    from flask import make_response

    response = make_response(response)
    response.headers["Allow"] = ", ".join(methods)
    return response


def handle_erased(_error: KeyDestroyedError):
    """The person's data key was destroyed (erasure): 410 with an explanation; nothing written."""
    from integration_centre.extensions import db

    db.session.rollback()
    return render_error(410)


def handle_unexpected(error: Exception):
    """Log where it failed (frames only: the message may quote data) and show a plain 500 page."""
    from integration_centre.extensions import db

    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and is_database_outage(original):
        return handle_database_error(original)  # raised outside the view (an after_request commit)
    if current_app.testing and not current_app.config.get("RENDER_UNEXPECTED_ERRORS"):
        raise error
    db.session.rollback()
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("unhandled %s on %s %s\n%s", type(error).__name__, request.method, request.endpoint, frames)
    return render_error(500)


def is_database_outage(error: BaseException | None) -> bool:
    """True when ``error`` says the database cannot be reached now (rather than a bug)."""
    if not isinstance(error, OUTAGE_ERRORS):
        return False
    orig = getattr(error, "orig", None)
    if orig is not None and type(orig).__module__.startswith("sqlite3"):
        message = str(orig).lower()
        return any(known in message for known in SQLITE_OUTAGE_MESSAGES)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(error, sa_exc.OperationalError) and not error.connection_invalidated and sqlstate:
        return str(sqlstate).startswith(PG_OUTAGE_SQLSTATES)
    return True


def request_id() -> str:
    """The id of this request (``g.request_id``, set by the request logging), made here if missing."""
    value = g.get("request_id")
    if not value:
        value = g.request_id = uuid.uuid4().hex
    return str(value)


def request_locale() -> str:
    """The language of the request without the database: the language chosen in this browser
    session (the session cookie), else the browser's Accept-Language, else the default (fr)."""
    locales = current_app.config["LOCALES"]
    try:
        chosen = session.get("locale")
    except Exception:  # noqa: BLE001 - an unreadable cookie only loses the chosen language
        chosen = None
    if chosen in locales:
        return chosen
    return request.accept_languages.best_match(locales) or current_app.config["BABEL_DEFAULT_LOCALE"]


def handle_database_error(error: Exception):
    """The database is unreachable: 503, ``Retry-After``, one log line, a page that needs no database.

    Any other database error (a bug, such as SQLite's "no such table") is an unexpected error.
    """
    if not is_database_outage(error):
        return handle_unexpected(error)
    _discard_session()
    orig = getattr(error, "orig", None)
    current_app.logger.warning(
        "database unavailable: 503 for %s %s (%s%s) request_id=%s",
        request.method,
        request.endpoint or "-",
        type(error).__name__,
        f"/{type(orig).__module__}.{type(orig).__name__}" if orig is not None else "",
        request_id(),
    )
    g.request_logged = True  # this line is the request's one line: the request log skips it
    return render_unavailable()


def _discard_session() -> None:
    """Drop the request's transaction; its connection may be dead already (nothing to log)."""
    from integration_centre.extensions import db

    with contextlib.suppress(Exception):  # the connection is gone: the pool invalidates it
        db.session.rollback()


def render_unavailable():
    """The 503 page (or problem+json) rendered without the database: the user is not looked up
    (the page shows the anonymous layout) and the language comes from the request."""
    from integration_centre.extensions import login_manager

    g._login_user = login_manager.anonymous_user()  # Flask-Login's slot: its user loader is not called
    locale = request_locale()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    title, text = ERROR_TEXTS[503]
    with force_locale(locale):
        if _is_api():
            response = jsonify(
                type="about:blank", title=str(title), status=503, detail=str(text), code="database_unavailable"
            )
            response.status_code = 503
            response.content_type = "application/problem+json"
            response.headers.update(headers)
            return response
        body = render_template("errors/error.html", status=503, title=title, text=text, current_locale=lambda: locale)
    return body, 503, headers
