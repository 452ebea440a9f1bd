"""What the person sees in their space: steps, appointments, deadlines, contacts, documents."""

from __future__ import annotations

from flask import Blueprint, render_template

from integration_centre.space.session import person_required


@person_required
def home():
    """The space's home page."""
    return render_template("space/home.html")


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes to the space blueprint."""
    blueprint.add_url_rule("/", "home", home)
