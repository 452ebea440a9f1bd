"""Public entry points (health, language) and the role home pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from sqlalchemy import text

from integration_centre.core.urls import safe_next
from integration_centre.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Database reachability and whether the keys are loaded; no secrets."""
    from integration_centre import privacy

    try:
        db.session.execute(text("SELECT 1"))
        database_ok = True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        db.session.rollback()
        database_ok = False
    keys_loaded = privacy.keys_loaded(current_app)
    status = 200 if database_ok and keys_loaded else 503
    return jsonify(status="ok" if status == 200 else "unavailable", database=database_ok, keys=keys_loaded), status


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser session and go back."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LOCALES"]:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.index"))
