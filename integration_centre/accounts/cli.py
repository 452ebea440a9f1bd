"""``integration-centre users create-admin EMAIL``: the first administrator, with a setup link."""

from __future__ import annotations

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup

from integration_centre.accounts import setup
from integration_centre.extensions import db

users_cli = AppGroup("users", help="User accounts created from the command line.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "display_name", default="Administrator", show_default=True, help="The display name.")
@click.option(
    "--base-url",
    default=None,
    help="The address users type to reach the application (behind the proxy), e.g. https://ic.example.be/; "
    "default INTEGRATION_CENTRE_BASE_URL.",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Issue a new link (the earlier ones stop working) for an administrator whose setup was never completed.",
)
def create_admin_command(email: str, display_name: str, base_url: str | None, reset: bool) -> None:
    """Create an administrator with no password and print a one-time setup link (24 hours).

    On the link the administrator chooses a password and sets up two-step login (TOTP).
    An existing e-mail address is refused unless --reset applies.
    """
    base = base_url or current_app.config.get("BASE_URL")
    if not base:
        raise click.ClickException(
            "no base URL: give --base-url https://… or set INTEGRATION_CENTRE_BASE_URL "
            "(the address users type, behind the reverse proxy); nothing changed"
        )
    try:
        base = setup.normalise_base_url(base)
        issued = setup.create_admin(email, display_name, reset=reset)
    except setup.SetupError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    link = setup_link(base, issued.token)
    db.session.commit()
    what = "Administrator created" if issued.created else "New setup link issued (the earlier ones no longer work)"
    click.echo(f"{what}: {issued.user.email}")
    click.echo(f"One-time setup link (valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC, works once):")
    click.echo(link)
    click.echo("Give it to the administrator in a safe way: they choose a password and set up two-step login.")


def setup_link(base_url: str, token: str) -> str:
    """The setup link under ``base_url`` (scheme, host and path prefix of the public address)."""
    with current_app.test_request_context("/", base_url=base_url):
        return url_for("accounts.account_setup_link", token=token, _external=True)


def register(app: Flask) -> None:
    """Attach the ``users`` command group."""
    app.cli.add_command(users_cli)
