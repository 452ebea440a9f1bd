"""The commands every app carries (``flask``-style ``app.cli``): each package's commands, ``db``
and ``demo``. ``app.create_app`` and the console script (``cli.main``) both attach them here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from integration_centre.config import ConfigurationError

DEMO_PASSWORD_FILE = "demo_password"  # noqa: S105 - a file name, not a password


def register_commands(app) -> None:
    """Attach the commands of every domain package (each module may expose ``register(app)``).

    ``app`` is a Flask app or anything with a ``cli`` group: the registration only adds commands.
    """
    from integration_centre.accounts import cli as accounts_cli
    from integration_centre.agenda import cli as agenda_cli
    from integration_centre.api import cli as api_cli
    from integration_centre.intake import cli as intake_cli
    from integration_centre.migrations_cli import db_group
    from integration_centre.operators import cli as operators_cli
    from integration_centre.pathway import cli as pathway_cli
    from integration_centre.privacy import cli as privacy_cli
    from integration_centre.stats import cli as stats_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(db_group)
    from integration_centre import worker

    for module in (
        accounts_cli,
        privacy_cli,
        pathway_cli,
        operators_cli,
        stats_cli,
        api_cli,
        intake_cli,
        agenda_cli,
        worker,
    ):
        module.register(app)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data into the configured database (idempotent)."""
    from flask import current_app

    from integration_centre.demo import load_demo, refuse_in_production

    try:
        refuse_in_production(current_app.config.get("ENV_NAME"), "the demo data (`integration-centre demo`)")
        report = load_demo(current_app, demo_password(Path(current_app.instance_path)))
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(report.summary())


def demo_password(instance: Path) -> str:
    """INTEGRATION_CENTRE_DEMO_PASSWORD, else the one generated on first run (kept in instance/)."""
    import secrets

    from_env = os.environ.get("INTEGRATION_CENTRE_DEMO_PASSWORD")
    if from_env:
        return from_env
    path = instance / DEMO_PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    password = "demo-" + secrets.token_urlsafe(12)
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password
