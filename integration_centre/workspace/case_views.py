"""The case page and its forms: case status, steps, deadline extension, evaluation interview,
non-compliance procedure."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.forms import EDUCATION_LABELS, RESIDENCE_LABELS, SEX_LABELS
from integration_centre.pathway.labels import EVIDENCE_LABELS
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.states import StepState, case_actions_from, step_actions_from
from integration_centre.privacy import erasure
from integration_centre.privacy.access import access
from integration_centre.workspace import casefile, noncompliance_steps, services
from integration_centre.workspace.forms import (
    CaseActionForm,
    EvaluationForm,
    ExtensionForm,
    StepActionForm,
)
from integration_centre.workspace.labels import timeline_label
from integration_centre.workspace.views import bp, case_or_404, to_int

BLUEPRINTS = (bp,)

CASE_ACTIONS = ("start", "suspend", "resume", "complete", "close")


@bp.get("/cases/<uuid:case_id>")
@roles_required(Role.AGENT)
def case(case_id: uuid.UUID):
    """A case: person summary, eligibility, deadlines, steps, panels, documents, timeline."""
    case = case_or_404(case_id)
    erased = erasure.erased_on(case.person_id)
    if erased is not None:  # crypto-shredded (Art. 17): only the bookkeeping of the case is left
        return render_template(
            "privacy/retention/erased_person.html",
            erased_on=erased,
            cases=[case],
            labels={"status": pathway.STATUS_LABELS},
        )
    definition = pathway.definition_of(case)
    newcomer = db.session.get(Newcomer, case.person_id)
    person = pathway.newcomer_summary(current_user, newcomer, "case.view")
    try:
        eligibility = pathway.eligibility_for(current_user, newcomer, case=case)
        eligibility_error = None
    except PathwayError as exc:
        eligibility, eligibility_error = None, exc.message
    schedule = services.compute_schedule(current_user, case)
    steps = casefile.step_rows(case, definition, current_language())
    extensions = services.extensions_of(case)
    by_entry = {e.timeline_entry_id: e for e in extensions if e.timeline_entry_id}
    with access(current_user, "case.view", [case.person_id]):  # sensitive reasons are encrypted
        timeline = [
            {
                "entry": entry,
                "label": timeline_label(entry, definition, current_language()),
                "extension": by_entry.get(entry.id),
            }
            for entry in services.timeline_of(case)
        ]
    return render_template(
        "workspace/case.html",
        case=case,
        definition=definition,
        newcomer=newcomer,
        person=person,
        eligibility=eligibility,
        eligibility_error=eligibility_error,
        obliged=pathway.is_obliged(case),
        schedule=schedule,
        steps=steps,
        extensions=extensions,
        extension_grounds=services.extension_grounds(current_user, extensions),
        interviews=services.interviews_of(current_user, case),
        procedures=services.procedures_of(case),
        documents=services.documents_of(current_user, case),
        timeline=timeline,
        case_moves=casefile.case_moves(case, definition),
        case_form=CaseActionForm(),
        step_form=StepActionForm(formdata=None),
        locale=current_language(),
        labels={
            "sex": SEX_LABELS,
            "residence": RESIDENCE_LABELS,
            "education": EDUCATION_LABELS,
            "status": pathway.STATUS_LABELS,
            "state": pathway.STATE_LABELS,
            "action": pathway.ACTION_LABELS,
            "country": reference.country_name,
            "language": reference.language_name,
            "noncompliance": services.NONCOMPLIANCE_LABELS,
            "outcome": services.OUTCOME_LABELS,
            "ground": {g["code"]: g["labels"].get(current_language(), g["code"]) for g in definition.extension_grounds},
        },
    )


@bp.post("/cases/<uuid:case_id>/status")
@roles_required(Role.AGENT)
def case_action(case_id: uuid.UUID):
    """Start, suspend, resume, complete or close the case."""
    case = case_or_404(case_id)
    form = CaseActionForm()
    if not form.validate_on_submit() or form.action.data not in CASE_ACTIONS:
        abort(400)

    def act() -> None:
        pathway.transition_case(
            current_user,
            case,
            form.action.data,
            reason=form.reason.data or None,
            expected_version=to_int(form.version.data),
        )
        services.sync_schedule(current_user, case)

    if perform(act):
        flash(_("The case is now %(status)s.", status=pathway.STATUS_LABELS[case.status]), "success")
    return redirect(url_for("workspace.case", case_id=case_id))


@bp.route("/cases/<uuid:case_id>/status/<action>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def confirm_case_action(case_id: uuid.UUID, action: str):
    """Suspend or close the case: GET restates what will happen and asks the reason, POST does it."""
    case = case_or_404(case_id)
    if action not in casefile.CONFIRMED_CASE_ACTIONS:
        abort(404)
    form = CaseActionForm()
    reasons = pathway.CLOSURE_REASONS if action == "close" else pathway.SUSPENSION_REASONS
    form.reason.choices = [("", "—")] + [(code, str(text)) for code, text in reasons.items()]
    form.action.data = action
    if not form.is_submitted():
        form.version.data = str(case.version)
    possible = action in case_actions_from(case.status)
    if possible and form.validate_on_submit():

        def act() -> None:
            if not form.reason.data:
                raise services.WorkspaceError(
                    _("Choose why the case is closed.")
                    if action == "close"
                    else _("Choose why the case is suspended."),
                    "reason",
                )
            pathway.transition_case(
                current_user, case, action, reason=form.reason.data, expected_version=to_int(form.version.data)
            )
            services.sync_schedule(current_user, case)

        message = _("The case is now %(status)s.", status=pathway.STATUS_LABELS[action_status(action)])
        if perform(act, success=message, form=form):
            return redirect(url_for("workspace.case", case_id=case_id, _anchor="case-actions-title"))
    return render_template(
        "workspace/case_confirm.html",
        case=case,
        action=action,
        form=form,
        possible=possible,
        open_steps=[s for s in casefile.step_rows(case, pathway.definition_of(case), current_language())
                    if s.step.state in ("planned", "referred", "in_progress")],
        status_labels=pathway.STATUS_LABELS,
    )  # fmt: skip


def action_status(action: str) -> str:
    """The status a confirmed case move leads to."""
    return {"suspend": "suspended", "close": "closed"}[action]


def _step_form(case, step, step_def, definition) -> StepActionForm:
    form = StepActionForm()
    actions = [a for a in step_actions_from(StepState(step.state)) if a in casefile.AGENT_STEP_ACTIONS]
    if step.state in casefile.OPEN_STEP_STATES and "complete" not in actions:
        actions.insert(0, "complete")  # a step not yet started is marked done in one move
    form.action.choices = [(a, str(pathway.ACTION_LABELS[a]).capitalize()) for a in actions]
    if step.state in (StepState.PLANNED, StepState.IN_PROGRESS, StepState.REFERRED):
        form.action.choices.append(("attendance", _("Record hours and evidence only")))
    options, suggested = casefile.result_choices(case, step_def)
    form.result.choices = [("", "—"), *options]
    form.reason.choices = [("", "—")] + [(k, str(v)) for k, v in pathway.EXEMPTION_REASONS.items()]
    form.evidence.choices = [(code, str(EVIDENCE_LABELS.get(code, code))) for code in step_def.evidence]
    if not form.is_submitted():
        form.version.data = str(case.version)
        form.hours.data = f"{step.hours.normalize():f}" if step.hours else ""
        form.result.data = step.result or suggested or ""
        form.evidence.data = list(step.evidence or [])
        if request.args.get("action") in dict(form.action.choices):
            form.action.data = request.args["action"]
    return form


def _apply_step_form(case, step, form: StepActionForm) -> None:
    action = form.action.data
    evidence = tuple(form.evidence.data or ())
    version = to_int(form.version.data)
    if action == "attendance":
        if not (form.hours.data or "").strip():
            raise services.WorkspaceError(_("Enter the hours attended."), "hours")
        pathway.record_attendance(current_user, case, step.step_code, form.hours.data, evidence=evidence,
                                  expected_version=version)  # fmt: skip
    else:  # every requirement of the move is checked at once by the engine (``step_change_problems``)
        change = pathway.StepChange(
            planned_on=form.planned_on.data,
            hours=(form.hours.data or "").strip() or None,
            result=form.result.data or None,
            evidence=evidence,
            reason=form.reason.data or ("other" if action in ("cancel", "fail") else None),
            note=(form.note.data or "").strip() or None,
        )
        if action == "complete":
            pathway.complete_step(current_user, case, step.step_code, change, expected_version=version)
        else:
            pathway.transition_step(current_user, case, step.step_code, action, change, expected_version=version)
    services.sync_schedule(current_user, case)


@bp.route("/cases/<uuid:case_id>/steps/<code>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def step(case_id: uuid.UUID, code: str):
    """Act on one step: plan, start, complete with hours and evidence, exempt, cancel…"""
    case = case_or_404(case_id)
    definition = pathway.definition_of(case)
    try:
        item = case.step(code)
    except KeyError:
        abort(404)
    step_def = definition.step(code)
    form = _step_form(case, item, step_def, definition)
    success = _("“%(step)s” was updated.", step=step_def.label(current_language()))
    if form.validate_on_submit() and perform(lambda: _apply_step_form(case, item, form), success=success, form=form):
        warning = pathway.civic_format_warning(case, form.result.data or None)
        if warning:  # a warning, never a refusal: the agent may have reasons
            flash(warning, "warning")
        return redirect(url_for("workspace.case", case_id=case_id, _anchor=casefile.step_anchor(code)))
    civic_options = set((step_def.result or {}).get("options", ())) & set(pathway.CIVIC_FORMAT_LABELS)
    return render_template(
        "workspace/step.html",
        case=case,
        step=item,
        civic_hint=pathway.civic_format_hint(case) if civic_options else None,
        step_def=step_def,
        label=step_def.label(current_language()),
        form=form,
        row=next(r for r in casefile.step_rows(case, definition, current_language()) if r.step is item),
        state_labels=pathway.STATE_LABELS,
    )


def _form_page(case, form, template: str, handler, success: str, **context):
    """GET shows the form; a valid POST runs ``handler`` (one transaction), else field errors."""
    if form.validate_on_submit() and perform(handler, success=success, form=form):
        return redirect(url_for("workspace.case", case_id=case.id))
    return render_template(template, case=case, form=form, **context)


@bp.route("/cases/<uuid:case_id>/extension", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def extension(case_id: uuid.UUID):
    """Extend the completion deadline (ground, months, note)."""
    case = case_or_404(case_id)
    definition = pathway.definition_of(case)
    form = ExtensionForm()
    form.ground.choices = [("", "—")] + [
        (g["code"], g["labels"].get(current_language(), g["code"])) for g in definition.extension_grounds
    ]
    schedule = services.compute_schedule(current_user, case)

    def handler() -> None:
        services.extend_deadline(
            current_user, case, form.ground.data, form.months.data, note=(form.note.data or "").strip() or None,
            document=pathway.read_upload(form.document.data),
        )  # fmt: skip

    evidence_grounds = [
        g["labels"].get(current_language(), g["code"])
        for g in definition.extension_grounds
        if g.get("evidence_required")
    ]
    return _form_page(
        case, form, "workspace/extension.html", handler, _("The deadline was extended."), schedule=schedule,
        evidence_grounds=evidence_grounds,
    )  # fmt: skip


@bp.route("/cases/<uuid:case_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def evaluation(case_id: uuid.UUID):
    """Record an evaluation interview."""
    case = case_or_404(case_id)
    form = EvaluationForm()
    schedule = services.compute_schedule(current_user, case)

    def handler() -> None:
        services.record_evaluation(current_user, case, form.held_on.data, (form.notes.data or "").strip() or None)

    return _form_page(
        case, form, "workspace/evaluation.html", handler, _("The evaluation interview was recorded."),
        schedule=schedule,
    )  # fmt: skip


@bp.route("/cases/<uuid:case_id>/noncompliance", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def noncompliance(case_id: uuid.UUID):
    """The non-compliance procedure: notice, then compliance or referral, then the outcome."""
    case = case_or_404(case_id)
    procedure = services.open_procedure(case)
    step = noncompliance_steps.current_step(current_user, case, procedure)
    return _form_page(
        case, step.form, "workspace/noncompliance.html", step.submit, step.success,
        forms=step.forms, stage=step.stage, procedure=procedure, procedures=services.procedures_of(case),
        labels=services.NONCOMPLIANCE_LABELS, outcomes=services.OUTCOME_LABELS,
    )  # fmt: skip
