"""Persons announced by a commune who have not presented yet: their duty-to-present date, whether
they are obliged, and the domain events about them (no case yet).

The rule for the date is ``deadlines.presentation_due``; the definition is the one that applies to
the person at the office's centre (``reading.applicable_definition``), as when a case opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integration_centre import clock
from integration_centre.accounts.models import Office, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import events, reasons
from integration_centre.pathway.case_events import statistical_attributes
from integration_centre.pathway.deadlines import presentation_due
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.eligibility import Status, assess
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.reading import (
    applicable_definition,
    centre_jurisdiction,
    facts_of,
    recorded_dispensations,
)
from integration_centre.privacy.access import access

# Days bands of the wait from the announcement to the first reception appointment (stats codes).
WAIT_BANDS = (("wait_d000_014", 15), ("wait_d015_030", 31), ("wait_d031_060", 61), ("wait_d061_090", 91))
WAIT_LAST = "wait_d091_plus"


@dataclass(frozen=True)
class Presentation:
    """Where an announced person stands: when they must present, from which date, obliged or not."""

    announced_on: date | None
    due_on: date | None
    obliged: bool
    definition: PathwayDefinition | None

    def overdue(self, today: date) -> bool:
        """The duty-to-present date has passed."""
        return self.due_on is not None and self.due_on < today


def presentation_of(newcomer: Newcomer, office: Office | None, *, today: date | None = None) -> Presentation:
    """The person's presentation duty (call inside an access context naming the person)."""
    today = today or clock.today()
    facts = facts_of(newcomer)
    announced = facts.registration_date or facts.permit_order_date
    try:
        definition = applicable_definition(facts.permit_order_date or announced, centre_jurisdiction(office))
    except PathwayError:
        return Presentation(announced, None, False, None)
    eligibility = assess(facts, definition, on=today, dispensations=recorded_dispensations(newcomer.id, definition))
    due = presentation_due(definition, permit_order=facts.permit_order_date, registration=facts.registration_date)
    return Presentation(announced, due, eligibility.status == Status.OBLIGED, definition)


def wait_band(days: int) -> str:
    """The days band of a wait (stats code)."""
    return next((band for band, upper in WAIT_BANDS if days < upper), WAIT_LAST)


def emit_person_event(
    actor: User,
    newcomer: Newcomer,
    office: Office,
    event_type: str,
    *,
    on: date | None = None,
    reason: str | None = None,
    duration_days: int | None = None,
) -> None:
    """Queue one domain event about a person who may have no case (payload contract in
    ``pathway.events``: statistical attributes only, no id, no name, no exact date)."""
    on = on or clock.today()
    with access(actor, "pathway.event", [newcomer.id]):
        presentation = presentation_of(newcomer, office, today=on)
        if presentation.definition is None:
            return  # no definition covers the person: nothing to count against
        person = statistical_attributes(newcomer, None, presentation.definition, on)
    events.queue(
        db.session,
        events.DomainEvent(
            type=event_type,
            occurred_at=utcnow().isoformat(),
            event_date=on.isoformat(),
            month=on.strftime("%Y-%m"),
            cohort_month=None,
            definition_code=presentation.definition.code,
            definition_version=presentation.definition.version,
            office_id=office.id,
            centre_id=office.centre_id,
            person=person,
            reason=reasons.coarse(reason),
            duration_days=duration_days,
        ),
    )


class AgendaReader:
    """What the office agenda tells about announced persons (registered by the agenda package,
    which sits beside the packages that read it): the next booked appointment, the no-show signal."""

    def booked(self, person_ids: list, office_id: int) -> dict:  # pragma: no cover - interface
        """{person id: start of the next active reception appointment at the office}."""
        return {}

    def signalled(self, person_ids: list, office_id: int) -> set:  # pragma: no cover - interface
        """The persons whose repeated no-shows at the office raised the non-compliance signal."""
        return set()


_agenda: list[AgendaReader] = [AgendaReader()]


def register_agenda_reader(reader: AgendaReader) -> None:
    """Install the agenda's reader (the last one registered wins)."""
    _agenda[0] = reader


def agenda() -> AgendaReader:
    """The installed agenda reader (an empty one when no agenda is installed)."""
    return _agenda[0]
