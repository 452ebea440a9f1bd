"""The space's language picker: a form in the header of every space page (POST, CSRF)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from integration_centre.core.urls import safe_next
from integration_centre.space import languages


def set_language():
    """Keep the chosen language for this browser, and show the same page again in it."""
    languages.choose(request.form.get("locale"))
    target = safe_next(request.form.get("next"))
    if not target or not target.startswith("/my/"):
        target = url_for("space.home")
    return redirect(target)


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes to the space blueprint."""
    blueprint.add_url_rule("/language", "set_language", set_language, methods=["POST"])
