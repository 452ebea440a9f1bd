"""Error pages in the user's language (HTML) or problem+json (API), never a stack trace."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
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
}


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error, one for a read or write of an erased person's
    data, and one for unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(KeyDestroyedError, handle_erased)
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
    from flask import current_app

    from integration_centre.extensions import db

    if current_app.testing and not current_app.config.get("RENDER_UNEXPECTED_ERRORS"):
        raise error
    db.session.rollback()
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error("unhandled %s on %s %s\n%s", type(error).__name__, request.method, request.endpoint, frames)
    return render_error(500)
