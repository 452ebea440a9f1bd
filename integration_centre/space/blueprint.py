"""The space's blueprint, made afresh for each app; each ``views_*`` module adds its routes to it."""

from __future__ import annotations

from flask import Blueprint


def make_blueprint() -> Blueprint:
    """A new ``space`` blueprint (a blueprint object cannot gain routes once registered)."""
    return Blueprint("space", __name__, url_prefix="/my")
