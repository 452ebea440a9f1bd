"""Persons announced by a commune (imported or registered at the office) who have no case yet:
the office's list with each person's duty-to-present date, whether a reception appointment is
booked, the reminders sent, and the non-compliance procedure once the date has passed.

The date is the pathway's one rule (``pathway.deadlines.presentation_due``) on the applicable
definition. The clock-start dates are encrypted: the list reads them for the office's announced
persons in one audited access (with the names of the page's persons), sorts by the computed date
and pages in memory — an office has hundreds of persons waiting, not hundreds of thousands.
Appointments and no-show signals come from the agenda (``pathway.presentation.agenda()``).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.core import outbox
from integration_centre.extensions import db
from integration_centre.pathway import presentation
from integration_centre.pathway.deadlines import presentation_due
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.reading import applicable_definition, centre_jurisdiction
from integration_centre.privacy.access import access
from integration_centre.privacy.fields import decrypt_rows, encrypted_rows_statement
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import NoncomplianceProcedure, PersonEvent
from integration_centre.workspace.noncompliance import (
    RUNNING,
    active_case_of,
    open_procedure_of,
    person_event,
    subject_of,
)

PAGE_SIZE = 25
SORTS = ("due", "-due")
REMINDER_ACTION = "announced.reminder"
_DATE_FIELDS = ("registration_date", "permit_order_date")
_NAME_FIELDS = ("family_name", "given_names")


@dataclass(frozen=True)
class AnnouncedRow:
    """One person of the list."""

    person_id: uuid.UUID
    name: str
    announced_on: date | None
    due_on: date | None
    overdue: bool
    booked_at: datetime | None
    signalled: bool
    procedure_status: str | None
    reminded_at: datetime | None


@dataclass(frozen=True)
class AnnouncedPage:
    """A page of the list."""

    rows: list[AnnouncedRow]
    total: int
    page: int
    pages: int
    sort: str


def announced_ids(office_id: int):
    """The statement of the persons registered at the office who never had a case."""
    return select(Newcomer.id).where(
        Newcomer.registered_by_office_id == office_id,
        ~exists().where(Case.person_id == Newcomer.id),
    )


def _due_dates(office: Office, rows) -> dict[uuid.UUID, tuple[date | None, date | None]]:
    """{person id: (announced on, due on)} from the decrypted clock-start dates."""
    jurisdiction = centre_jurisdiction(office)
    values = decrypt_rows(Newcomer, _DATE_FIELDS, rows)
    result = {}
    for person_id, (registration, permit_order) in values.items():
        announced = registration or permit_order
        try:
            definition = applicable_definition(permit_order or announced, jurisdiction)
        except PathwayError:
            result[person_id] = (announced, None)
            continue
        result[person_id] = (
            announced,
            presentation_due(definition, permit_order=permit_order, registration=registration),
        )
    return result


def announced_list(actor: User, *, sort: str = "due", page: int = 1, today: date | None = None) -> AnnouncedPage:
    """The office's announced persons without a case, sorted by duty-to-present date (``due``:
    soonest first, undated last; ``-due``: latest first), one page of ``PAGE_SIZE``."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    today = today or clock.today()
    sort = sort if sort in SORTS else "due"
    office = db.session.get(Office, actor.office_id)
    statement = encrypted_rows_statement(Newcomer, _DATE_FIELDS).where(Newcomer.id.in_(announced_ids(office.id)))
    rows = db.session.execute(statement).all()
    with access(actor, "announced.list", [row.person_id for row in rows]):
        dates = _due_dates(office, rows)
    undated = date.max if sort == "due" else date.min
    ordered = sorted(dates, key=lambda pid: (dates[pid][1] or undated, str(pid)), reverse=sort == "-due")
    total = len(ordered)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    chosen = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    names = _names(actor, chosen)
    reader = presentation.agenda()
    booked = reader.booked(chosen, office.id) if chosen else {}
    signalled = reader.signalled(chosen, office.id) if chosen else set()
    procedures = dict(
        db.session.execute(
            select(NoncomplianceProcedure.person_id, NoncomplianceProcedure.status).where(
                NoncomplianceProcedure.person_id.in_(chosen),
                NoncomplianceProcedure.case_id.is_(None),
                NoncomplianceProcedure.office_id == office.id,
                NoncomplianceProcedure.status.in_(RUNNING),
            )
        ).all()
    )
    reminders = dict(
        db.session.execute(
            select(PersonEvent.person_id, func.max(PersonEvent.at))
            .where(PersonEvent.person_id.in_(chosen), PersonEvent.action == REMINDER_ACTION)
            .group_by(PersonEvent.person_id)
        ).all()
    )
    return AnnouncedPage(
        rows=[
            AnnouncedRow(
                person_id=pid,
                name=names.get(pid, "—"),
                announced_on=dates[pid][0],
                due_on=dates[pid][1],
                overdue=dates[pid][1] is not None and dates[pid][1] < today,
                booked_at=booked.get(pid),
                signalled=pid in signalled,
                procedure_status=procedures.get(pid),
                reminded_at=reminders.get(pid),
            )
            for pid in chosen
        ],
        total=total,
        page=page,
        pages=pages,
        sort=sort,
    )


def _names(actor: User, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not person_ids:
        return {}
    rows = db.session.execute(encrypted_rows_statement(Newcomer, _NAME_FIELDS).where(Newcomer.id.in_(person_ids))).all()
    with access(actor, "announced.list", [row.person_id for row in rows]):
        names = decrypt_rows(Newcomer, _NAME_FIELDS, rows)
    return {pid: f"{(family or '').upper()}, {given or ''}" for pid, (family, given) in names.items()}


def announced_person(actor: User, person_id: uuid.UUID) -> Newcomer:
    """An announced person of the actor's office without a case (404 otherwise). A person whose
    case opened while a procedure without a case was running stays reachable, so that the
    procedure can be closed (the person complied) or followed to its decision."""
    newcomer = db.session.get(Newcomer, person_id)
    require(newcomer is not None and actor.role == Role.AGENT)
    subject = subject_of(actor, newcomer)  # the office that registered the person only
    has_case = db.session.scalar(select(Case.id).where(Case.person_id == newcomer.id).limit(1)) is not None
    require(not has_case or open_procedure_of(subject) is not None)
    return newcomer


def timeline_of(person: Newcomer) -> list[PersonEvent]:
    """The person's timeline entries without a case, latest first."""
    return list(
        db.session.scalars(
            select(PersonEvent).where(PersonEvent.person_id == person.id).order_by(PersonEvent.at.desc())
        )
    )


def _locale(language: str | None) -> str:
    locales = current_app.config.get("LOCALES") or ("fr",)
    return language if language in locales else locales[0]


def send_reminder(actor: User, newcomer: Newcomer) -> None:
    """Send the person a reminder of the duty to present, by e-mail in their language (the
    office's default language otherwise), through the outbox, and note it on their timeline.

    The message holds no personal data (no name, no date): the office's name and what to do.
    The address and the text are sealed under the person's key in the outbox (``core.outbox``).
    Refused when no e-mail is known or once the person has a case.
    """
    subject = subject_of(actor, newcomer)
    require(can_see_office(actor, subject.office_id))
    if active_case_of(newcomer.id) is not None:
        raise WorkspaceError(_("This person has an active case: the reminder is no longer needed."))
    with access(actor, "announced.reminder", [newcomer.id]):
        email = newcomer.email
        language = newcomer.preferred_language
    if not email:
        raise WorkspaceError(_("No e-mail address is known for this person: call or write to them instead."))
    office = db.session.get(Office, subject.office_id)
    with force_locale(_locale(language)):
        title = _("Your reception appointment at the integration centre")
        body = _(
            "Hello,\n\nThe municipality where you registered told the reception office %(office)s of "
            "your arrival. Newcomers must present at the reception office within three months of "
            "their registration. Please contact the office to book your reception appointment; "
            "an interpreter is free if you need one.\n\nThe reception office %(office)s",
            office=office.name,
        )
    with access(actor, "announced.reminder", [newcomer.id]):
        outbox.enqueue_personal(newcomer.id, outbox.EMAIL, email, title, body)
    person_event(actor, newcomer.id, office.id, REMINDER_ACTION, reason="email")
    db.session.flush()


def display_name(actor: User, newcomer: Newcomer) -> str:
    """ "FAMILY, Given" of the person (an audited read)."""
    return _names(actor, [newcomer.id]).get(newcomer.id, "—")
