"""The case page's dispensations: the panel listing them (with their evidence), recording one with
its evidence document, revoking one after confirmation, and downloading an evidence document."""

from __future__ import annotations

import uuid

from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core import panels
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Dispensation, EvidenceDocument
from integration_centre.pathway.permissions import can_see_case
from integration_centre.workspace.forms import DispensationForm, RevokeDispensationForm
from integration_centre.workspace.views import bp, case_or_404, to_int

BLUEPRINTS = (bp,)


def _reason_labels(definition) -> dict[str, str]:
    return {r.code: r.labels.get(current_language(), r.code) for r in definition.dispensation_reasons}


def dispensations_panel(case, definition, newcomer, **_page) -> dict | None:
    """The panel's variables: the person's dispensations with their documents (audited read)."""
    if newcomer is None or current_user.role != Role.AGENT or not can_see_case(current_user, case):
        return None
    return {
        "dispensation_items": pathway.dispensations_of(current_user, newcomer),
        "dispensation_reasons": _reason_labels(definition),
        "document_kinds": pathway.DOCUMENT_KINDS,
    }


def register_panel() -> None:
    """Add the dispensations panel to the case page."""
    panels.register("case", "dispensations", "workspace/_dispensations_panel.html", context=dispensations_panel,
                    order=15)  # fmt: skip


@bp.route("/cases/<uuid:case_id>/dispensations/new", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def dispensation_new(case_id: uuid.UUID):
    """Record a dispensation: one of the definition's legal reasons, dates, evidence, note."""
    case = case_or_404(case_id)
    definition = pathway.definition_of(case)
    form = DispensationForm()
    labels = _reason_labels(definition)
    form.reason.choices = [("", "—")] + [
        (r.code, f"{labels[r.code]} ({r.legal_basis})") for r in definition.dispensation_reasons
    ]
    if not form.is_submitted():
        form.version.data = str(case.version)

    def handler() -> None:
        pathway.record_dispensation(
            current_user, case.person, form.reason.data, form.start_date.data, case=case,
            document=pathway.read_upload(form.document.data), end_date=form.end_date.data,
            note=(form.note.data or "").strip() or None, expected_version=to_int(form.version.data),
        )  # fmt: skip

    if form.validate_on_submit() and perform(handler, success=_("The dispensation was recorded."), form=form):
        return redirect(url_for("workspace.case", case_id=case.id, _anchor="dispensations"))
    evidence = [labels[r.code] for r in definition.dispensation_reasons if r.evidence_required]
    return render_template("workspace/dispensation.html", case=case, form=form, evidence_reasons=evidence)


@bp.route("/cases/<uuid:case_id>/dispensations/<uuid:dispensation_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def dispensation_revoke(case_id: uuid.UUID, dispensation_id: uuid.UUID):
    """Confirm, then revoke a dispensation (the eligibility stops counting it)."""
    case = case_or_404(case_id)
    item = db.session.get(Dispensation, dispensation_id)
    require(item is not None and item.person_id == case.person_id and item.revoked_at is None)
    form = RevokeDispensationForm()
    if not form.is_submitted():
        form.version.data = str(case.version)

    def handler() -> None:
        pathway.revoke_dispensation(current_user, item, case=case, note=(form.note.data or "").strip(),
                                    expected_version=to_int(form.version.data))  # fmt: skip

    if form.validate_on_submit() and perform(handler, success=_("The dispensation was revoked."), form=form):
        return redirect(url_for("workspace.case", case_id=case.id, _anchor="dispensations"))
    listed = {d["row"].id: d for d in pathway.dispensations_of(current_user, case.person)}
    return render_template(
        "workspace/dispensation_revoke.html", case=case, form=form, item=listed[item.id],
        reasons=_reason_labels(pathway.definition_of(case)),
    )  # fmt: skip


@bp.get("/cases/<uuid:case_id>/documents/<uuid:document_id>")
@roles_required(Role.AGENT)
def document(case_id: uuid.UUID, document_id: uuid.UUID):
    """Download an evidence document of the case's person (decrypted, audited, never cached or sniffed)."""
    case = case_or_404(case_id)
    item = db.session.get(EvidenceDocument, document_id)
    require(item is not None and item.person_id == case.person_id)
    content = pathway.read_document(current_user, item, "evidence.download")
    response = Response(content.content, mimetype=content.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=content.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
