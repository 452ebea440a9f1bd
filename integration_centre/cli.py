"""The ``integration-centre`` command: quickstart, init, demo data, and the Flask commands (db, run…).

Every command is known without building the app (``--help`` works with no instance folder, keys
or database); a command builds the app only when it runs (``with_appcontext``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup
from werkzeug.serving import WSGIRequestHandler

from integration_centre.commands import demo_password, register_commands
from integration_centre.config import ConfigurationError
from integration_centre.serve import DEFAULT_BIND, DEFAULT_THREADS, DEFAULT_WORKERS

DEMO_SERVER_NOTE = "Demo server — not for production; see README 'One office on SQLite'."


class _NoVersionHandler(WSGIRequestHandler):
    """The development server without its version in the ``Server`` header."""

    def version_string(self) -> str:
        return "integration-centre"


def _create_app_for_cli() -> Flask:
    from integration_centre.app import create_app

    try:
        return create_app()
    except ConfigurationError as exc:  # one line and the exit status of its cause (README, start-up checks)
        from integration_centre import startup

        startup.exit_for(exc)
        raise  # unreachable: exit_for exits


class _CommandTarget:
    """Stands for the app in ``register(app)``: its ``cli`` is the console script's group."""

    def __init__(self, group: click.Group) -> None:
        self.cli = group


class IntegrationCentreGroup(FlaskGroup):
    """A FlaskGroup whose commands are registered up front instead of read from a built app.

    Flask's own group builds the app to list or find a command, so ``--help`` failed without an
    instance folder; here the domain packages register their commands on the group itself and
    each command builds the app when (and only when) it runs.
    """

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        super()._load_plugin_commands()
        register_commands(_CommandTarget(self))

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        own = click.Group.get_command(self, ctx, name)  # check, serve, init…: no package to import first
        if own is not None:
            return own
        self._load_plugin_commands()
        return click.Group.get_command(self, ctx, name)


@click.group(cls=IntegrationCentreGroup, create_app=_create_app_for_cli, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Integration centre: case management for the newcomers' integration pathway."""


@main.command("init", with_appcontext=False)
def init_command() -> None:
    """Prepare a production installation (no demo): key files, schema, reference data.

    Creates only what is missing (secret key and keyring files, mode 0600, are never
    overwritten) and no user: run `integration-centre users create-admin EMAIL` next. Checks
    the database first: when it cannot be reached, nothing is written.
    """
    from integration_centre.install import InitError, init_installation

    try:
        report = init_installation()
    except (ConfigurationError, InitError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for line in report.lines:
        click.echo(line)
    if report.changed:
        click.echo("Installation ready. Next: integration-centre users create-admin EMAIL --base-url https://…")
    else:
        click.echo("Nothing to do: the installation is already initialised (nothing changed).")


@main.command("quickstart", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Prepare everything but do not start the server.")
def quickstart(host: str, port: int, no_serve: bool) -> None:
    """Create instance/, keys and database, load demo data, print the logins, then serve."""
    from flask_migrate import upgrade

    from integration_centre import privacy
    from integration_centre.app import create_app
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
        report = load_demo(app, demo_password(instance))
    click.echo(report.summary())
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"Open {url}")
    click.echo(DEMO_SERVER_NOTE)
    click.echo(report.logins())
    space_lines = report.space_demo(url)
    if space_lines:
        click.echo(space_lines)
    if no_serve:
        return
    from werkzeug.serving import run_simple

    run_simple(
        host, port, app, use_reloader=False, use_debugger=False, threaded=True, request_handler=_NoVersionHandler
    )


@main.command("check", with_appcontext=False)
def check_command() -> None:
    """Check the installation before serving (for systemd's ExecStartPre=): settings, secret key,
    keyring, database reachable and at the latest revision, keyring matching it, Redis.

    Writes nothing. On failure: one line on standard error and the exit status of its cause
    (README, "Start-up checks"); 0 when every check passed.
    """
    from integration_centre import startup

    for passed in startup.check_or_exit():
        click.echo(f"OK: {passed}")


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
    """Serve the application with gunicorn (production; see README 'One office on SQLite').

    Runs the start-up checks first (as `integration-centre check`): a failure exits before serving."""
    from integration_centre import serve as server
    from integration_centre import startup

    startup.check_or_exit()
    server.prepare_metrics_dir()  # before the app imports prometheus_client
    app = _create_app_for_cli()
    click.echo(f"Serving on {bind} with gunicorn ({workers} worker(s), {threads} threads); Ctrl+C stops it.")
    server.run(app, bind=bind, workers=workers, threads=threads)
