"""What a certificate rests on: attendance (Wallonia, Brussels) or results (Flanders).

The definition says it (``certificate`` in the YAML, ``definitions.CertificateRule``). Under
``basis: results`` a case is certified only when each required result is recorded — the civic
orientation test passed, Dutch at A2 or above — or, when the definition allows it, once an agent
has recorded a **declaration of effort** (the person made sufficient efforts; the steps'
attendance is listed on the certificate). The declaration is kept as the result of the step that
ends the pathway (``DECLARATION_OF_EFFORT``), with its timeline entry; ``check_certifiable`` is
the one check, run when that step completes and when the case completes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import require
from integration_centre.i18n import current_language
from integration_centre.pathway.definitions import PathwayDefinition, cefr_rank
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.reading import definition_of
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import DONE_STEP_STATES, CaseStatus, StepState
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case

ATTENDANCE = "attendance"
RESULTS = "results"
DECLARATION_OF_EFFORT = "declaration_of_effort"
MAX_NOTE = 2000
RESULT_LABELS = {"pass": _l("passed"), "fail": _l("failed")}
BASIS_LABELS = {
    ATTENDANCE: _l("Certificate of attendance"),
    RESULTS: _l("Certificate of civic integration"),
    DECLARATION_OF_EFFORT: _l("Declaration of effort"),
}


def final_step(case: Case, definition: PathwayDefinition | None = None) -> StepInstance | None:
    """The step that ends the pathway (the certificate step), if the definition has one."""
    definition = definition or definition_of(case)
    code = next((s.code for s in definition.steps if s.ends_pathway), None)
    return case.step(code) if code else None


def effort_declared(case: Case) -> bool:
    """True when an agent recorded a declaration of effort for the case."""
    step = final_step(case)
    return step is not None and step.result == DECLARATION_OF_EFFORT


def certificate_basis(case: Case) -> str:
    """``attendance``, ``results`` or ``declaration_of_effort``: what the case's certificate says."""
    definition = definition_of(case)
    if definition.certificate.basis != RESULTS:
        return ATTENDANCE
    if definition.certificate.declaration_of_effort and effort_declared(case) and unmet_results(case):
        return DECLARATION_OF_EFFORT
    return RESULTS


def _result_text(value: str | None) -> str:
    if not value:
        return _("none")
    return str(RESULT_LABELS.get(value, value.replace("_", " ")))


def unmet_results(case: Case) -> list[str]:
    """The required results not reached, in words (empty when the certificate rests on attendance)."""
    definition = definition_of(case)
    if definition.certificate.basis != RESULTS:
        return []
    language = current_language()
    unmet = []
    for rule in definition.certificate.required_results:
        step = case.step(rule["step"])
        label = definition.step(rule["step"]).label(language)
        recorded = step.result if step.state == StepState.COMPLETED else None
        if "min_level" in rule:
            rank = cefr_rank(recorded)
            if rank is None or rank < cefr_rank(rule["min_level"]):
                unmet.append(
                    _(
                        "“%(step)s”: level %(level)s or above needed (recorded: %(recorded)s)",
                        step=label,
                        level=rule["min_level"].replace("_", " "),
                        recorded=_result_text(recorded),
                    )
                )
        elif recorded != rule["result"]:
            unmet.append(
                _(
                    "“%(step)s”: %(expected)s needed (recorded: %(recorded)s)",
                    step=label,
                    expected=_result_text(rule["result"]),
                    recorded=_result_text(recorded),
                )
            )
    return unmet


def check_certifiable(case: Case) -> None:
    """Refuse a results-based certificate whose results are not reached and no effort declared."""
    definition = definition_of(case)
    unmet = unmet_results(case)
    if not unmet or (definition.certificate.declaration_of_effort and effort_declared(case)):
        return
    message = _("The certificate rests on results, not on attendance: %(missing)s.", missing="; ".join(unmet))
    if definition.certificate.declaration_of_effort:
        message += " " + _("If the person made sufficient efforts, record a declaration of effort.")
    raise PathwayError(message)


def declare_effort(
    actor: User,
    case: Case,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> StepInstance:
    """Record the agent's declaration that the person made sufficient efforts (Flanders): the
    certificate can then be issued on the steps' attendance, and says so. Timeline, no event."""
    require(actor.role == Role.AGENT and can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    definition = definition_of(case)
    if not definition.certificate.declaration_of_effort:
        raise PathwayError(_("This pathway has no declaration of effort: its certificate rests on attendance."))
    if case.status != CaseStatus.IN_PROGRESS:
        raise PathwayError(_("A declaration of effort can be recorded only while the case is in progress."))
    step = final_step(case, definition)
    if step.state in DONE_STEP_STATES:
        raise PathwayError(_("The certificate is already issued."))
    if step.result == DECLARATION_OF_EFFORT:
        raise PathwayError(_("A declaration of effort is already recorded."))
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise PathwayError(_("At most %(count)s characters.", count=MAX_NOTE))
    step.result = DECLARATION_OF_EFFORT
    touch_case(case)
    timeline_entry(actor, case, "certificate.effort_declared", step=step, note=note)
    flush_or_conflict()
    return step
