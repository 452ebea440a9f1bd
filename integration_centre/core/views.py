"""Public entry points (language) and the role home pages (the probes are ``observability``'s)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for

from integration_centre.core.urls import safe_next

bp = Blueprint("core", __name__)


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser session and go back."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LOCALES"]:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.index"))
