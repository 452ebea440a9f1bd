"""Transfers: a case moves to another office (the person moved) through a request.

The sending office's agent asks (``request_transfer``); an agent of the receiving office accepts
(``accept_transfer``: the case becomes TRANSFERRED and continues as a successor case at the
receiving office — the same person file, no new newcomer) or refuses (``refuse_transfer``); the
sender may cancel while it is pending (``cancel_transfer``). One pending request per case. Each
move writes a timeline entry (codes only; the note encrypted) on the case(s) and one audited
access; the acceptance emits the "case_transferred" domain event. The request holds office and
case references only.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.case_events import CASE_EVENT, emit_transition_event
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, StepInstance, TransferRequest
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import CaseStatus, case_target
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access

PENDING, ACCEPTED, REFUSED, CANCELLED = "pending", "accepted", "refused", "cancelled"
STATUSES = (PENDING, ACCEPTED, REFUSED, CANCELLED)


def successor_case(actor: User, case: Case, target_office: Office, source: CaseStatus, on: date) -> Case:
    """A copy of ``case`` (steps included) opened at ``target_office``, continuing where it was.

    Its responsible agent is ``actor`` when the actor works at the target office (an accepted
    transfer), else nobody yet.
    """
    successor = Case(
        person_id=case.person_id,
        office_id=target_office.id,
        centre_id=target_office.centre_id,
        definition_code=case.definition_code,
        definition_version=case.definition_version,
        status=CaseStatus.IN_PROGRESS if source == CaseStatus.SUSPENDED else source,
        participation=case.participation,
        assessed_status=case.assessed_status,
        assessed_reason=case.assessed_reason,
        assessed_on=case.assessed_on,
        entry_channel=case.entry_channel,
        purpose=case.purpose,
        needs=list(case.needs or []),
        opened_on=case.opened_on,
        started_on=case.started_on,
        agreement_signed_on=case.agreement_signed_on,
        obligation_ended_on=case.obligation_ended_on,
        deadline_extended_months=case.deadline_extended_months,
        responsible_agent_id=actor.id if actor.office_id == target_office.id else None,
        opened_by_id=actor.id,
        last_change_at=utcnow(),
    )
    db.session.add(successor)
    for step in case.steps:
        successor.steps.append(
            StepInstance(
                person_id=step.person_id,
                step_code=step.step_code,
                order=step.order,
                state=step.state,
                state_reason=step.state_reason,
                planned_on=step.planned_on,
                started_on=step.started_on,
                ended_on=step.ended_on,
                hours=step.hours,
                result=step.result,
                evidence=list(step.evidence or []),
                operator_id=step.operator_id,
                service_type=step.service_type,
                confirmed_by_id=step.confirmed_by_id,
                confirmed_at=step.confirmed_at,
            )
        )
    timeline_entry(actor, successor, "case.transfer_in", to_state=successor.status.value)
    return successor


# --- Reading --------------------------------------------------------------------------------------


def pending_request(case: Case) -> TransferRequest | None:
    """The case's pending transfer request, or None."""
    return db.session.scalar(
        select(TransferRequest).where(TransferRequest.case_id == case.id, TransferRequest.status == PENDING)
    )


def incoming(actor: User) -> list[TransferRequest]:
    """The pending requests addressed to the agent's office, oldest first."""
    require(actor.role == Role.AGENT and actor.office_id is not None)
    return list(
        db.session.scalars(
            select(TransferRequest)
            .where(TransferRequest.to_office_id == actor.office_id, TransferRequest.status == PENDING)
            .options(selectinload(TransferRequest.from_office), selectinload(TransferRequest.requested_by))
            .order_by(TransferRequest.requested_at)
        )
    )


def get_request(actor: User, request_id) -> TransferRequest:
    """A request the agent's office sent or received (404 otherwise)."""
    item = db.session.get(TransferRequest, request_id)
    require(
        item is not None and (can_see_office(actor, item.from_office_id) or can_see_office(actor, item.to_office_id))
    )
    return item


def target_offices(actor: User, case: Case) -> list[Office]:
    """Every active office of every centre except the case's own, by centre then name."""
    from integration_centre.accounts.models import Centre

    return list(
        db.session.scalars(
            select(Office)
            .join(Centre, Centre.id == Office.centre_id)
            .where(Office.is_active.is_(True), Office.id != case.office_id)
            .order_by(Centre.name, Office.name)
        )
    )


# --- Moves ----------------------------------------------------------------------------------------


def request_transfer(
    actor: User, case: Case, target_office: Office | None, *, note: str | None = None, expected_version=None
) -> TransferRequest:
    """Ask ``target_office`` (any office of any centre) to take the case over; flushes."""
    require(case is not None and can_see_office(actor, case.office_id))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    if case_target("transfer", CaseStatus(case.status)) is None:
        raise PathwayError(_("Only an open, started or suspended case can be transferred."))
    if target_office is None or target_office.id == case.office_id or not target_office.is_active:
        raise PathwayError(_("Choose another office to transfer the case to."))
    if pending_request(case) is not None:
        raise PathwayError(_("A transfer of this case is already pending: cancel it first."))
    item = TransferRequest(
        case_id=case.id,
        person_id=case.person_id,
        from_office_id=case.office_id,
        to_office_id=target_office.id,
        status=PENDING,
        requested_by_id=actor.id,
        requested_at=utcnow(),
    )
    db.session.add(item)
    touch_case(case)
    with access(actor, "case.transfer", [case.person_id], action="update"):
        timeline_entry(actor, case, "case.transfer_request", note=(note or "").strip() or None)
    flush_or_conflict()
    return item


def _decide(actor: User, item: TransferRequest, status: str) -> None:
    item.status = status
    item.decided_by_id = actor.id
    item.decided_at = utcnow()


def _pending_or_refuse(item: TransferRequest) -> None:
    if item.status != PENDING:
        raise PathwayError(_("This transfer request was already answered or cancelled."))


def accept_transfer(actor: User, item: TransferRequest, *, on: date | None = None) -> Case:
    """Take the case over at the receiving office; returns the successor case (flushes)."""
    require(item is not None and can_see_office(actor, item.to_office_id))
    _pending_or_refuse(item)
    case = item.case
    ensure_writable(case.person_id)
    source = CaseStatus(case.status)
    target = case_target("transfer", source)
    if target is None:
        raise PathwayError(_("The case can no longer be transferred: ask the sending office."))
    on = on or clock.today()
    to_office = item.to_office
    with access(actor, "case.transfer", [case.person_id], action="update"):
        case.status = target
        case.status_reason, case.status_reason_detail = None, None
        case.ended_on = on
        case.transferred_to_office_id = to_office.id
        touch_case(case)
        successor = successor_case(actor, case, to_office, source, on)
        timeline_entry(actor, case, "case.transfer", from_state=source.value, to_state=target.value)
        flush_or_conflict()
        case.successor_case_id = successor.id
        item.successor_case_id = successor.id
        _decide(actor, item, ACCEPTED)
    emit_transition_event(actor, CASE_EVENT["transfer"], case, on, target_office_id=to_office.id)
    flush_or_conflict()
    return successor


def refuse_transfer(actor: User, item: TransferRequest, reason: str | None) -> TransferRequest:
    """The receiving office declines (a reason is required; kept encrypted on the case's timeline)."""
    require(item is not None and can_see_office(actor, item.to_office_id))
    _pending_or_refuse(item)
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the transfer is refused.")
        raise PathwayError(message, field_errors={"reason": message})
    case = item.case
    _decide(actor, item, REFUSED)
    touch_case(case)
    with access(actor, "case.transfer", [case.person_id], action="update"):
        timeline_entry(actor, case, "case.transfer_refused", note=reason)
    flush_or_conflict()
    return item


def cancel_transfer(actor: User, item: TransferRequest) -> TransferRequest:
    """The sending office withdraws its pending request."""
    require(item is not None and can_see_office(actor, item.from_office_id))
    _pending_or_refuse(item)
    _decide(actor, item, CANCELLED)
    touch_case(item.case)
    timeline_entry(actor, item.case, "case.transfer_cancelled")
    flush_or_conflict()
    return item
