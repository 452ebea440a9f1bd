"""What a person asks of their office from their space, and the office's answer.

The person (actor ``space.session.person_actor()``) confirms an appointment, asks to move one
(a reason from a short list and, optionally, preferred days in a short text sealed under their
key), tells the office a new address, phone or e-mail (sealed; applied only once an agent of the
office confirms it, through ``pathway.file_edits.edit_newcomer``: the same validation, audit and
file version as an agent's edit), or files a data-protection request (access, rectification) in
the rights register (``rights.requests.record_request``, channel ``space``).

An agent of the request's office sees the pending requests and moves the appointment
(``agenda.booking.move``), applies the change, or declines with a reason the person reads. An
agent of another office gets 404. Every function flushes, never commits (``core.requests.perform``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from integration_centre import clock
from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.agenda import booking
from integration_centre.agenda.models import ACTIVE_STATUSES, Appointment
from integration_centre.core.names import person_name
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.pathway import file_edits
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.registration import EMAIL_RE, PHONE_RE
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy import audit
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.rights import requests as rights_requests
from integration_centre.rights.models import SubjectRequest
from integration_centre.space import appointments
from integration_centre.space.request_labels import (
    CONTACT_DECLINE_REASONS,
    MOVE_DECLINE_REASONS,
    MOVE_REASON_LABELS,
    RIGHTS_KIND_LABELS,
)
from integration_centre.space.request_models import (
    APPOINTMENT_CONFIRMATION,
    APPOINTMENT_MOVE,
    CONTACT_CHANGE,
    DECLINED,
    DONE,
    FILED,
    NOTED,
    PENDING,
    REVIEWED_KINDS,
    RIGHTS_REQUEST,
    SpaceRequest,
)

PREFERRED_MAX = 300
ADDRESS_MAX = 200
DETAILS_MAX = 1000
CONTACT_FIELDS = ("address", "phone", "email")
REVIEW_PURPOSE = "space.request_review"
OBJECT_TYPE = "space_request"
_SPACES = re.compile(r"\s+")


class RequestRefused(DomainError):
    """A person's request or an office's decision refused; nothing was written."""


def _one_line(value: str | None) -> str:
    return _SPACES.sub(" ", value or "").strip()


# --- the person's side ------------------------------------------------------------------------


def person_office_id(person_id: uuid.UUID, link_office_id: int | None = None) -> int | None:
    """The office the person's requests go to: the one of their personal link, else the one of
    their running case, else the office that registered them."""
    if link_office_id is not None:
        return link_office_id
    office_id = db.session.scalar(
        select(Case.office_id)
        .where(Case.person_id == person_id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
        .order_by(Case.opened_on.desc())
    )
    if office_id is not None:
        return office_id
    return db.session.scalar(select(Newcomer.registered_by_office_id).where(Newcomer.id == person_id))


def upcoming_appointments(person_id: uuid.UUID) -> list[Appointment]:
    """The person's appointments not started yet (booked or moved), soonest first: those they may
    confirm or ask to move."""
    now = clock.utcnow()
    return [item for item in appointments.upcoming(person_id, now=now) if item.starts_at > now]


def person_appointment(person_id: uuid.UUID, appointment_id: uuid.UUID) -> Appointment:
    """One of the person's own appointments still to come (404 otherwise)."""
    appointment = db.session.get(Appointment, appointment_id)
    require(
        appointment is not None
        and appointment.person_id == person_id
        and appointment.status in ACTIVE_STATUSES
        and appointment.starts_at > clock.utcnow()
    )
    return appointment


def _open_request(person_id: uuid.UUID, kind: str, appointment_id: uuid.UUID | None = None) -> SpaceRequest | None:
    query = select(SpaceRequest).where(
        SpaceRequest.person_id == person_id, SpaceRequest.kind == kind, SpaceRequest.status == PENDING
    )
    if appointment_id is not None:
        query = query.where(SpaceRequest.appointment_id == appointment_id)
    return db.session.scalars(query.limit(1)).first()


def confirmation_of(appointment: Appointment) -> SpaceRequest | None:
    """The person's "I will come" for this appointment at its current time, if given."""
    return db.session.scalars(
        select(SpaceRequest)
        .where(
            SpaceRequest.appointment_id == appointment.id,
            SpaceRequest.kind == APPOINTMENT_CONFIRMATION,
            SpaceRequest.created_at >= appointment.status_changed_at,
        )
        .limit(1)
    ).first()


def move_request_of(appointment: Appointment) -> SpaceRequest | None:
    """The person's pending request to move this appointment, if any."""
    return _open_request(appointment.person_id, APPOINTMENT_MOVE, appointment.id)


def _record(actor: Actor, purpose: str, *, details: dict | None = None, **columns) -> SpaceRequest:
    """A new request of the person: its sealed details written under an audited access, its
    creation audited under ``purpose``."""
    item = SpaceRequest(id=uuid.uuid4(), **columns)
    db.session.add(item)
    if details:
        with access(actor, purpose, [item.person_id], action="create"):
            item.details = details
    db.session.flush()
    audit.record("create", OBJECT_TYPE, str(item.id), purpose=purpose, actor=actor)
    return item


def confirm_appointment(actor: Actor, person_id: uuid.UUID, appointment: Appointment) -> SpaceRequest:
    """The person says they will come: noted at once for the office (no decision needed)."""
    require(appointment.person_id == person_id)
    if confirmation_of(appointment) is not None:
        raise RequestRefused(_("You already said that you will come."))
    return _record(
        actor,
        "space.appointment_confirm",
        person_id=person_id,
        office_id=appointment.office_id,
        kind=APPOINTMENT_CONFIRMATION,
        status=NOTED,
        appointment_id=appointment.id,
    )


def ask_to_move(
    actor: Actor, person_id: uuid.UUID, appointment: Appointment, *, reason: str, preferred: str | None = None
) -> SpaceRequest:
    """The person asks the office to move an appointment; the office decides."""
    require(appointment.person_id == person_id)
    errors = {}
    if reason not in MOVE_REASON_LABELS:
        errors["reason"] = _("Choose a reason.")
    preferred = _one_line(preferred)
    if len(preferred) > PREFERRED_MAX:
        errors["preferred"] = _("Write %(max)d characters at most.", max=PREFERRED_MAX)
    if errors:
        raise RequestRefused(_("Please check the form."), errors)
    if move_request_of(appointment) is not None:
        raise RequestRefused(_("You already asked to move this appointment. The office will answer."))
    return _record(
        actor,
        "space.appointment_move",
        details={"preferred": preferred} if preferred else None,
        person_id=person_id,
        office_id=appointment.office_id,
        kind=APPOINTMENT_MOVE,
        status=PENDING,
        appointment_id=appointment.id,
        reason=reason,
    )


def clean_contact(address: str | None, phone: str | None, email: str | None) -> dict[str, str]:
    """The new contact details given (at least one), checked like the file's; raises with the
    message per field."""
    values = {"address": _one_line(address), "phone": _one_line(phone), "email": _one_line(email)}
    errors = {}
    if len(values["address"]) > ADDRESS_MAX:
        errors["address"] = _("Write %(max)d characters at most.", max=ADDRESS_MAX)
    if values["phone"] and not PHONE_RE.match(values["phone"]):
        errors["phone"] = _("Write a phone number with numbers only, like +32 470 12 34 56.")
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = _("Write an e-mail address like name@example.org.")
    if errors:
        raise RequestRefused(_("Please check the form."), errors)
    given = {name: value for name, value in values.items() if value}
    if not given:
        message = _("Write a new address, phone or e-mail.")
        raise RequestRefused(message, {"address": message})
    return given


def report_contact_change(
    actor: Actor,
    person_id: uuid.UUID,
    office_id: int | None,
    *,
    address: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> SpaceRequest:
    """The person tells the office a new address, phone or e-mail: sealed, pending the office's
    confirmation (nothing changes in the file until then)."""
    given = clean_contact(address, phone, email)
    if office_id is None:
        raise RequestRefused(_("No office follows your file now. Please call the office."))
    if _open_request(person_id, CONTACT_CHANGE) is not None:
        raise RequestRefused(_("You already sent a change. The office will check it first."))
    return _record(
        actor,
        "space.contact_change",
        details=given,
        person_id=person_id,
        office_id=office_id,
        kind=CONTACT_CHANGE,
        status=PENDING,
    )


def file_rights_request(
    actor: Actor, person_id: uuid.UUID, office_id: int | None, *, kind: str, details: str | None = None
) -> SpaceRequest:
    """The person files a data-protection request: it lands in the rights register (channel
    ``space``) with its one-month deadline; the person follows its status here."""
    details = (details or "").strip()
    errors = {}
    if kind not in RIGHTS_KIND_LABELS:
        errors["kind"] = _("Choose what you want.")
    elif kind == "rectification" and not details:
        errors["details"] = _("Write what is wrong and what is right.")
    if len(details) > DETAILS_MAX:
        errors["details"] = _("Write %(max)d characters at most.", max=DETAILS_MAX)
    if errors:
        raise RequestRefused(_("Please check the form."), errors)
    today = clock.today()
    with access(actor, "space.rights_request", [person_id], action="create"):
        filed = rights_requests.record_request(
            actor, person_id, kind, today, details=details or None, today=today, channel="space"
        )
    return _record(
        actor,
        "space.rights_request",
        person_id=person_id,
        office_id=office_id,
        kind=RIGHTS_REQUEST,
        status=FILED,
        subject_request_id=filed.id,
    )


@dataclass(frozen=True)
class PersonRequestView:
    """One request as the person sees it (no staff name)."""

    item: SpaceRequest
    appointment: Appointment | None
    status: str  # a code of ``request_labels.STATUS_LABELS``
    rights_kind: str | None = None


def person_requests(person_id: uuid.UUID, limit: int = 50) -> list[PersonRequestView]:
    """The person's requests, newest first, with the state of a filed data-protection request."""
    items = db.session.scalars(
        select(SpaceRequest)
        .where(SpaceRequest.person_id == person_id)
        .order_by(SpaceRequest.created_at.desc())
        .limit(limit)
    ).all()
    subject_ids = [i.subject_request_id for i in items if i.subject_request_id is not None]
    subjects = (
        {s.id: s for s in db.session.scalars(select(SubjectRequest).where(SubjectRequest.id.in_(subject_ids)))}
        if subject_ids
        else {}
    )
    appointments_by_id = _appointments_of(items)
    views = []
    for item in items:
        status, rights_kind = item.status, None
        subject = subjects.get(item.subject_request_id) if item.subject_request_id else None
        if subject is not None:
            rights_kind = subject.kind
            status = {"answered": DONE, "refused": DECLINED}.get(subject.status, FILED)
        views.append(PersonRequestView(item, appointments_by_id.get(item.appointment_id), status, rights_kind))
    return views


def _appointments_of(items: list[SpaceRequest]) -> dict[uuid.UUID, Appointment]:
    """The appointments the requests concern, in one query."""
    ids = {item.appointment_id for item in items if item.appointment_id is not None}
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(select(Appointment).where(Appointment.id.in_(ids)))}


# --- the office's side ------------------------------------------------------------------------


def _agent_office(actor: User) -> int:
    require(getattr(actor, "role", None) == Role.AGENT and actor.office_id is not None)
    return actor.office_id


def pending_query(actor: User) -> Select:
    """The office's requests waiting for a decision, oldest first."""
    office_id = _agent_office(actor)
    return (
        select(SpaceRequest)
        .where(
            SpaceRequest.office_id == office_id,
            SpaceRequest.status == PENDING,
            SpaceRequest.kind.in_(REVIEWED_KINDS),
        )
        .order_by(SpaceRequest.created_at, SpaceRequest.id)
    )


def pending_count(actor: User) -> int:
    """How many requests of the actor's office wait for a decision."""
    if getattr(actor, "role", None) != Role.AGENT or actor.office_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(pending_query(actor).subquery())) or 0


def get_request(actor: User, request_id: uuid.UUID) -> SpaceRequest:
    """A request of the actor's office that an agent reviews (404 otherwise)."""
    _agent_office(actor)
    item = db.session.get(SpaceRequest, request_id)
    require(item is not None and item.kind in REVIEWED_KINDS and can_see_office(actor, item.office_id))
    return item


def person_pending(actor: User, person_id: uuid.UUID) -> list[SpaceRequest]:
    """The person's requests pending at the actor's office (the case page's panel)."""
    if getattr(actor, "role", None) != Role.AGENT or actor.office_id is None:
        return []
    return list(db.session.scalars(pending_query(actor).where(SpaceRequest.person_id == person_id)))


def read_details(actor, item: SpaceRequest, purpose: str = REVIEW_PURPOSE) -> dict:
    """What the person wrote (audited read), ``{}`` when nothing."""
    if item.details_ct is None:
        return {}
    with access(actor, purpose, [item.person_id]):
        return dict(item.details or {})


def _decide(actor: User, item: SpaceRequest, status: str, decline_reason: str | None = None) -> None:
    item.status = status
    item.decline_reason = decline_reason
    item.decided_at = clock.utcnow()
    item.decided_by_id = actor.id
    db.session.flush()
    audit.record("update", OBJECT_TYPE, str(item.id), purpose=REVIEW_PURPOSE, actor=actor)


def _check_pending(item: SpaceRequest) -> None:
    if item.status != PENDING:
        raise RequestRefused(_("This request was already answered."))


def move_as_requested(actor: User, item: SpaceRequest, **move) -> Appointment:
    """Move the appointment the person asked to move (``agenda.booking.move``: the office's
    hours, overlaps and locks), and mark the request done."""
    require(item.kind == APPOINTMENT_MOVE and can_see_office(actor, item.office_id))
    _check_pending(item)
    appointment = booking.get_appointment(actor, item.appointment_id)
    moved = booking.move(actor, appointment, **move)
    _decide(actor, item, DONE)
    return moved


def apply_contact_change(actor: User, item: SpaceRequest, *, expected_version: int) -> file_edits.EditOutcome:
    """Apply the new contact details to the person's file with the agent's edit
    (``pathway.file_edits.edit_newcomer``: validation, audit, timeline, the file's version)."""
    require(item.kind == CONTACT_CHANGE and can_see_office(actor, item.office_id))
    _check_pending(item)
    newcomer = db.session.get(Newcomer, item.person_id)
    require(newcomer is not None)
    changes = {name: value for name, value in read_details(actor, item).items() if name in CONTACT_FIELDS and value}
    outcome = file_edits.edit_newcomer(
        actor,
        newcomer,
        changes,
        expected_version=expected_version,
        confirm=False,
        reason=_("Asked by the person in their space"),
    )
    if outcome.needs_confirmation:  # contact fields never drive eligibility: defensive
        raise RequestRefused(_("This change needs the file's edit page."))
    _decide(actor, item, DONE)
    return outcome


def decline(actor: User, item: SpaceRequest, reason: str) -> SpaceRequest:
    """Decline a request with a reason the person reads in their space."""
    require(item.kind in REVIEWED_KINDS and can_see_office(actor, item.office_id))
    _check_pending(item)
    allowed = MOVE_DECLINE_REASONS if item.kind == APPOINTMENT_MOVE else CONTACT_DECLINE_REASONS
    if reason not in allowed:
        raise RequestRefused(_("Choose a reason from the list."), {"reason": _("Choose a reason from the list.")})
    _decide(actor, item, DECLINED, reason)
    return item


def current_contact(actor: User, item: SpaceRequest) -> tuple[dict, int]:
    """The file's current address, phone and e-mail (audited) and its version, for the review."""
    newcomer = db.session.get(Newcomer, item.person_id)
    require(newcomer is not None)
    values = file_edits.current_values(actor, newcomer, purpose=REVIEW_PURPOSE)
    return {name: values.get(name) for name in CONTACT_FIELDS}, newcomer.version


def person_has_pending_contact(person_id: uuid.UUID) -> bool:
    """True while a change the person sent waits for the office."""
    return _open_request(person_id, CONTACT_CHANGE) is not None


@dataclass(frozen=True)
class OfficeRow:
    """One pending request as its office's agent sees it."""

    item: SpaceRequest
    name: str
    case_id: uuid.UUID | None
    appointment: Appointment | None


def office_rows(actor: User, items: list[SpaceRequest]) -> list[OfficeRow]:
    """The agent's rows: the person's name (one audited read for the page, the agent's own office
    only), the person's case at the office and the appointment concerned."""
    office_id = _agent_office(actor)
    items = [item for item in items if item.office_id == office_id]
    person_ids = list(dict.fromkeys(item.person_id for item in items))
    names: dict[uuid.UUID, str] = {}
    if person_ids:
        with access(actor, REVIEW_PURPOSE, person_ids):
            for person in db.session.scalars(select(Newcomer).where(Newcomer.id.in_(person_ids))):
                names[person.id] = person_name(person)
    cases = (
        dict(
            db.session.execute(
                select(Case.person_id, Case.id)
                .where(Case.person_id.in_(person_ids), Case.office_id == office_id)
                .order_by(Case.opened_on)
            ).all()
        )
        if person_ids
        else {}
    )
    appointments_by_id = _appointments_of(items)
    return [
        OfficeRow(
            item, names.get(item.person_id, "—"), cases.get(item.person_id), appointments_by_id.get(item.appointment_id)
        )
        for item in items
    ]


def person_confirmed_appointments(actor: User, person_id: uuid.UUID) -> list[Appointment]:
    """The person's appointments still to come at the actor's office that they said they will
    come to (at the appointment's current time)."""
    if getattr(actor, "role", None) != Role.AGENT or actor.office_id is None:
        return []
    return [
        item
        for item in upcoming_appointments(person_id)
        if item.office_id == actor.office_id and confirmation_of(item) is not None
    ]
