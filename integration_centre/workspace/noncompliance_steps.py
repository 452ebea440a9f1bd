"""The non-compliance page's step, for a case or a person without a case (one home for both pages).

The page shows the form of the procedure's current stage (notice, then the answer — referral or
compliance — then the outcome); a POST names its stage and is refused (400) unless it is the one
due. ``current_step`` returns the forms, the stage's form and the service call it submits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, request
from flask_babel import gettext as _

from integration_centre.accounts.models import User
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.workspace import noncompliance
from integration_centre.workspace.forms import ComplianceForm, NoticeForm, OutcomeForm, ReferralForm
from integration_centre.workspace.models import NoncomplianceProcedure

STEPS = ("notice", "answer", "complied", "outcome")


@dataclass
class ProcedureStep:
    """What the page shows and what its form does."""

    stage: str
    name: str
    forms: dict
    form: object
    submit: Callable[[], object]
    success: str


def current_step(actor: User, target: Case | Newcomer, procedure: NoncomplianceProcedure | None) -> ProcedureStep:
    """The step of ``target``'s procedure this request shows or submits (400 for a stage not due)."""
    stage = "notice" if procedure is None else ("answer" if procedure.status == "notice_sent" else "outcome")
    name = request.form.get("stage", stage) if request.method == "POST" else stage
    allowed = {stage} | ({"complied"} if stage == "answer" else set())
    if name not in STEPS or (request.method == "POST" and name not in allowed):
        abort(400)
    forms = {
        "notice": NoticeForm(prefix="notice"),
        "answer": ReferralForm(prefix="referral"),
        "complied": ComplianceForm(prefix="complied"),
        "outcome": OutcomeForm(prefix="outcome"),
    }
    forms["outcome"].outcome.choices = [("", "—")] + [(k, str(v)) for k, v in noncompliance.OUTCOME_LABELS.items()]
    form = forms[name]
    calls = {
        "notice": lambda: noncompliance.send_notice(
            actor, target, form.sent_on.data, form.grace_days.data, note=(form.note.data or "").strip() or None
        ),
        "answer": lambda: noncompliance.refer_to_administration(actor, target, form.referred_on.data),
        "complied": lambda: noncompliance.record_compliance(actor, target),
        "outcome": lambda: noncompliance.record_outcome(actor, target, form.outcome.data, form.outcome_on.data),
    }
    successes = {
        "notice": _("The notice was recorded; the grace period has started."),
        "answer": _("The case was referred to the regional administration.")
        if isinstance(target, Case)
        else _("The person was referred to the regional administration."),
        "complied": _("The procedure is closed: the person complied."),
        "outcome": _("The outcome was recorded."),
    }
    return ProcedureStep(stage, name, forms, form, calls[name], successes[name])
