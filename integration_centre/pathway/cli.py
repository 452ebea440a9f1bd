"""``integration-centre pathway protect-reasons | reveal-reasons`` (the health-reason conversion) and
``pathway reindex`` (the blind indexes rebuilt at another size)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.pathway import reasons, search_index
from integration_centre.pathway.models import Newcomer
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


@pathway_cli.command("reindex")
@click.option("--bits", "size", type=click.IntRange(1, 63), required=True, help="bits kept of each index value")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def reindex_command(size: int, yes: bool) -> None:
    """Rebuild the search indexes of every file at BITS bits (service stopped; about log2(persons / 2)).

    Run it with INTEGRATION_CENTRE_PRIVACY_INDEX_BITS still at the current size, then set it to
    BITS and start the service: until then the app refuses to start (its searches would find nobody).
    """
    persons = db.session.scalar(select(func.count()).select_from(Newcomer)) or 0
    if not yes:
        click.confirm(
            f"Rebuild the search indexes of {persons} file(s) at {size} bits? Stop the service first.", abort=True
        )
    with click.progressbar(length=persons, label="Files", show_pos=True) as bar:
        count, entries = search_index.rebuild(Actor.system("cli"), size, progress=bar.update)
    db.session.commit()
    click.echo(
        f"{entries} index entries of {count} file(s) rebuilt at {size} bits. "
        f"Now set INTEGRATION_CENTRE_PRIVACY_INDEX_BITS={size} and start the service."
    )


def register(app: Flask) -> None:
    """Attach the ``pathway`` command group."""
    app.cli.add_command(pathway_cli)
