"""Human labels for the case timeline (codes are stored, people read sentences)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.pathway import reasons
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import PathwayDefinition
from integration_centre.pathway.labels import OBLIGATION_LABELS
from integration_centre.pathway.models import TimelineEntry
from integration_centre.pathway.subject_data import RECTIFIABLE
from integration_centre.workspace.noncompliance import OUTCOME_LABELS

# The kept obligation status of a case (``pathway.assessment``) reads as the definitions' statuses.
KEPT_STATUS_LABELS = OBLIGATION_LABELS
ACTION_LABELS = {
    "case.open": _l("Case opened"),
    "case.start": _l("Case started"),
    "case.complete": _l("Case completed"),
    "case.close": _l("Case closed"),
    "case.suspend": _l("Case suspended"),
    "case.resume": _l("Case resumed"),
    "case.transfer": _l("Case transferred to another office"),
    "case.transfer_in": _l("Case received from another office"),
    "case.transfer_request": _l("Transfer to another office requested"),
    "case.transfer_refused": _l("Transfer refused by the receiving office"),
    "case.transfer_cancelled": _l("Transfer request cancelled"),
    "case.assign": _l("Responsible agent changed"),
    "case.merge": _l("Case moved from a duplicate file (files merged)"),
    "case.needs": _l("Needs analysis recorded"),
    "newcomer.edit": _l("Person's file edited"),
    "case.profile": _l("Entry service or purpose recorded"),
    "case.extend": _l("Deadline extended"),
    "case.reassess": _l("Obligation status assessed again"),
    "dispensation.record": _l("Dispensation recorded"),
    "dispensation.revoke": _l("Dispensation revoked"),
    "step.plan": _l("Step planned"),
    "step.refer": _l("Step referred to an operator"),
    "step.start": _l("Step started"),
    "step.decline": _l("Referral declined by the operator"),
    "step.complete": _l("Step completed"),
    "step.fail": _l("Step failed"),
    "step.retry": _l("Step to be tried again"),
    "step.exempt": _l("Step exempted"),
    "step.cancel": _l("Step cancelled"),
    "step.attendance": _l("Hours and evidence recorded"),
    "evaluation.record": _l("Evaluation interview held"),
    "noncompliance.notice": _l("Non-compliance notice sent"),
    "noncompliance.complied": _l("The person complied after the notice"),
    "noncompliance.refer": _l("Case referred to the regional administration"),
    "noncompliance.outcome": _l("Decision of the regional administration recorded"),
    # written by the agenda (``agenda.attendance``)
    "agenda.no_show": _l("Appointment missed (no-show)"),
    "agenda.noncompliance_eligible": _l("Repeated no-shows: the non-compliance procedure may be opened"),
    "assessment.record": _l("Social assessment recorded"),
    "assessment.update": _l("Social assessment updated"),
    "session.record": _l("Rights and duties session recorded"),
    "positioning.record": _l("French positioning test recorded"),
    "task.add": _l("Procedure task added"),
    "task.done": _l("Procedure task done"),
    "agreement.sign": _l("Reception agreement signed"),
    "certificate.issue": _l("Certificate of attendance issued"),
    "certificate.revoke": _l("Certificate of attendance revoked"),
    "certificate.effort_declared": _l("Declaration of effort recorded"),
    "notification.queue": _l("Notification to a third party prepared"),
    "notification.sent": _l("Notification to a third party sent"),
    "referral.sent": _l("Referral sent to an operator"),
    "referral.accepted": _l("Referral accepted by the operator"),
    "referral.declined": _l("Referral declined by the operator"),
    "referral.started": _l("Referral started by the operator"),
    "referral.completed": _l("Referral completed by the operator"),
    "referral.abandoned": _l("Referral abandoned"),
    "referral.withdrawn": _l("Referral withdrawn"),
}
FILE_FIELD_LABELS = RECTIFIABLE
# The timeline of a person without a case (``PersonEvent``, see ``workspace.announced``).
PERSON_EVENT_LABELS = {
    "announced.reminder": _l("Reminder of the duty to present sent by e-mail"),
    "noncompliance.notice": _l("Non-compliance notice sent"),
    "noncompliance.complied": _l("The person complied after the notice"),
    "noncompliance.refer": _l("Person referred to the regional administration"),
    "noncompliance.outcome": _l("Decision of the regional administration recorded"),
}
REASSESS_REASONS = {"file_edit": _l("after an edit of the person's file")}
PARTICIPATION_LABELS = {"obliged": _l("obliged"), "voluntary": _l("voluntary")}


def reason_label(entry: TimelineEntry, definition: PathwayDefinition, locale: str) -> str | None:
    """The entry's reason as words (closure, suspension, exemption, extension ground…).

    A sensitive reason is read from its encrypted field: call inside an access to the person.
    """
    reason = reasons.precise(entry.reason, entry.reason_detail)
    if not reason:
        return None
    if entry.action == "case.extend":
        grounds = {g["code"]: g["labels"].get(locale, g["code"]) for g in definition.extension_grounds}
        return grounds.get(reason, reason)
    if entry.action == "case.open":
        return str(PARTICIPATION_LABELS.get(reason, reason))
    for table in (pathway.CLOSURE_REASONS, pathway.SUSPENSION_REASONS, pathway.EXEMPTION_REASONS):
        if (
            entry.action in ("case.close", "case.suspend", "step.exempt", "step.cancel", "step.fail")
            and reason in table
        ):
            return str(table[reason])
    if entry.action == "noncompliance.outcome":
        return str(OUTCOME_LABELS.get(reason, reason))
    if entry.action == "case.needs":
        return reason.replace(",", ", ")
    if entry.action == "newcomer.edit":  # field names (never values)
        return ", ".join(str(FILE_FIELD_LABELS.get(name, name)) for name in reason.split(","))
    if entry.action == "case.reassess":
        return str(REASSESS_REASONS.get(reason, reason))
    return None


def timeline_label(entry: TimelineEntry, definition: PathwayDefinition, locale: str) -> dict:
    """What the timeline shows for one entry: the sentence, the step, the states, the reason."""
    label = ACTION_LABELS.get(entry.action)
    text = str(label) if label is not None else _("Other change")
    step = None
    if entry.step_code:
        try:
            step = definition.step(entry.step_code).label(locale)
        except KeyError:
            step = entry.step_code
    states = None
    if entry.action == "case.reassess" and entry.to_state in KEPT_STATUS_LABELS:
        states = str(KEPT_STATUS_LABELS[entry.to_state])
    elif entry.action.startswith("step.") and entry.to_state and entry.to_state in set(pathway.STATE_LABELS):
        states = str(pathway.STATE_LABELS[entry.to_state])
    return {"text": text, "step": step, "state": states, "reason": reason_label(entry, definition, locale)}
