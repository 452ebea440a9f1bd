"""The one request pattern for a refused write: roll back first, then build the message.

Every package's "call the service, then commit — or roll back and tell the user" helper goes
through ``refusal_message``. The order matters: a refusal raised by a failed flush (someone else
saved the same case meanwhile) leaves the database session unusable until it is rolled back,
and turning the message into text in the user's language may read the database (the user's
chosen language) — done before the rollback, that read ended the request in a 500.
"""

from __future__ import annotations

from flask import flash

from integration_centre.extensions import db


def refusal_message(exc: Exception) -> str:
    """Roll back the request's transaction, then return the refusal's translated message."""
    db.session.rollback()
    return str(getattr(exc, "message", None) or exc)


def flash_refusal(exc: Exception, category: str = "error") -> str:
    """Roll back, then flash the refusal's message; returns the message."""
    message = refusal_message(exc)
    flash(message, category)
    return message
