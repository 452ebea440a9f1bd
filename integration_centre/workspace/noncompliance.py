"""The non-compliance procedure: notice, grace period, compliance or referral, the administration's outcome.

One procedure, one set of rules, for a person with a case and for a person announced by a commune
who never presented (no case). Each step takes ``target``: the case, or the person (``Newcomer``)
when there is no case. The safeguards are the same: the agent's office only (404 otherwise), an
obliged person only, one running procedure at a time, a notice date not in the future, a grace
period of 8 to 90 days, a referral only after the grace period, a decision between the referral
and today. For a person without a case, the notice also waits until the duty-to-present date has
passed, or until repeated no-shows at the office raised the agenda's signal, and is refused once
the person has an active case (the case's procedure applies). The steps are written to the case's
timeline, or to the person's (``PersonEvent``) when there is no case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import Office, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import presentation
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case, person_visible_to
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, Participation
from integration_centre.privacy.access import access
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import NONCOMPLIANCE_OUTCOMES, NoncomplianceProcedure, PersonEvent
from integration_centre.workspace.schedule import open_procedure, sync_schedule

DEFAULT_GRACE_DAYS = 30
NONCOMPLIANCE_LABELS = {
    "notice_sent": _l("notice sent"),
    "complied": _l("complied"),
    "referred": _l("referred to the regional administration"),
    "closed": _l("closed"),
}
OUTCOME_LABELS = {
    "complied_late": _l("The person complied after the referral"),
    "fine": _l("Administrative fine imposed"),
    "no_action": _l("No action taken by the administration"),
    "case_closed": _l("Case closed by the administration"),
    "withdrawn": _l("Referral to the administration withdrawn"),
}
RUNNING = ("notice_sent", "referred")


@dataclass(frozen=True)
class Subject:
    """Whom a procedure is about: the person, the case when there is one, the office it belongs to."""

    person: Newcomer
    case: Case | None
    office_id: int


def subject_of(actor: User, target: Case | Newcomer) -> Subject:
    """The procedure's subject, once the agent's access is checked (404 otherwise)."""
    if isinstance(target, Case):
        require(can_see_case(actor, target))
        return Subject(db.session.get(Newcomer, target.person_id), target, target.office_id)
    require(person_visible_to(actor, target) and can_see_office(actor, target.registered_by_office_id))
    return Subject(target, None, target.registered_by_office_id)


def active_case_of(person_id) -> Case | None:
    """The person's active case, if any."""
    return db.session.scalar(
        select(Case).where(Case.person_id == person_id, Case.status.in_(list(ACTIVE_CASE_STATUSES))).limit(1)
    )


def open_procedure_of(subject: Subject) -> NoncomplianceProcedure | None:
    """The subject's procedure still running (the case's; for a person without a case, the one
    opened without a case at the office)."""
    if subject.case is not None:
        return open_procedure(subject.case)
    return db.session.scalar(
        select(NoncomplianceProcedure)
        .where(
            NoncomplianceProcedure.person_id == subject.person.id,
            NoncomplianceProcedure.case_id.is_(None),
            NoncomplianceProcedure.office_id == subject.office_id,
            NoncomplianceProcedure.status.in_(RUNNING),
        )
        .order_by(NoncomplianceProcedure.created_at.desc())
        .limit(1)
    )


def person_event(actor: User, person_id, office_id: int, action: str, *, reason: str | None = None) -> PersonEvent:
    """Write one entry on the timeline of a person without a case (codes only)."""
    entry = PersonEvent(
        person_id=person_id,
        office_id=office_id,
        at=utcnow(),
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        reason=reason,
    )
    db.session.add(entry)
    return entry


def _timeline(actor: User, subject: Subject, action: str, *, reason: str | None = None) -> None:
    if subject.case is not None:
        pathway.add_timeline_entry(actor, subject.case, action, reason=reason)
    else:
        person_event(actor, subject.person.id, subject.office_id, action, reason=reason)


def _emit(actor: User, subject: Subject, event_type: str, on: date) -> None:
    if subject.case is not None:
        pathway.emit_case_event(actor, subject.case, event_type, on=on)
    else:
        office = db.session.get(Office, subject.office_id)
        presentation.emit_person_event(actor, subject.person, office, event_type, on=on)


def _after(actor: User, subject: Subject) -> None:
    pathway.flush_or_conflict()
    if subject.case is not None:
        sync_schedule(actor, subject.case)


def _check_obliged(actor: User, subject: Subject, today: date) -> None:
    message = _("Only a person obliged to follow the pathway can be given a non-compliance notice.")
    if subject.case is not None:
        if subject.case.status not in ACTIVE_CASE_STATUSES:
            raise WorkspaceError(_("A notice can be sent only on an active case."))
        if subject.case.participation != Participation.OBLIGED:
            raise WorkspaceError(message)
        return
    if active_case_of(subject.person.id) is not None:
        raise WorkspaceError(_("This person has an active case: use the case's procedure."))
    office = db.session.get(Office, subject.office_id)
    with access(actor, "noncompliance.record", [subject.person.id]):
        duty = presentation.presentation_of(subject.person, office, today=today)
    if not duty.obliged:
        raise WorkspaceError(message)
    signalled = subject.person.id in presentation.agenda().signalled([subject.person.id], subject.office_id)
    if not duty.overdue(today) and not signalled:
        raise WorkspaceError(
            _("The person may still present: a notice is possible once the duty-to-present date has passed.")
        )


def may_start(actor: User, target: Case | Newcomer, *, today: date | None = None) -> bool:
    """True when a notice could be sent today (the same checks as ``send_notice``)."""
    subject = subject_of(actor, target)
    try:
        _check_obliged(actor, subject, today or clock.today())
    except WorkspaceError:
        return False
    return open_procedure_of(subject) is None


def send_notice(
    actor: User,
    target: Case | Newcomer,
    sent_on: date | None,
    grace_days: int | None,
    *,
    note: str | None = None,
    today: date | None = None,
) -> NoncomplianceProcedure:
    """Record the formal notice sent to the person; the grace period runs from it."""
    subject = subject_of(actor, target)
    today = today or clock.today()
    _check_obliged(actor, subject, today)
    if open_procedure_of(subject) is not None:
        if subject.case is not None:
            raise WorkspaceError(_("A non-compliance procedure is already running for this case."))
        raise WorkspaceError(_("A non-compliance procedure is already running for this person."))
    if sent_on is None:
        raise WorkspaceError(_("Enter the date the notice was sent."), "sent_on")
    if sent_on > today:
        raise WorkspaceError(_("This date cannot be in the future."), "sent_on")
    if grace_days is None or not 8 <= grace_days <= 90:
        raise WorkspaceError(_("The grace period is 8 to 90 days."), "grace_days")
    procedure = NoncomplianceProcedure(
        person_id=subject.person.id,
        case_id=subject.case.id if subject.case is not None else None,
        office_id=subject.office_id,
        status="notice_sent",
        notice_sent_on=sent_on,
        grace_until=sent_on + timedelta(days=grace_days),
        opened_by_id=actor.id,
    )
    if note:
        with access(actor, "noncompliance.record", [subject.person.id], action="update"):
            procedure.note = note
    db.session.add(procedure)
    _timeline(actor, subject, "noncompliance.notice")
    pathway.flush_or_conflict()
    _emit(actor, subject, "noncompliance_notice", sent_on)
    _after(actor, subject)
    return procedure


def _running(subject: Subject, status: str, message: str) -> NoncomplianceProcedure:
    procedure = open_procedure_of(subject)
    if procedure is None or procedure.status != status:
        raise WorkspaceError(message)
    return procedure


def record_compliance(actor: User, target: Case | Newcomer, on: date | None = None) -> NoncomplianceProcedure:
    """The person complied during the grace period: the procedure ends there."""
    subject = subject_of(actor, target)
    procedure = _running(subject, "notice_sent", _("No notice is waiting for an answer on this case."))
    procedure.status = "complied"
    procedure.outcome_on = on or clock.today()
    _timeline(actor, subject, "noncompliance.complied")
    _after(actor, subject)
    return procedure


def refer_to_administration(
    actor: User, target: Case | Newcomer, referred_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Refer the person to the sanctioning official of the regional administration once the grace
    period has ended."""
    subject = subject_of(actor, target)
    today = today or clock.today()
    procedure = _running(subject, "notice_sent", _("Send a notice first: a referral follows an unanswered notice."))
    if referred_on is None:
        raise WorkspaceError(_("Enter the date of the referral."), "referred_on")
    if referred_on > today:
        raise WorkspaceError(_("This date cannot be in the future."), "referred_on")
    if referred_on <= procedure.grace_until:
        raise WorkspaceError(
            _("The grace period runs until %(date)s: refer the case after that date.", date=procedure.grace_until),
            "referred_on",
        )
    procedure.status = "referred"
    procedure.referred_on = referred_on
    _timeline(actor, subject, "noncompliance.refer")
    pathway.flush_or_conflict()
    _emit(actor, subject, "noncompliance_referred", referred_on)
    _after(actor, subject)
    return procedure


def record_outcome(
    actor: User, target: Case | Newcomer, outcome: str | None, outcome_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Record the administration's decision on a referral; the procedure is closed."""
    subject = subject_of(actor, target)
    today = today or clock.today()
    procedure = _running(subject, "referred", _("There is no referral waiting for a decision on this case."))
    if outcome not in NONCOMPLIANCE_OUTCOMES:
        raise WorkspaceError(_("Choose the outcome."), "outcome")
    if outcome_on is None:
        raise WorkspaceError(_("Enter the date of the decision."), "outcome_on")
    if outcome_on > today or outcome_on < procedure.referred_on:
        raise WorkspaceError(_("The decision date must be between the referral and today."), "outcome_on")
    procedure.status = "closed"
    procedure.outcome = outcome
    procedure.outcome_on = outcome_on
    _timeline(actor, subject, "noncompliance.outcome", reason=outcome)
    _after(actor, subject)
    return procedure


def procedures_of(target: Case | Newcomer) -> list[NoncomplianceProcedure]:
    """Every non-compliance procedure of the case (or of the person without a case), latest first."""
    if isinstance(target, Case):
        condition = NoncomplianceProcedure.case_id == target.id
    else:
        condition = (NoncomplianceProcedure.person_id == target.id) & NoncomplianceProcedure.case_id.is_(None)
    return list(
        db.session.scalars(
            select(NoncomplianceProcedure).where(condition).order_by(NoncomplianceProcedure.created_at.desc())
        )
    )
