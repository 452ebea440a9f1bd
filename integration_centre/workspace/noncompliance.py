"""The non-compliance procedure: notice, grace period, compliance or referral, the administration's outcome."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, Participation
from integration_centre.privacy.access import access
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import NONCOMPLIANCE_OUTCOMES, NoncomplianceProcedure
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


def send_notice(
    actor: User,
    case: Case,
    sent_on: date | None,
    grace_days: int | None,
    *,
    note: str | None = None,
    today: date | None = None,
) -> NoncomplianceProcedure:
    """Record the formal notice sent to the person; the grace period runs from it."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    if case.status not in ACTIVE_CASE_STATUSES:
        raise WorkspaceError(_("A notice can be sent only on an active case."))
    if case.participation != Participation.OBLIGED:
        raise WorkspaceError(_("Only a person obliged to follow the pathway can be given a non-compliance notice."))
    if open_procedure(case) is not None:
        raise WorkspaceError(_("A non-compliance procedure is already running for this case."))
    if sent_on is None:
        raise WorkspaceError(_("Enter the date the notice was sent."), "sent_on")
    if sent_on > today:
        raise WorkspaceError(_("This date cannot be in the future."), "sent_on")
    if grace_days is None or not 8 <= grace_days <= 90:
        raise WorkspaceError(_("The grace period is 8 to 90 days."), "grace_days")
    procedure = NoncomplianceProcedure(
        person_id=case.person_id,
        case_id=case.id,
        status="notice_sent",
        notice_sent_on=sent_on,
        grace_until=sent_on + timedelta(days=grace_days),
        opened_by_id=actor.id,
    )
    if note:
        with access(actor, "noncompliance.record", [case.person_id], action="update"):
            procedure.note = note
    db.session.add(procedure)
    pathway.add_timeline_entry(actor, case, "noncompliance.notice")
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "noncompliance_notice", on=sent_on)
    sync_schedule(actor, case)
    return procedure


def record_compliance(actor: User, case: Case, on: date | None = None) -> NoncomplianceProcedure:
    """The person complied during the grace period: the procedure ends there."""
    require(can_see_case(actor, case))
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "notice_sent":
        raise WorkspaceError(_("No notice is waiting for an answer on this case."))
    procedure.status = "complied"
    procedure.outcome_on = on or clock.today()
    pathway.add_timeline_entry(actor, case, "noncompliance.complied")
    pathway.flush_or_conflict()
    sync_schedule(actor, case)
    return procedure


def refer_to_administration(
    actor: User, case: Case, referred_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Refer the case to the regional administration once the grace period has ended."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "notice_sent":
        raise WorkspaceError(_("Send a notice first: a referral follows an unanswered notice."))
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
    pathway.add_timeline_entry(actor, case, "noncompliance.refer")
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "noncompliance_referred", on=referred_on)
    sync_schedule(actor, case)
    return procedure


def record_outcome(
    actor: User, case: Case, outcome: str | None, outcome_on: date | None, *, today: date | None = None
) -> NoncomplianceProcedure:
    """Record the administration's decision on a referred case; the procedure is closed."""
    require(can_see_case(actor, case))
    today = today or clock.today()
    procedure = open_procedure(case)
    if procedure is None or procedure.status != "referred":
        raise WorkspaceError(_("There is no referral waiting for a decision on this case."))
    if outcome not in NONCOMPLIANCE_OUTCOMES:
        raise WorkspaceError(_("Choose the outcome."), "outcome")
    if outcome_on is None:
        raise WorkspaceError(_("Enter the date of the decision."), "outcome_on")
    if outcome_on > today or outcome_on < procedure.referred_on:
        raise WorkspaceError(_("The decision date must be between the referral and today."), "outcome_on")
    procedure.status = "closed"
    procedure.outcome = outcome
    procedure.outcome_on = outcome_on
    pathway.add_timeline_entry(actor, case, "noncompliance.outcome", reason=outcome)
    pathway.flush_or_conflict()
    sync_schedule(actor, case)
    return procedure


def procedures_of(case: Case) -> list[NoncomplianceProcedure]:
    """Every non-compliance procedure of the case, latest first."""
    return list(
        db.session.scalars(
            select(NoncomplianceProcedure)
            .where(NoncomplianceProcedure.case_id == case.id)
            .order_by(NoncomplianceProcedure.created_at.desc())
        )
    )
