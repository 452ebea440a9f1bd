"""Casework pages reached from the case page: edit the person's file (with the confirmation of an
eligibility change) and record the needs analysis. The rules are in ``pathway.file_edits`` and
``pathway.cases.set_needs``; the needs panel of the case page is registered here."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import role_in, roles_required
from integration_centre.core import panels
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import file_edits, needs, registration
from integration_centre.pathway import services as pathway
from integration_centre.pathway.labels import STATUS_LABELS
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.permissions import can_see_case
from integration_centre.privacy import erasure
from integration_centre.workspace.casework_forms import FileEditForm, NeedsForm
from integration_centre.workspace.views import bp, case_or_404, to_int

ELIGIBILITY_STATUS_LABELS = {
    "obliged": _l("Obliged"),
    "dispensed": _l("Dispensed"),
    "excluded": _l("Outside the scope"),
    "voluntary": _l("Voluntary"),
}


def _writable_person(case) -> Newcomer:
    if erasure.erased_on(case.person_id) is not None:
        abort(404)
    return db.session.get(Newcomer, case.person_id)


def _fill(form: FileEditForm, values: dict) -> None:
    for name in registration.PERSONAL_FIELDS:
        getattr(form, name).data = values[name]
    form.languages.data = list(values["languages"] or [])
    form.interpreter_needed.data = bool(values["interpreter_language"])


@bp.route("/cases/<uuid:case_id>/file", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def edit_file(case_id: uuid.UUID):
    """Correct the person's file; an eligibility change shows the new assessment to confirm."""
    case = case_or_404(case_id)
    newcomer = _writable_person(case)
    form = FileEditForm()
    preview = None
    if not form.is_submitted():
        _fill(form, file_edits.current_values(current_user, newcomer))
        form.version.data = str(newcomer.version)
    else:
        form_ok = form.validate()
        data = form.to_data()
        checked = registration.validate(data)
        form.add_errors(checked.errors)
        if form_ok and not checked.errors:
            version = to_int(form.version.data)
            values = asdict(data)
            token = file_edits.confirmation_token(newcomer, version, values)
            outcome = []

            def act() -> None:
                outcome.append(
                    file_edits.edit_newcomer(
                        current_user,
                        newcomer,
                        values,
                        expected_version=version,
                        confirm=form.confirmation.data == token,
                        reason=form.reason.data,
                    )
                )

            if perform(act, form=form):
                result = outcome[0]
                if result.needs_confirmation:
                    preview = result
                    form.confirmation.data = token
                else:
                    for warning in result.warnings:
                        flash(warning, "warning")
                    if result.saved:
                        flash(_("The file was updated."), "success")
                    else:
                        flash(_("Nothing changed in the file."), "info")
                    return redirect(url_for("workspace.case", case_id=case.id))
    return render_template(
        "workspace/edit_file.html",
        case=case,
        form=form,
        preview=preview,
        field_labels={name: getattr(form, name).label.text for name in registration.PERSONAL_FIELDS},
        status_labels=ELIGIBILITY_STATUS_LABELS,
        locale=current_language(),
    )


def need_choices(definition) -> list[tuple[str, str]]:
    """Each need of the definition with the steps it makes compulsory, in the user's language."""
    language = current_language()
    choices = []
    for code in definition.needs:
        steps = needs.steps_of_need(definition, code)
        choices.append((code, ", ".join(s.label(language) for s in steps) or code))
    return choices


def positioning_hint(case, definition) -> dict | None:
    """The positioning result that suggests French until the analysis is recorded, if any."""
    for step_def in definition.steps:
        until = (step_def.condition or {}).get("until_recorded")
        if until:
            source = case.step(until["step"])
            return {
                "step": definition.step(until["step"]).label(current_language()),
                "result": source.result,
                "level": definition.parameters.get(until["parameter"]),
            }
    return None


@bp.route("/cases/<uuid:case_id>/needs", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def needs_analysis(case_id: uuid.UUID):
    """Record which conditional steps are compulsory for the person, with the reasons."""
    case = case_or_404(case_id)
    _writable_person(case)
    definition = pathway.definition_of(case)
    form = NeedsForm()
    form.needs.choices = need_choices(definition)
    if not form.is_submitted():
        form.needs.data = list(case.needs or [])
        form.version.data = str(case.version)
    if form.validate_on_submit():

        def act() -> None:
            pathway.set_needs(
                current_user,
                case,
                list(form.needs.data or []),
                expected_version=to_int(form.version.data),
                note=form.reasons.data,
            )

        if perform(act, success=_("The needs analysis was recorded."), form=form):
            return redirect(url_for("workspace.case", case_id=case.id))
    return render_template(
        "workspace/needs.html",
        case=case,
        form=form,
        recorded=needs.needs_recorded(case),
        hint=positioning_hint(case, definition),
        status_labels=STATUS_LABELS,
    )


def needs_panel(case=None, definition=None, **_page) -> dict | None:
    """The case page's needs analysis: what was recorded, and the link to record it."""
    if case is None or not (role_in(current_user, [Role.AGENT]) and can_see_case(current_user, case)):
        return None
    definition = definition or pathway.definition_of(case)
    if not definition.needs:
        return None
    labels = dict(need_choices(definition))
    return {
        "needs_recorded": needs.needs_recorded(case),
        "recorded_needs": [labels.get(code, code) for code in case.needs or []],
    }


panels.register("case", "needs", "workspace/_panel_needs.html", context=needs_panel, order=25)
