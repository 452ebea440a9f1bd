"""Thin views of the reception module, its outbox and the public certificate check.

Every page here is for agents of the case's office (``services`` answers 404 otherwise), except
``/verify/<code>``: public, rate-limited, showing only valid/revoked, issue date and centre.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre import clock
from integration_centre.accounts.models import Office, Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.core import csv_writer
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import flash_refusal, perform, refusal_message
from integration_centre.errors import DomainError
from integration_centre.extensions import db, limiter
from integration_centre.pathway import services as pathway
from integration_centre.reception import case_panels, documents, labels, services
from integration_centre.reception.forms import (
    AssessmentForm,
    ConfirmForm,
    EffortForm,
    NotificationForm,
    PositioningTestForm,
    RevokeForm,
    SessionForm,
    SignForm,
    TaskForm,
    add_errors,
)

bp = Blueprint("reception", __name__)
BLUEPRINTS = (bp,)
VERIFY_LIMIT = "30 per minute;300 per hour"
PER_PAGE = 25


def _case(case_id: uuid.UUID):
    return pathway.get_case(current_user, case_id)


def _write(action: Callable[[], Any], success: str | None = None, form=None) -> Any:
    """Run the service call ``action`` as one transaction; what it returned, or None when refused.

    Without a form this is ``core.requests.perform``. With one, input errors (``ReceptionInvalid``)
    go beside the form's fields (a message about no field to its summary) and every other refusal
    is flashed, as without a form.
    """
    written = []
    if form is None:
        return written[0] if perform(lambda: written.append(action()), success=success) else None
    try:
        written.append(action())
    except services.ReceptionInvalid as exc:
        refusal_message(exc)  # rolls back
        add_errors(form, exc.errors)
        return None
    except DomainError as exc:
        flash_refusal(exc)
        return None
    db.session.commit()
    if success:
        flash(success, "success")
    return written[0]


def _back(record, case_id) -> Response:
    """Back to the module page, with the step the pathway refused to move (if any) as a warning."""
    message = getattr(record, "step_message", None)
    if message:
        flash(_("The pathway step did not move: %(reason)s", reason=message), "warning")
    return redirect(url_for("reception.module", case_id=case_id))


# ---------------------------------------------------------------------------------------------
# The reception module page


@bp.get("/cases/<uuid:case_id>/reception")
@roles_required(Role.AGENT)
def module(case_id: uuid.UUID):
    """Everything of the reception module for one case, with links to each form."""
    case = _case(case_id)
    return render_template(
        "reception/module.html",
        case=case,
        labels=case_panels.step_labels(case),
        state_labels=pathway.STATE_LABELS,
        **case_panels.module_context(case),
        **case_panels.agreement_context(case),
        **case_panels.certificate_context(case),
        **case_panels.notifications_context(case),
    )


@bp.route("/cases/<uuid:case_id>/reception/assessment", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def assessment(case_id: uuid.UUID):
    """Record or update the social assessment (special-category data, encrypted)."""
    case = _case(case_id)
    form = AssessmentForm()
    if request.method == "GET":
        existing = services.assessment_for(current_user, case)
        if existing:
            form.fill(existing)
        else:
            form.assessed_on.data = clock.today()
    if form.validate_on_submit():
        record = _write(
            lambda: services.record_assessment(current_user, case, form.to_data()),
            _("The social assessment was saved."),
            form,
        )
        if record is not None:
            return _back(record, case.id)
    return render_template("reception/assessment.html", case=case, form=form)


@bp.route("/cases/<uuid:case_id>/reception/session", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def session(case_id: uuid.UUID):
    """Record a rights-and-duties information session."""
    case = _case(case_id)
    form = SessionForm()
    if request.method == "GET":
        form.held_on.data = clock.today()
        form.language.data = "fr"
    if form.validate_on_submit():
        record = _write(
            lambda: services.record_session(
                current_user,
                case,
                held_on=form.held_on.data,
                format=form.format.data,
                themes=form.themes.data,
                language=form.language.data,
                interpreter=form.interpreter.data,
                hours=form.hours.data,
            ),
            _("The information session was recorded."),
            form,
        )
        if record is not None:
            return _back(record, case.id)
    return render_template("reception/session.html", case=case, form=form)


@bp.route("/cases/<uuid:case_id>/reception/test", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def positioning_test(case_id: uuid.UUID):
    """Record the French positioning test result."""
    case = _case(case_id)
    form = PositioningTestForm()
    if request.method == "GET":
        form.tested_on.data = clock.today()
    if form.validate_on_submit():
        record = _write(
            lambda: services.record_positioning_test(
                current_user, case, tested_on=form.tested_on.data, level=form.level.data, note=form.note.data
            ),
            _("The positioning test result was recorded."),
            form,
        )
        if record is not None:
            return _back(record, case.id)
    return render_template("reception/test.html", case=case, form=form)


@bp.route("/cases/<uuid:case_id>/reception/tasks", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def add_task(case_id: uuid.UUID):
    """Add a help-with-procedures task."""
    case = _case(case_id)
    form = TaskForm()
    if form.validate_on_submit():
        record = _write(
            lambda: services.add_task(
                current_user, case, kind=form.kind.data, title=form.title.data, due_on=form.due_on.data
            ),
            _("The task was added."),
            form,
        )
        if record is not None:
            return _back(record, case.id)
    return render_template("reception/task.html", case=case, form=form)


@bp.post("/reception/tasks/<uuid:task_id>/done")
@roles_required(Role.AGENT)
def task_done(task_id: uuid.UUID):
    """Mark a task done."""
    task = services.get_task(current_user, task_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    record = _write(lambda: services.complete_task(current_user, task), _("The task is done."))
    if record is None:
        return redirect(url_for("reception.module", case_id=task.case_id))
    return _back(record, task.case_id)


# ---------------------------------------------------------------------------------------------
# Agreement


@bp.get("/cases/<uuid:case_id>/agreement.pdf")
@roles_required(Role.AGENT)
def agreement_pdf(case_id: uuid.UUID):
    """The reception agreement as a PDF (``?lang=fr|en|nl``)."""
    case = _case(case_id)
    language = documents.document_language(request.args.get("lang"))
    content = services.agreement_content(current_user, case, language)
    body = documents.agreement_pdf(content, language)
    return _pdf(body, f"convention-{language}.pdf")


def _pdf(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<uuid:case_id>/agreement/sign", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def sign_agreement(case_id: uuid.UUID):
    """Record the date the reception agreement was signed."""
    case = _case(case_id)
    form = SignForm()
    if request.method == "GET":
        form.signed_on.data = clock.today()
    if form.validate_on_submit():
        signed = _write(
            lambda: services.sign_agreement(current_user, case, signed_on=form.signed_on.data),
            _("The signature of the agreement was recorded."),
            form,
        )
        if signed is not None:
            return redirect(url_for("reception.module", case_id=case.id))
    return render_template("reception/sign.html", case=case, form=form, **case_panels.agreement_context(case))


# ---------------------------------------------------------------------------------------------
# Certificate


@bp.route("/cases/<uuid:case_id>/certificate/issue", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def issue_certificate(case_id: uuid.UUID):
    """Confirm, then issue the certificate of attendance."""
    case = _case(case_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        certificate = _write(lambda: services.issue_certificate(current_user, case))
        if certificate is not None:
            flash(
                _("The certificate was issued (code %(code)s).", code=services.format_code(certificate.code)),
                "success",
            )
            return redirect(url_for("reception.module", case_id=case.id))
    return render_template("reception/issue.html", case=case, form=form, **case_panels.certificate_context(case))


@bp.route("/cases/<uuid:case_id>/certificate/effort", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def declare_effort(case_id: uuid.UUID):
    """Record a declaration of effort (Flanders): the certificate then rests on it, not on results."""
    case = _case(case_id)
    if not pathway.definition_of(case).certificate.declaration_of_effort:
        abort(404)
    form = EffortForm()
    if form.validate_on_submit():
        declared = _write(
            lambda: pathway.declare_effort(current_user, case, note=form.note.data),
            _("The declaration of effort was recorded."),
            form,
        )
        if declared is not None:
            return redirect(url_for("reception.issue_certificate", case_id=case.id))
    return render_template("reception/effort.html", case=case, form=form, **case_panels.certificate_context(case))


@bp.get("/certificates/<uuid:certificate_id>.pdf")
@roles_required(Role.AGENT)
def certificate_pdf(certificate_id: uuid.UUID):
    """The certificate as a PDF (``?lang=fr|en|nl``)."""
    certificate = services.get_certificate(current_user, certificate_id)
    language = documents.document_language(request.args.get("lang"))
    content = services.certificate_content(current_user, certificate)
    verify_url = url_for("reception.verify_certificate", code=certificate.code, _external=True)
    body = documents.certificate_pdf(content, language, verify_url, services.format_code(certificate.code))
    return _pdf(body, f"attestation-{language}.pdf")


@bp.route("/certificates/<uuid:certificate_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def revoke_certificate(certificate_id: uuid.UUID):
    """Revoke a certificate with a reason (explicit confirmation)."""
    certificate = services.get_certificate(current_user, certificate_id)
    if certificate.is_revoked:
        flash(_("This certificate is already revoked."), "error")
        return redirect(url_for("reception.module", case_id=certificate.case_id))
    form = RevokeForm()
    if form.validate_on_submit():
        revoked = _write(
            lambda: services.revoke_certificate(
                current_user, certificate, reason=form.reason.data, note=form.note.data
            ),
            _("The certificate was revoked."),
            form,
        )
        if revoked is not None:
            return redirect(url_for("reception.module", case_id=certificate.case_id))
    return render_template(
        "reception/revoke.html", certificate=certificate, form=form, format_code=services.format_code
    )


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_certificate(code: str):
    """Public check of a certificate: valid or revoked, issue date and issuing centre only."""
    result = services.verify(code)
    if result is None:
        return render_template("reception/verify.html", result=None, code=code[:40]), 404
    return render_template("reception/verify.html", result=result, formatted=services.format_code(result.code))


# ---------------------------------------------------------------------------------------------
# Notifications to third parties


@bp.post("/cases/<uuid:case_id>/notifications")
@roles_required(Role.AGENT)
def queue_notification(case_id: uuid.UUID):
    """Put a notification to the municipality or the CPAS in the outbox."""
    case = _case(case_id)
    form = NotificationForm()
    if not form.validate_on_submit():
        flash(_("Choose the municipality or the CPAS."), "error")
        return redirect(url_for("reception.module", case_id=case.id))
    perform(
        lambda: services.queue_notification(current_user, case, form.recipient.data),
        success=_("The notification was put in the outbox."),
    )
    return redirect(url_for("reception.module", case_id=case.id))


def _recipient_or_404(recipient: str) -> str:
    if recipient not in labels.RECIPIENTS:
        abort(404)
    return recipient


@bp.get("/reception/outbox")
@roles_required(Role.AGENT)
def outbox():
    """The office's notifications to third parties: pending or sent, by recipient, paginated."""
    recipient = request.args.get("recipient") or None
    if recipient is not None and recipient not in labels.RECIPIENTS:
        recipient = None
    sent = request.args.get("sent") == "1"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = services.outbox(current_user, recipient=recipient, sent=sent, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        page = pages
        rows, total = services.outbox(current_user, recipient=recipient, sent=sent, page=page, per_page=PER_PAGE)
    pending = {r: len(services.pending_for(current_user, r)) for r in labels.RECIPIENTS}
    return render_template(
        "reception/outbox.html",
        rows=services.notification_rows(current_user, rows),
        total=total,
        page=page,
        pages=pages,
        recipient=recipient,
        sent=sent,
        pending=pending,
        recipient_labels=labels.RECIPIENTS,
    )


@bp.get("/reception/outbox/<recipient>.csv")
@roles_required(Role.AGENT)
def outbox_csv(recipient: str):
    """The pending notifications for ``recipient`` as CSV (minimal data)."""
    recipient = _recipient_or_404(recipient)
    rows = services.notification_rows(current_user, services.pending_for(current_user, recipient))
    body = "\ufeff" + documents.notifications_csv(rows)
    return csv_writer.text_response(body, f"notifications-{recipient}.csv")


@bp.get("/reception/outbox/<recipient>.pdf")
@roles_required(Role.AGENT)
def outbox_pdf(recipient: str):
    """The pending notifications for ``recipient`` as a letter (PDF)."""
    recipient = _recipient_or_404(recipient)
    rows = services.notification_rows(current_user, services.pending_for(current_user, recipient))
    office = db.session.get(Office, current_user.office_id)
    body = documents.notifications_pdf(
        rows,
        recipient_label=str(labels.RECIPIENTS[recipient]),
        office=office.name,
        centre=office.centre.name if getattr(office, "centre", None) else "",
        on=clock.today(),
    )
    return _pdf(body, f"notifications-{recipient}.pdf")


@bp.route("/reception/outbox/<recipient>/sent", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def mark_sent(recipient: str):
    """Confirm, then mark every pending notification for ``recipient`` as sent."""
    recipient = _recipient_or_404(recipient)
    pending = services.pending_for(current_user, recipient)
    form = ConfirmForm()
    if form.validate_on_submit():
        count = services.mark_sent(current_user, pending)
        db.session.commit()
        flash(_("%(count)s notification(s) marked as sent.", count=count), "success")
        return redirect(url_for("reception.outbox", recipient=recipient))
    return render_template(
        "reception/mark_sent.html",
        form=form,
        recipient=recipient,
        count=len(pending),
        recipient_labels=labels.RECIPIENTS,
    )


def register_navigation() -> None:
    """Add the outbox to the agents' navigation."""
    add_nav_item("reception.outbox", _l("Notifications outbox"), [Role.AGENT], order=45)
