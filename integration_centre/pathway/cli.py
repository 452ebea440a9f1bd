"""``integration-centre pathway protect-reasons | reveal-reasons``: the health-reason conversion."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.privacy.access import Actor

pathway_cli = AppGroup("pathway", help="Pathway data maintenance.")


@pathway_cli.command("protect-reasons")
def protect_reasons_command() -> None:
    """Encrypt the health-related reasons still stored in clear (run once after `db upgrade` to 0004)."""
    count = reasons.protect_existing(Actor.system("cli"))
    db.session.commit()
    click.echo(f"{count} reason(s) moved to their encrypted field; the clear columns keep '{reasons.COARSE}'.")


@pathway_cli.command("reveal-reasons")
def reveal_reasons_command() -> None:
    """Put the encrypted precise reasons back in clear (only before a downgrade below revision 0004)."""
    count = reasons.reveal_existing(Actor.system("cli"))
    db.session.commit()
    click.echo(f"{count} reason(s) put back in clear: you may now downgrade below revision 0004.")


def register(app: Flask) -> None:
    """Attach the ``pathway`` command group."""
    app.cli.add_command(pathway_cli)
