"""Casework pages of the office: transfers (ask, incoming, accept, refuse, cancel), the responsible
agent of a case, the office's caseload and the bulk reassignment. Thin: the rules are in
``pathway.transfers`` and ``pathway.caseload``."""

from __future__ import annotations

import uuid

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.extensions import db
from integration_centre.pathway import caseload, transfers
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.workspace import services
from integration_centre.workspace.caseload_forms import (
    AssignForm,
    ConfirmForm,
    ReassignForm,
    RefuseTransferForm,
    TransferForm,
)
from integration_centre.workspace.dashboard import display_names
from integration_centre.workspace.views import bp, case_or_404, to_int

BLUEPRINTS = (bp,)
NOBODY = "none"


def register_navigation() -> None:
    """The office's casework pages in the agent's navigation."""
    add_nav_item("workspace.incoming_transfers", _l("Incoming transfers"), [Role.AGENT], order=12)
    add_nav_item("workspace.caseload_page", _l("Caseload"), [Role.AGENT], order=14)


@bp.app_template_global()
def casework_of(case: Case) -> dict:
    """What the case page's casework panel shows: the responsible agent and a pending transfer."""
    return {
        "responsible": case.responsible_agent,
        "pending": transfers.pending_request(case),
        "transferable": case.status in ("open", "in_progress", "suspended"),
        "form": ConfirmForm(),
    }


# --- Transfers ----------------------------------------------------------------------------------


def _office_choices(case: Case) -> list[SelectChoice]:
    """The receiving offices grouped by centre (one ``optgroup`` per centre)."""
    offices = transfers.target_offices(current_user, case)
    return [SelectChoice("", "—")] + [
        SelectChoice(str(office.id), office.name, optgroup=office.centre.name) for office in offices
    ]


@bp.route("/cases/<uuid:case_id>/transfer", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def transfer(case_id: uuid.UUID):
    """Ask another office (of any centre) to take the case over."""
    case = case_or_404(case_id)
    form = TransferForm()
    form.office.choices = _office_choices(case)
    if request.method == "GET":
        form.version.data = str(case.version)
    if form.validate_on_submit():
        target = db.session.get(Office, to_int(form.office.data))

        def ask() -> None:
            transfers.request_transfer(
                current_user, case, target, note=form.note.data, expected_version=to_int(form.version.data)
            )

        if perform(ask, success=_("The transfer was requested: the receiving office must accept it."), form=form):
            return redirect(url_for("workspace.case", case_id=case.id))
    return render_template("workspace/transfer.html", case=case, form=form, pending=transfers.pending_request(case))


@bp.post("/transfers/<uuid:request_id>/cancel")
@roles_required(Role.AGENT)
def cancel_transfer(request_id: uuid.UUID):
    """The sending office withdraws its request."""
    item = transfers.get_request(current_user, request_id)
    require(item.from_office_id == current_user.office_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: transfers.cancel_transfer(current_user, item), success=_("The transfer request was cancelled."))
    return redirect(url_for("workspace.case", case_id=item.case_id))


@bp.get("/transfers/incoming")
@roles_required(Role.AGENT)
def incoming_transfers():
    """The transfers addressed to the agent's office, waiting for an answer."""
    incoming = transfers.incoming(current_user)
    names = display_names(current_user, [transfer.person_id for transfer in incoming])
    return render_template("workspace/incoming_transfers.html", incoming=incoming, names=names)


def _incoming_or_404(request_id: uuid.UUID):
    item = transfers.get_request(current_user, request_id)
    require(item.to_office_id == current_user.office_id)
    return item


@bp.route("/transfers/<uuid:request_id>/accept", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def accept_transfer(request_id: uuid.UUID):
    """Confirm, then take the case over: the successor case opens at the agent's office."""
    item = _incoming_or_404(request_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        accepted = []

        def accept() -> None:
            successor = transfers.accept_transfer(current_user, item)
            services.sync_schedule(current_user, successor)
            accepted.append(successor)

        if perform(accept, success=_("The case was taken over by your office.")):
            return redirect(url_for("workspace.case", case_id=accepted[0].id))
        return redirect(url_for("workspace.incoming_transfers"))
    names = display_names(current_user, [item.person_id])
    return render_template("workspace/transfer_answer.html", transfer=item, form=form, name=names.get(item.person_id))


@bp.route("/transfers/<uuid:request_id>/refuse", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def refuse_transfer(request_id: uuid.UUID):
    """Refuse an incoming transfer, saying why."""
    item = _incoming_or_404(request_id)
    form = RefuseTransferForm()
    if form.validate_on_submit() and perform(
        lambda: transfers.refuse_transfer(current_user, item, form.reason.data),
        success=_("The transfer was refused; the sending office keeps the case."),
        form=form,
    ):
        return redirect(url_for("workspace.incoming_transfers"))
    names = display_names(current_user, [item.person_id])
    return render_template(
        "workspace/transfer_answer.html", transfer=item, form=form, name=names.get(item.person_id), refuse=True
    )


# --- Caseload -----------------------------------------------------------------------------------


def _agent_choices(office_id: int) -> list:
    agents = caseload.office_agents(office_id)
    return [SelectChoice("", "—")] + [SelectChoice(str(agent.id), agent.display_name) for agent in agents]


@bp.route("/cases/<uuid:case_id>/responsible", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def responsible(case_id: uuid.UUID):
    """Change the responsible agent of one case."""
    case = case_or_404(case_id)
    form = AssignForm()
    form.agent.choices = _agent_choices(case.office_id)
    if request.method == "GET":
        form.version.data = str(case.version)
        if case.responsible_agent_id:
            form.agent.data = str(case.responsible_agent_id)
    if form.validate_on_submit():
        agent_id = to_int(form.agent.data)
        agent = db.session.get(User, agent_id) if agent_id is not None else None

        def assign() -> None:
            pathway.check_version(case, to_int(form.version.data))
            caseload.assign(current_user, [case], agent)

        if perform(assign, success=_("The case was assigned."), form=form):
            return redirect(url_for("workspace.case", case_id=case.id))
    return render_template("workspace/responsible.html", case=case, form=form)


@bp.get("/caseload")
@roles_required(Role.AGENT)
def caseload_page():
    """The office's active cases per responsible agent."""
    return render_template("workspace/caseload.html", loads=caseload.office_caseload(current_user), nobody=NOBODY)


def _holder(agent_key: str) -> tuple[int | None, User | None]:
    if agent_key == NOBODY:
        return None, None
    agent_id = to_int(agent_key)
    agent = db.session.get(User, agent_id) if agent_id is not None else None
    require(agent is not None and agent.role == Role.AGENT and agent.office_id == current_user.office_id)
    return agent.id, agent


@bp.route("/caseload/<agent_key>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def agent_caseload(agent_key: str):
    """One agent's active cases (a page at a time) and the form to give some or all to another agent."""
    holder_id, holder = _holder(agent_key)
    page = caseload.agent_cases(current_user, holder_id, request.args.get("page", 1, type=int) or 1)
    form = ReassignForm()
    form.agent.choices = _agent_choices(current_user.office_id)
    confirm = None
    if form.validate_on_submit():
        if form.scope.data == "all":
            chosen = caseload.active_cases_of(current_user, holder_id)
        else:
            ids = {to_uuid(value) for value in form.cases.data or []}
            chosen = [c for c in caseload.active_cases_of(current_user, holder_id) if c.id in ids]
        target = db.session.get(User, to_int(form.agent.data))
        if not chosen:
            form.cases.errors = [_("Tick at least one case, or choose all the cases of this list.")]
        elif form.confirmed.data != "yes":
            confirm = {"count": len(chosen), "target": target, "ids": [str(c.id) for c in chosen]}
            form.confirmed.data = "yes"
        elif perform(
            lambda: caseload.assign(current_user, chosen, target),
            success=_("%(count)s case(s) reassigned.", count=len(chosen)),
            form=form,
        ):
            return redirect(url_for("workspace.caseload_page"))
    names = display_names(current_user, [c.person_id for c in page.cases])
    return render_template(
        "workspace/agent_caseload.html",
        holder=holder,
        agent_key=agent_key,
        page=page,
        names=names,
        form=form,
        confirm=confirm,
        status_labels=pathway.STATUS_LABELS,
    )


def to_uuid(value) -> uuid.UUID | None:
    """A submitted id, None when it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
