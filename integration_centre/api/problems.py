"""Errors as ``application/problem+json`` (RFC 9457): a title, the status, a clear ``detail``
and, for invalid input, ``errors`` mapping each field to its messages."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _

PROBLEM_TYPE = "application/problem+json"


def titles() -> dict[int, str]:
    """The short title of each status the API answers with."""
    return {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        500: _("Internal error"),
    }


class ApiProblem(Exception):
    """Raised by API views and helpers; turned into a problem+json response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, Any] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.code = code
        self.headers = headers or {}

    def document(self) -> dict[str, Any]:
        """The problem document (JSON-serialisable)."""
        return problem_document(self.status, self.detail, errors=self.errors, code=self.code)


def problem_document(status: int, detail: str, *, errors: dict | None = None, code: str | None = None) -> dict:
    """A problem document with the standard members and the optional ``errors`` and ``code``."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": titles().get(status, titles()[500] if status >= 500 else titles()[400]),
        "status": status,
        "detail": str(detail),
    }
    if errors:
        document["errors"] = normalise_errors(errors)
    if code:
        document["code"] = code
    return document


def normalise_errors(errors: dict) -> dict[str, list[str]]:
    """Field errors as ``{"field": ["message", …]}`` (nested marshmallow errors get dotted names)."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            if all(isinstance(item, str) for item in value):
                flat.setdefault(prefix or "_body", []).extend(str(item) for item in value)
            else:
                for item in value:
                    walk(prefix, item)
        else:
            flat.setdefault(prefix or "_body", []).append(str(value))

    walk("", errors)
    return flat


def problem_response(document: dict, headers: dict[str, str] | None = None) -> Response:
    """A response carrying ``document`` with the problem media type."""
    response = jsonify(document)
    response.status_code = document["status"]
    response.content_type = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem(status: int, detail: str, **fields) -> Response:
    """Shortcut: a problem response for ``status``."""
    headers = fields.pop("headers", None)
    return problem_response(problem_document(status, detail, **fields), headers)
