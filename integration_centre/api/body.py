"""Reading a JSON request body: media type, size, syntax, then the marshmallow schema.

Every refusal is an ``ApiProblem`` raised before anything is written: 415 (not JSON), 413 (over
the API body limit), 400 (malformed JSON), 422 (wrong types, unknown or missing fields).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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


# marshmallow's English messages → translated ones (msgid, names of the captured values).
_MESSAGES = [
    (re.compile(r"^Missing data for required field\.$"), _l("This field is required."), ()),
    (re.compile(r"^Unknown field\.$"), _l("Unknown field: remove it."), ()),
    (re.compile(r"^Field may not be null\.$"), _l("This field cannot be null."), ()),
    (re.compile(r"^Not a valid string\.$"), _l("Enter a text."), ()),
    (re.compile(r"^Not a valid integer\.$"), _l("Enter a whole number."), ()),
    (re.compile(r"^Not a valid number\.$"), _l("Enter a number."), ()),
    (re.compile(r"^Special numeric values .* are not permitted\.$"), _l("Enter a finite number."), ()),
    (re.compile(r"^Not a valid date\.$"), _l("Enter a date as YYYY-MM-DD."), ()),
    (
        re.compile(r"^Not a valid (aware |naive )?datetime\.$"),
        _l("Enter a date and time in ISO 8601 with its offset, e.g. 2026-11-01T00:00:00Z."),
        (),
    ),
    (re.compile(r"^Not a valid boolean\.$"), _l("Enter true or false."), ()),
    (re.compile(r"^Not a valid UUID\.$"), _l("Enter an identifier (UUID)."), ()),
    (re.compile(r"^Not a valid list\.$"), _l("Enter a list."), ()),
    (re.compile(r"^Invalid input type\.$"), _l("Wrong type of value."), ()),
    (re.compile(r"^Must be one of: (.*)\.$"), _l("Choose one of: %(choices)s."), ("choices",)),
    (
        re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
        _l("Give %(min)s to %(max)s characters or items."),
        ("min", "max"),
    ),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), _l("Give at least %(min)s characters or items."), ("min",)),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), _l("Give at most %(max)s characters or items."), ("max",)),
    (re.compile(r"^Length must be (\d+)\.$"), _l("Give exactly %(equal)s characters."), ("equal",)),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        _l("Enter a value from %(min)s to %(max)s."),
        ("min", "max"),
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), _l("Enter a value of at least %(min)s."), ("min",)),
]


def translate(messages: Any) -> Any:
    """marshmallow's error messages (nested dicts and lists) in the user's language."""
    if isinstance(messages, dict):
        return {key: translate(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate(item) for item in messages]
    text = str(messages)
    for pattern, msgid, names in _MESSAGES:
        match = pattern.match(text)
        if match:
            return str(msgid) % dict(zip(names, match.groups(), strict=False)) if names else str(msgid)
    return text


def load(schema: Schema, *, optional: bool = False) -> tuple[dict, Any]:
    """Validate the body with ``schema``: returns (loaded values, raw JSON for the idempotency hash)."""
    data = raw_json(optional=optional)
    if not isinstance(data, dict):
        raise ApiProblem(422, _("The body must be a JSON object."), errors={"_body": [_("Expected an object.")]})
    try:
        return schema.load(data), data
    except ValidationError as exc:
        raise ApiProblem(
            422, _("Some fields are invalid: see errors."), errors=translate(exc.normalized_messages())
        ) from None
