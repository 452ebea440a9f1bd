"""Walk ``app.url_map``: every rule with dummy URL values, and who may call it.

Used by the deny-by-default, security-header and CSRF tests so that a new endpoint anywhere in
the application is covered without editing them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import PUBLIC_ENDPOINTS

DUMMY_UUID = uuid.UUID("00000000-0000-4000-8000-000000000001")
DUMMY_INT = 987654
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Route:
    """One rule with a concrete URL."""

    endpoint: str
    path: str
    methods: frozenset[str]
    roles: frozenset[Role] | None
    # in a blueprint that checks its own sessions (``declare_public_blueprint``: the person's space)
    public_blueprint: bool = False

    @property
    def is_api(self) -> bool:
        """True for REST API paths (JSON answers, 401 instead of a login redirect)."""
        return self.path.startswith("/api/")

    @property
    def is_public(self) -> bool:
        """True for endpoints in the public allow-list or in a public blueprint."""
        return self.endpoint in PUBLIC_ENDPOINTS or self.public_blueprint


def _dummy_value(converter) -> object:
    name = type(converter).__name__
    if name == "UUIDConverter":
        return DUMMY_UUID
    if name == "IntegerConverter":
        return DUMMY_INT
    if name == "FloatConverter":
        return 1.5
    if name == "AnyConverter":
        return converter.items[0] if getattr(converter, "items", None) else "x"
    return "x"


def dummy_path(app: Flask, rule: Rule) -> str:
    """The rule's URL with a dummy value for every argument."""
    values = {name: _dummy_value(converter) for name, converter in rule._converters.items()}
    if rule.endpoint == "static":
        values = {"filename": "css/app.css"}
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, force_external=False)


def routes(app: Flask) -> Iterator[Route]:
    """Every rule of the application with a dummy URL and its declared roles."""
    from integration_centre.accounts.permissions import _ROLES_ATTRIBUTE, PUBLIC_BLUEPRINTS

    public_blueprints = app.extensions.get(PUBLIC_BLUEPRINTS, set())
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, _ROLES_ATTRIBUTE, None)
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        yield Route(
            rule.endpoint,
            dummy_path(app, rule),
            frozenset(rule.methods - IGNORED_METHODS),
            roles,
            public_blueprint=blueprint in public_blueprints,
        )


def is_csrf_exempt(app: Flask, endpoint: str) -> bool:
    """True when Flask-WTF's CSRF protection skips this endpoint (token-authenticated API)."""
    csrf = app.extensions["csrf"]
    view = app.view_functions[endpoint]
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0]) if "." in endpoint else None
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views or blueprint in csrf._exempt_blueprints
