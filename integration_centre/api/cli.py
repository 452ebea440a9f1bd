"""``integration-centre api token create|list|revoke`` and ``api purge-idempotency``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from integration_centre.accounts.services import find_user_by_email
from integration_centre.api import idempotency, tokens
from integration_centre.api.models import ApiToken
from integration_centre.extensions import db

api_cli = AppGroup("api", help="REST API tokens and housekeeping.")
token_cli = AppGroup("token", help="API tokens: create, list, revoke.")
api_cli.add_command(token_cli)


@token_cli.command("create")
@click.option("--user", "email", required=True, help="E-mail of the operator or agent account the token acts as.")
@click.option("--name", required=True, help="Which integration uses the token.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(list(tokens.SCOPES)),
    help="A scope (repeat the option for several).",
)
@click.option("--days", default=tokens.DEFAULT_LIFETIME_DAYS, show_default=True, help="Lifetime in days.")
def create_command(email: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Create a token and print it once (only its hash is kept)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with the e-mail address {email}")
    try:
        created = tokens.create_token(user, name, list(scopes), lifetime_days=days)
    except tokens.TokenError as exc:
        db.session.rollback()
        raise click.ClickException(f"no token created: {exc.message}") from None
    db.session.commit()
    click.echo(created.secret)
    click.echo(
        f"token #{created.token.id} for {user.email}, scopes {', '.join(created.token.scopes)}, "
        f"expires {created.token.expires_at:%Y-%m-%d}. Store it now: it is not shown again.",
        err=True,
    )


@token_cli.command("list")
def list_command() -> None:
    """Every token (never the token itself)."""
    for token in tokens.tokens_listing():
        status = "revoked" if token.revoked_at else "active"
        click.echo(
            f"#{token.id}\tic_{token.prefix}_…\t{token.user.email}\t{','.join(token.scopes)}\t"
            f"expires {token.expires_at:%Y-%m-%d}\t{status}\t{token.name}"
        )


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke token TOKEN_ID (it answers 401 at once)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token #{token_id}")
    if not tokens.revoke_token(token):
        raise click.ClickException(f"token #{token_id} was already revoked")
    db.session.commit()
    click.echo(f"token #{token_id} revoked")


@api_cli.command("purge-idempotency")
def purge_command() -> None:
    """Delete idempotency records older than 24 hours."""
    count = idempotency.purge()
    db.session.commit()
    click.echo(f"{count} idempotency record(s) deleted")


def register(app: Flask) -> None:
    """Attach the ``api`` command group."""
    app.cli.add_command(api_cli)
