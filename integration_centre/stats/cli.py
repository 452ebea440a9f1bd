"""``integration-centre stats publish|rebuild``: protected releases from the facts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.stats import services

stats_cli = AppGroup("stats", help="Statistics releases for the coordination committee.")


@stats_cli.command("publish")
@click.option("--period", default=None, help="2026, 2026-Q3 or 2026-07.")
@click.option(
    "--due",
    is_flag=True,
    help="Publish every completed month, quarter and year not yet published (the monthly schedule).",
)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="With --due: today's date.")
@click.option("--scope", default=services.REGION, show_default=True, help="'region' or 'centre:<code>'.")
def publish_command(period: str | None, due: bool, as_of, scope: str) -> None:
    """Build, protect, check and store the release of PERIOD (nothing is stored on failure).

    The background worker (``integration-centre worker``) publishes the due periods on its own
    (the region and every centre scope already published); ``--due`` does the same by hand for one
    scope: it publishes, oldest first, each completed period still unpublished.
    """
    if due == (period is not None):
        raise click.UsageError("give either --period or --due")
    periods = services.due_periods((as_of or utcnow()).date(), scope) if due else [period]
    if due and not periods:
        click.echo(f"{scope}: nothing due, every completed period is published")
    for code in periods:
        _publish_one(code, scope)


def _publish_one(period: str, scope: str) -> None:
    try:
        result = services.publish(period, scope)
        db.session.commit()
    except (services.PublishError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(f"nothing published for {period}: {exc}") from None
    release = result.release
    state = "published" if result.created else "unchanged (identical to the live release)"
    click.echo(f"{release.period} {release.scope}: {state}, sha256 {release.content_hash}")
    for table_id in result.redesign:
        click.echo(f"  withheld, redesign with coarser categories: {table_id}")


@stats_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every published release from the facts (identical facts give identical bytes)."""
    keys = services.published_keys()
    results = []
    try:
        with click.progressbar(length=len(keys), label="Rebuilding releases") as bar:
            results = services.rebuild(progress=lambda _key: bar.update(1))
        db.session.commit()
    except (services.PublishError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(f"rebuild stopped, nothing changed: {exc}") from None
    for result in results:
        state = "new release" if result.changed else "identical"
        click.echo(f"{result.period} {result.scope}: {state}, sha256 {result.content_hash}")


def register(app: Flask) -> None:
    """Attach the ``stats`` command group."""
    app.cli.add_command(stats_cli)
