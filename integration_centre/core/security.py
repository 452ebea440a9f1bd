"""Security headers on every response (errors and static files included) and the form character check."""

from __future__ import annotations

import re

from flask import Flask, Response, abort, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def init_app(app: Flask) -> None:
    """Register the form check before every request and the headers after every response."""
    app.before_request(refuse_control_characters)
    app.after_request(add_security_headers)


# C0 control characters other than tab, line feed and carriage return, and DEL: no form field
# takes them, and PostgreSQL refuses a NUL in text (the query ended in a 500).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters():
    """``before_request``: a web form carrying control characters is refused (400, translated
    page) before any view reads it. The API validates its JSON bodies itself."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    for values in request.form.listvalues():
        if any(_CONTROL_CHARACTERS.search(value) for value in values):
            abort(400)
    return None


def add_security_headers(response: Response) -> Response:
    """Add the baseline headers; authenticated pages are never cached."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if (current_user and current_user.is_authenticated) or request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    headers.pop("Server", None)
    return response
