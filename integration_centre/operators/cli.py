"""``integration-centre outbox send``: send the queued e-mail notifications now (the background
worker, ``integration-centre worker``, sends them on its own every round)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="E-mail notifications waiting to be sent.")


@outbox_cli.command("send")
def send_command() -> None:
    """Send every due message through SMTP; failures are retried later with a growing delay.

    Exit code 0 when nothing failed in this run, 1 when some messages failed (they stay queued
    for a later attempt, or are given up after too many), 2 when messages wait but SMTP is not
    configured (``INTEGRATION_CENTRE_SMTP_HOST``).
    """
    from integration_centre.operators import outbox

    report = outbox.send_due()
    if not current_app.config.get("SMTP_HOST"):
        click.echo(f"SMTP is not configured (INTEGRATION_CENTRE_SMTP_HOST): {report.pending} message(s) queued.")
        sys.exit(2 if report.pending else 0)
    click.echo(f"sent {report.sent}, to retry {report.retried}, given up {report.failed}")
    if report.retried or report.failed:
        sys.exit(1)


def register(app: Flask) -> None:
    """Attach ``outbox`` to the ``integration-centre`` command."""
    app.cli.add_command(outbox_cli)
