"""The one request pattern of a write: load, check, act, then commit once — or roll back and
show the refusal.

A view loads its objects (404 when the user may not see them), validates its form, then hands
the service call to ``perform``. The order in a refusal matters: a refusal raised by a failed
flush (someone else saved the same case meanwhile) leaves the session unusable until it is
rolled back, and turning the message into text in the user's language may read the database
(the user's chosen language) — done before the rollback, that read ended the request in a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash

from integration_centre.errors import DomainError
from integration_centre.extensions import db


def perform(action: Callable[[], Any], *, success: str | None = None, form: Any = None) -> bool:
    """Run ``action`` (a service call) as one transaction.

    On success commit, flash ``success`` and return True. On a ``DomainError`` roll back, show
    the refusal — on the form's fields it names, else on the form, else as a flash — and return
    False.
    """
    try:
        action()
    except DomainError as exc:
        show_refusal(exc, form)
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


def show_refusal(exc: Exception, form: Any = None) -> str:
    """Roll back, then show the refusal on ``form`` (field errors first) or as a flash message."""
    message = refusal_message(exc)
    field_errors = getattr(exc, "field_errors", None) or {}
    if form is None:
        flash(message, "error")
        return message
    placed = False
    for name, messages in field_errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed:
        form.form_errors.append(message)
    return message


def refusal_message(exc: Exception) -> str:
    """Roll back the request's transaction, then return the refusal's translated message."""
    db.session.rollback()
    return str(getattr(exc, "message", None) or exc)


def flash_refusal(exc: Exception, category: str = "error") -> str:
    """Roll back, then flash the refusal's message; returns the message."""
    message = refusal_message(exc)
    flash(message, category)
    return message
