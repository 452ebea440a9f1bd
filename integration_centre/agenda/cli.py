"""``integration-centre agenda remind``: queue the appointment reminders that are due (the worker
calls ``reminders.send_appointment_reminders`` on its own schedule; this runs it by hand)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

agenda_cli = AppGroup("agenda", help="The office agenda.")


@agenda_cli.command("remind")
def remind_command() -> None:
    """Queue a reminder (e-mail, SMS) for every appointment starting within the reminder delay;
    ``integration-centre outbox send`` sends them."""
    from integration_centre.agenda.reminders import send_appointment_reminders
    from integration_centre.extensions import db

    count = send_appointment_reminders()
    db.session.commit()
    click.echo(f"reminders queued for {count} appointment(s)")


def register(app) -> None:
    """Attach ``agenda`` to the ``integration-centre`` command."""
    app.cli.add_command(agenda_cli)
