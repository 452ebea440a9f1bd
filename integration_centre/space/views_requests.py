"""What the person asks of the office: move an appointment, a new address or phone, a
data-protection request."""

from __future__ import annotations

from flask import Blueprint


def register_routes(blueprint: Blueprint) -> None:
    """Add this module's routes to the space blueprint."""
