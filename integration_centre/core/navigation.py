"""Navigation per role. Packages add their entries with ``add_item`` from their ``register(app)``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """One link in the main navigation."""

    endpoint: str
    label: object  # a lazy string, translated at render time
    roles: frozenset[str]  # role values ("agent"…); a role enum of string values compares equal
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def add_item(endpoint: str, label, roles, order: int = 100) -> None:
    """Register a navigation link for some roles, given by value (idempotent per endpoint)."""
    _ITEMS[endpoint] = NavItem(endpoint, label, frozenset(str(role) for role in roles), order)


def navigation_items() -> list[dict]:
    """The links the current user may follow, in order."""
    if not current_user.is_authenticated:
        return []
    items = sorted(
        (item for item in _ITEMS.values() if current_user.role in item.roles),
        key=lambda item: (item.order, str(item.label)),
    )
    return [
        {"url": url_for(item.endpoint), "label": item.label, "active": request.endpoint == item.endpoint}
        for item in items
    ]


def init_app(app: Flask) -> None:
    """Expose ``navigation_items`` to templates."""
    app.jinja_env.globals["navigation_items"] = navigation_items
