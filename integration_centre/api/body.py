"""Reading a JSON request body: media type, size, syntax, then the marshmallow schema.

Every refusal is an ``ApiProblem`` raised before anything is written: 415 (not JSON), 413 (over
the API body limit), 400 (malformed JSON), 422 (wrong types, unknown or missing fields).
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from integration_centre.api.problems import ApiProblem

JSON_TYPES = ("application/json",)


def raw_json(*, optional: bool = False) -> Any:
    """The decoded JSON body; ``{}`` for an empty body when ``optional``."""
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large(limit) from None
    if not data.strip():
        if optional:
            return {}
        raise ApiProblem(400, _("The request needs a JSON body."))
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise ApiProblem(415, _("Send the body as application/json."))
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        position = getattr(exc, "pos", None)
        detail = _("The body is not valid JSON.")
        if position is not None:
            detail = _("The body is not valid JSON (error at character %(position)s).", position=position)
        raise ApiProblem(400, detail) from None


def _too_large(limit: int | None) -> ApiProblem:
    return ApiProblem(413, _("The body is larger than the limit of %(size)s bytes.", size=limit))


def load(schema: Schema, *, optional: bool = False) -> tuple[dict, Any]:
    """Validate the body with ``schema``: returns (loaded values, raw JSON for the idempotency hash)."""
    data = raw_json(optional=optional)
    if not isinstance(data, dict):
        raise ApiProblem(422, _("The body must be a JSON object."), errors={"_body": [_("Expected an object.")]})
    try:
        return schema.load(data), data
    except ValidationError as exc:
        raise ApiProblem(
            422, _("Some fields are invalid: see errors."), errors=exc.normalized_messages()
        ) from None
