"""The ``integration-centre`` command: quickstart, demo data, and the Flask commands (db, run…)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup
from werkzeug.serving import WSGIRequestHandler

from integration_centre.config import ConfigurationError
from integration_centre.serve import DEFAULT_BIND, DEFAULT_THREADS, DEFAULT_WORKERS

DEMO_PASSWORD_FILE = "demo_password"  # noqa: S105 - a file name, not a password
DEMO_SERVER_NOTE = "Demo server — not for production; see README 'One office on SQLite'."


class _NoVersionHandler(WSGIRequestHandler):
    """The development server without its version in the ``Server`` header."""

    def version_string(self) -> str:
        return "integration-centre"


def _create_app_for_cli() -> Flask:
    from integration_centre import create_app

    try:
        return create_app()
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app_for_cli, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Integration centre: case management for the newcomers' integration pathway."""


def register_commands(app: Flask) -> None:
    """Attach the commands of every domain package (each module may expose ``register(app)``)."""
    app.cli.add_command(demo_command)
    from integration_centre import domain_modules

    for module in domain_modules("cli"):
        module.register(app)


@click.command("demo")
def demo_command() -> None:
    """Load the demo data into the configured database (idempotent)."""
    from flask import current_app

    from integration_centre.demo import load_demo, refuse_in_production

    try:
        refuse_in_production(current_app.config.get("ENV_NAME"), "the demo data (`integration-centre demo`)")
        report = load_demo(current_app, _demo_password(Path(current_app.instance_path)))
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(report.summary())


def _demo_password(instance: Path) -> str:
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


@main.command("quickstart", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Prepare everything but do not start the server.")
def quickstart(host: str, port: int, no_serve: bool) -> None:
    """Create instance/, keys and database, load demo data, print the logins, then serve."""
    from flask_migrate import upgrade

    from integration_centre import create_app, privacy
    from integration_centre.config import read_settings
    from integration_centre.demo import load_demo, refuse_in_production

    try:  # before anything is written: no instance folder, demo keyring or database in production
        refuse_in_production(read_settings()["settings"]["ENV"], "a demo (`integration-centre quickstart`)")
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    os.environ.setdefault("INTEGRATION_CENTRE_DEMO", "1")
    instance = Path(os.environ.get("INTEGRATION_CENTRE_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    os.chmod(instance, 0o700)
    click.echo(f"Instance folder: {instance}")
    try:
        privacy.ensure_keyring_file(instance, demo=True)
        app = create_app(create_secret=True)
    except ConfigurationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    with app.app_context():
        click.echo("Applying database migrations…")
        upgrade(directory=app.extensions["migrate"].directory)
        click.echo("Loading demo data…")
        report = load_demo(app, _demo_password(instance))
    click.echo(report.summary())
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"Open {url}")
    click.echo(DEMO_SERVER_NOTE)
    click.echo(report.logins())
    if no_serve:
        return
    from werkzeug.serving import run_simple

    run_simple(
        host, port, app, use_reloader=False, use_debugger=False, threaded=True, request_handler=_NoVersionHandler
    )


@main.command("serve", with_appcontext=False)
@click.option("--bind", default=DEFAULT_BIND, show_default=True, help="Address and port to listen on.")
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes (keep 1 on SQLite).",
)
@click.option(
    "--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256), help="Threads per process."
)
def serve(bind: str, workers: int, threads: int) -> None:
    """Serve the application with gunicorn (production; see README 'One office on SQLite')."""
    from integration_centre import serve as server

    app = _create_app_for_cli()
    click.echo(f"Serving on {bind} with gunicorn ({workers} worker(s), {threads} threads); Ctrl+C stops it.")
    server.run(app, bind=bind, workers=workers, threads=threads)
