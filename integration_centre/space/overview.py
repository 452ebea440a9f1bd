"""The space's home page: a greeting (the given name only), the next appointment, and what to do
next — in a few short sentences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space.appointments import AppointmentLine, appointments_of
from integration_centre.space.pathway_view import DeadlineLine, deadlines_of, steps_of


@dataclass(frozen=True)
class Overview:
    given_name: str
    next_appointment: AppointmentLine | None
    to_do: list[str]


def given_name(actor: Actor, person_id: uuid.UUID, purpose: str) -> str:
    """The person's first given name (nothing else of their identity)."""
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None:
        return ""
    with access(actor, purpose, [person_id]):
        names = (newcomer.given_names or "").split()
    return names[0] if names else ""


def overview(actor: Actor, person_id: uuid.UUID, purpose: str, *, today: date | None = None) -> Overview:
    """What the home page says (one purpose for every read it makes)."""
    name = given_name(actor, person_id, purpose)
    appointments = appointments_of(actor, person_id, purpose)
    steps = steps_of(actor, person_id, purpose)
    deadlines: list[DeadlineLine] = deadlines_of(actor, person_id, purpose, today=today)
    to_do = []
    if appointments:
        first = appointments[0]
        to_do.append(_("Go to your appointment on %(day)s at %(time)s.", day=first.day, time=first.time))
    if steps.next is not None:
        to_do.append(_("Your next step: %(step)s.", step=steps.next.name))
    upcoming = [d for d in deadlines if not d.passed]
    if upcoming:
        to_do.append(upcoming[0].sentence)
    if not to_do:
        to_do.append(_("You have nothing to do now."))
    return Overview(name, appointments[0] if appointments else None, to_do)
