"""The OpenAPI 3 document, generated with apispec from the schemas and each view's ``operation``.

Each API view declares its summary, body schema, response schema and query parameters with
``@operation``; ``build_spec`` walks the URL map of the API blueprint, so a new endpoint is
documented (and fuzzed by schemathesis) without editing a separate file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from integration_centre.api.auth import endpoint_scope
from integration_centre.api.schemas import ProblemSchema

TITLE = "Integration centre API"
VERSION = "1.0.0"
_OPERATION_ATTRIBUTE = "_api_operation"
_CONVERTER_RE = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_TEXTS = {
    "400": "Malformed JSON or header.",
    "401": "No token, or an unknown, revoked or expired token.",
    "403": "The token lacks the scope or its account cannot use this endpoint.",
    "404": "Not found, or out of the token's reach.",
    "409": "Refused in the current state (already done, conflict, duplicate).",
    "413": "The body is over the size limit.",
    "415": "The body is not JSON.",
    "422": "Invalid fields (see errors) or an Idempotency-Key reused with another body.",
    "429": "Too many requests for this token: wait (Retry-After).",
}


@dataclass(frozen=True)
class Operation:
    """What the document says about one view."""

    summary: str
    description: str = ""
    tag: str = "meta"
    body: Any = None
    body_required: bool = True
    response: Any = None
    status: int = 200
    query: list[dict] = field(default_factory=list)
    errors: tuple[int, ...] = (400, 401, 403, 404, 422, 429)
    idempotent_post: bool = False
    secured: bool = True


def operation(**kwargs) -> Callable:
    """Attach an ``Operation`` to a view (put it under the route decorator)."""

    def decorate(view: Callable) -> Callable:
        setattr(view, _OPERATION_ATTRIBUTE, Operation(**kwargs))
        return view

    return decorate


def _path_and_parameters(rule: str) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        schema: dict[str, Any] = {"type": "string"}
        if converter == "uuid":
            schema = {"type": "string", "format": "uuid"}
        elif converter == "int":
            schema = {"type": "integer"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER_RE.sub(replace, rule), parameters


def _problem_content() -> dict:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def build_spec(app: Flask, server_url: str = "/") -> dict:
    """The OpenAPI 3.0 document of every API route that declares an ``operation``."""
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "REST API for partner operators (their referrals) and reception offices (newcomer files and "
                "cases). Authenticate with `Authorization: Bearer <token>` (tokens are created by an "
                "administrator for one user account and carry scopes). Errors are application/problem+json. "
                "POST requests accept an `Idempotency-Key` header: a retry with the same key returns the "
                "first outcome and writes nothing twice."
            )
        },
        servers=[{"url": server_url}],
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        described: Operation | None = getattr(view, _OPERATION_ATTRIBUTE, None)
        if described is None:
            continue
        path, parameters = _path_and_parameters(rule.rule)
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation_object(described, view, method, parameters)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation_object(described: Operation, view: Callable, method: str, parameters: list[dict]) -> dict:
    scope = endpoint_scope(view)
    description = described.description
    if scope:
        description = f"{description}\n\nScope: `{scope}`.".strip()
    result: dict[str, Any] = {
        "summary": described.summary,
        "description": description,
        "tags": [described.tag],
        "operationId": view.__name__,
        "parameters": list(parameters) + list(described.query),
        "responses": {},
    }
    if described.secured:
        result["security"] = [{"bearerAuth": []}]
    if method == "POST" and described.idempotent_post:
        result["parameters"].append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Any unique string (1-255 visible ASCII characters) chosen by the client.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
            }
        )
    if described.body is not None:
        result["requestBody"] = {
            "required": described.body_required,
            "content": {"application/json": {"schema": described.body}},
        }
    success: dict[str, Any] = {"description": "OK" if described.status == 200 else "Created"}
    if described.response is not None:
        success["content"] = {"application/json": {"schema": described.response}}
    result["responses"][str(described.status)] = success
    errors = set(described.errors)
    if described.body is not None:
        errors |= {400, 413, 415, 422}
    if described.secured:
        errors |= {401, 403, 429}
    for status in sorted(errors):
        result["responses"][str(status)] = {"description": ERROR_TEXTS[str(status)], "content": _problem_content()}
    return result
