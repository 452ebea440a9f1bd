"""The application factory: ``create_app`` builds the app from small named steps."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from integration_centre.config import build_flask_config, load_or_create_secret_key, read_settings

__all__ = ["create_app", "import_models", "resource_dir"]


def resource_dir(name: str) -> Path:
    """Folder shipped with the package (templates, migrations), in a checkout or an install."""
    here = Path(__file__).resolve().parent
    installed, checkout = here / name, here.parent / name
    return installed if installed.is_dir() else checkout


def create_app(config: dict[str, Any] | None = None, *, create_secret: bool = False) -> Flask:
    """Build the application.

    ``config`` overrides settings (``DATABASE_URL``…) or Flask keys (``TESTING``…);
    ``create_secret`` lets quickstart generate the secret key file on first run.
    """
    resolved = read_settings(overrides=config)
    flask_config = build_flask_config(resolved["settings"], resolved["flask"])
    app = Flask(
        "integration_centre",  # the package: its name names the app's logger
        instance_path=flask_config["INSTANCE_PATH"],
        template_folder=str(resource_dir("templates")),
        static_folder="static",
    )
    app.config.update(flask_config)
    _configure_secret_key(app, create_secret)
    _configure_proxies(app)
    _configure_logging(app)
    _register_extensions(app)
    _register_observability(app)
    _register_packages(app)
    _register_cli(app)
    return app


def _configure_secret_key(app: Flask, create: bool) -> None:
    if app.config.get("SECRET_KEY"):
        return
    app.config["SECRET_KEY"] = load_or_create_secret_key(Path(app.config["SECRET_KEY_FILE"]), create)


def _configure_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-For/-Proto/-Host/-Port headers of ``TRUSTED_PROXIES`` reverse proxies.

    The client address (per-IP limits, audit), the scheme (https links, HSTS, the certificate's
    QR link) and the host then are the ones the proxy saw; with 0 the headers are ignored.
    """
    count = app.config.get("TRUSTED_PROXIES", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def _configure_logging(app: Flask) -> None:
    # SQLAlchemy must never print bound parameters (they may hold index values or ciphertext).
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO if app.config["SQLALCHEMY_ECHO"] else logging.WARNING)


def _register_extensions(app: Flask) -> None:
    from integration_centre import i18n
    from integration_centre.accounts import passwords
    from integration_centre.database import configure_engine_options
    from integration_centre.extensions import csrf, db, limiter, login_manager, migrate

    passwords.configure(app.config.get("ARGON2_PARAMETERS"))
    configure_engine_options(app)
    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)


def _register_observability(app: Flask) -> None:
    """Request ids, the request log, metrics and probes: before the packages' own hooks."""
    from integration_centre import observability

    observability.register(app)


def import_models() -> None:
    """Import every package's models, in dependency order, so the metadata (and Alembic) sees all tables."""
    from integration_centre.accounts import models as accounts_models  # noqa: F401
    from integration_centre.agenda import models as agenda_models  # noqa: F401
    from integration_centre.api import models as api_models  # noqa: F401
    from integration_centre.core import outbox as core_outbox  # noqa: F401 — the outbox's tables
    from integration_centre.intake import models as intake_models  # noqa: F401
    from integration_centre.jobs import models as jobs_models  # noqa: F401
    from integration_centre.operators import models as operators_models  # noqa: F401
    from integration_centre.pathway import models as pathway_models  # noqa: F401
    from integration_centre.privacy import models as privacy_models  # noqa: F401
    from integration_centre.reception import models as reception_models  # noqa: F401
    from integration_centre.rights import models as rights_models  # noqa: F401
    from integration_centre.space import models as space_models  # noqa: F401
    from integration_centre.stats import models as stats_models  # noqa: F401
    from integration_centre.workspace import models as workspace_models  # noqa: F401


def _register_packages(app: Flask) -> None:
    """Each package wires itself (blueprints, hooks, listeners, panels, providers, navigation),
    from the foundation up. Accounts installs the access gate (after its session check); the
    API adds its token loader to that gate. Core comes last: its form check runs after the
    access gate (an anonymous post is sent to the login page before anything else)."""
    from integration_centre import (
        accounts,
        agenda,
        api,
        core,
        intake,
        jobs,
        operators,
        pathway,
        privacy,
        reception,
        rights,
        space,
        stats,
        workspace,
    )

    privacy.register(app)
    jobs.register(app)
    accounts.register(app)
    rights.register(app)
    pathway.register(app)
    operators.register(app)
    reception.register(app)
    workspace.register(app)
    intake.register(app)
    agenda.register(app)
    stats.register(app)
    api.register(app)
    space.register(app)
    core.register(app)


def _register_cli(app: Flask) -> None:
    from integration_centre.commands import register_commands

    register_commands(app)
