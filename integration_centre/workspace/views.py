"""Thin views of the agent's workspace: dashboard, search, deadline calculator, the case page
and its forms (steps, case status, extension, evaluation, non-compliance), documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import flash_refusal, refusal_message
from integration_centre.extensions import db
from integration_centre.pathway import reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import CEFR_LEVELS
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.forms import EDUCATION_LABELS, RESIDENCE_LABELS, SEX_LABELS
from integration_centre.pathway.models import EvidenceDocument, Newcomer
from integration_centre.pathway.states import StepState, case_actions_from, step_actions_from
from integration_centre.privacy import erasure
from integration_centre.privacy.access import access
from integration_centre.workspace import services
from integration_centre.workspace.forms import (
    CalculatorForm,
    CaseActionForm,
    ComplianceForm,
    EvaluationForm,
    ExtensionForm,
    NoticeForm,
    OutcomeForm,
    ReferralForm,
    SearchForm,
    StepActionForm,
)
from integration_centre.workspace.labels import EVIDENCE_LABELS, timeline_label

bp = Blueprint("workspace", __name__)
BLUEPRINTS = (bp,)

add_nav_item("workspace.search", _l("Find a person"), [Role.AGENT], order=10)
add_nav_item("workspace.calculator", _l("Deadline calculator"), [Role.AGENT], order=40)

# Moves an agent makes from the case page (referrals to operators have their own panel).
AGENT_STEP_ACTIONS = ("plan", "start", "complete", "fail", "retry", "exempt", "cancel")
CASE_ACTIONS = ("start", "suspend", "resume", "complete", "close")


def _case_or_404(case_id: uuid.UUID):
    return pathway.get_case(current_user, case_id)


def _version(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _locale() -> str:
    return pathway.current_language()


# ---------------------------------------------------------------------------------------------
# Dashboard (the agent's home page, ``core.agent_home``)


def dashboard_page():
    """The office dashboard: the six lists with their counts, one list paginated and sorted."""
    query = services.DashboardQuery(
        view=request.args.get("view", "today"),
        sort=request.args.get("sort"),
        direction=request.args.get("dir"),
        status=request.args.get("status", "active"),
        version=request.args.get("version", ""),
        page=request.args.get("page", 1, type=int) or 1,
    )
    board = services.dashboard(current_user, query)
    labels = _dashboard_labels()
    q = board.query
    base = url_for("core.agent_home")

    def link(**changes) -> str:
        """The list's URL with ``changes``: the query string ``url_for`` would build (same order)."""
        params = {"view": q.view, "sort": q.sort, "dir": q.direction, "status": q.status,
                  "version": q.version or None, "page": None}  # fmt: skip
        params.update(changes)
        return _with_query(base, params)

    same_list = link()  # the page links differ only by their last parameter

    def page_link(number: int) -> str:
        return f"{same_list}&page={number}"

    tab_filters = {"status": q.status if q.status != "active" else None, "version": q.version or None}
    return render_template(
        "workspace/dashboard.html",
        board=board,
        count_cap=services.COUNT_CAP,
        q=q,
        views=labels["views"],
        sorts=labels["sorts"],
        statuses=labels["statuses"],
        versions=labels["versions"],
        rows=_dashboard_rows(board, labels["status_labels"]),
        view_links={key: _with_query(base, {"view": key, **tab_filters}) for key in labels["views"]},
        sort_links={
            key: link(sort=key, dir="desc" if q.sort == key and q.direction == "asc" else "asc")
            for key in labels["sorts"]
        },
        pages=[(number, number and page_link(number)) for number in _page_numbers(q.page, board.pages)],
        previous_link=page_link(q.page - 1) if q.page > 1 else None,
        next_link=page_link(q.page + 1) if q.page < board.pages else None,
    )


def _with_query(base: str, params: dict) -> str:
    present = {key: value for key, value in params.items() if value is not None}
    return f"{base}?{urlencode(present)}" if present else base


def _page_numbers(current: int, pages: int) -> list[int | None]:
    """The page links shown: the first two, the last two, two either side of the current page;
    None where pages are skipped (an ellipsis)."""
    numbers: list[int | None] = []
    for number in range(1, pages + 1):
        if number <= 2 or number > pages - 2 or abs(number - current) <= 2:
            numbers.append(number)
        elif numbers and numbers[-1] is not None:
            numbers.append(None)
    return numbers if pages > 1 else []


@dataclass(frozen=True)
class _Row:
    """One dashboard line, ready to print (dates formatted, labels translated, link built)."""

    url: str
    name: str
    status: str
    noncompliance: bool
    deadline: str
    overdue: bool
    evaluation: str
    evaluation_overdue: bool
    action: str
    opened: str
    changed: str


def _dashboard_rows(board, status_labels: dict) -> list[_Row]:
    fmt, case_url = _date_formatter(), _case_url_maker()
    rows = []
    for row in board.rows:
        case, s = row.case, row.schedule
        rows.append(
            _Row(
                url=case_url(case.id),
                name=row.name,
                status=status_labels[case.status],
                noncompliance=bool(s.noncompliance_status),
                deadline=fmt(s.completion_deadline),
                overdue=row.overdue,
                evaluation=fmt(s.next_evaluation_on),
                evaluation_overdue=row.evaluation_overdue,
                action=fmt(s.next_action_on),
                opened=fmt(case.opened_on),
                changed=fmt(case.last_change_at),
            )
        )
    return rows


_LABELS: dict[str, dict] = {}


def _dashboard_labels() -> dict:
    """The dashboard's translated labels, built once per locale (they never change at run time)."""
    key = str(get_locale())
    if key not in _LABELS:
        _LABELS[key] = {
            "views": {view: str(label) for view, label in services.VIEW_LABELS.items()},
            "sorts": {sort: str(label) for sort, label in services.SORT_LABELS.items()},
            "statuses": {k: str(label) for k, label in _status_filter_labels().items()},
            "versions": _version_labels(),
            "status_labels": {status: str(label) for status, label in pathway.STATUS_LABELS.items()},
        }
    return _LABELS[key]


def _case_url_maker():
    """The case page's URL for an id, with ``url_for`` called once per page, not once per row."""
    placeholder = uuid.UUID(int=0)
    pattern = url_for("pathway.case", case_id=placeholder)
    return lambda case_id: pattern.replace(str(placeholder), str(case_id))


_DATES: dict[tuple[str, date], str] = {}


def _date_formatter():
    """``format_date`` for a list page: the locale's pattern looked up once, each date formatted
    once per locale (a small bounded memo: a list shows a few thousand distinct dates at most)."""
    from babel.dates import get_date_format
    from flask_babel import get_timezone

    locale, zone = get_locale(), get_timezone()
    name = str(locale)
    pattern = get_date_format("medium", locale=locale)
    if len(_DATES) > 20_000:
        _DATES.clear()

    def day(value: date) -> str:
        text = _DATES.get((name, value))
        if text is None:
            text = _DATES[(name, value)] = pattern.apply(value, locale)
        return text

    def fmt(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):  # what flask_babel's to_user_timezone does, zone looked up once
            local = zone.normalize((value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone))
            return f"{day(local.date())} {local:%H:%M}"
        return day(value)

    return fmt


def _status_filter_labels() -> dict:
    labels = {"active": _("Active cases")}
    labels.update({status.value: label for status, label in pathway.STATUS_LABELS.items()})
    labels["all"] = _("All cases")
    return labels


def _version_labels() -> dict:
    from integration_centre.pathway.definitions import registry

    return {f"{d.code}:{d.version}": d.label(_locale()) for d in registry().all()}


# ---------------------------------------------------------------------------------------------
# Search


@bp.route("/search", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def search():
    """Find a person by NISS or by family name and date of birth (POST: nothing in the URL)."""
    form = SearchForm()
    results, searched, page, pages = [], False, 1, 1
    if form.is_submitted() and form.validate():
        errors = services.validate_search(
            form.family_name.data, form.given_names.data, form.date_of_birth.data, (form.niss.data or "").strip()
        )
        for name, message in errors.items():
            getattr(form, name).errors = [message]
        if not errors:
            found = services.search_persons(
                current_user,
                family_name=form.family_name.data,
                given_names=form.given_names.data,
                birth_date=form.date_of_birth.data,
                niss=(form.niss.data or "").strip() or None,
            )
            searched = True
            pages = max(1, -(-len(found) // services.PAGE_SIZE))
            page = min(max(1, _version(form.page.data) or 1), pages)
            results = found[(page - 1) * services.PAGE_SIZE : page * services.PAGE_SIZE]
            total = len(found)
            return render_template(
                "workspace/search.html", form=form, results=results, searched=searched, page=page, pages=pages,
                total=total, status_labels=pathway.STATUS_LABELS,
            )  # fmt: skip
    return render_template(
        "workspace/search.html", form=form, results=results, searched=searched, page=page, pages=pages, total=0,
        status_labels=pathway.STATUS_LABELS,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Deadline calculator


@bp.route("/deadlines/calculator", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def calculator():
    """Permit-order date → the deadlines under every rule version (POST: no date in the URL)."""
    form = CalculatorForm()
    rows = None
    if form.validate_on_submit():
        if form.registration_date.data and form.registration_date.data < form.permit_order_date.data:
            form.registration_date.errors = [_("The registration cannot be before the permit was ordered.")]
        else:
            rows = services.calculate(form.permit_order_date.data, form.registration_date.data)
    return render_template("workspace/calculator.html", form=form, rows=rows, locale=_locale())


# ---------------------------------------------------------------------------------------------
# The case page (``pathway.case`` renders it)


def case_page(case_id: uuid.UUID):
    """A case: person summary, eligibility, deadlines, steps, panels, documents, timeline."""
    case = _case_or_404(case_id)
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
    steps = []
    for step in case.steps:
        step_def = definition.step(step.step_code)
        steps.append(
            {
                "step": step,
                "definition": step_def,
                "label": step_def.label(_locale()),
                "required": pathway.step_required(case, step_def, definition),
                "actions": [a for a in step_actions_from(StepState(step.state)) if a in AGENT_STEP_ACTIONS],
            }
        )
    extensions = services.extensions_of(case)
    by_entry = {e.timeline_entry_id: e for e in extensions if e.timeline_entry_id}
    with access(current_user, "case.view", [case.person_id]):  # sensitive reasons are encrypted
        timeline = [
            {"entry": entry, "label": timeline_label(entry, definition, _locale()), "extension": by_entry.get(entry.id)}
            for entry in services.timeline_of(case)
        ]
    case_actions = [a for a in case_actions_from(case.status) if a in CASE_ACTIONS]
    return render_template(
        "pathway/case.html",
        case=case,
        definition=definition,
        newcomer=newcomer,
        person=person,
        eligibility=eligibility,
        eligibility_error=eligibility_error,
        schedule=schedule,
        steps=steps,
        extensions=extensions,
        extension_grounds=services.extension_grounds(current_user, extensions),
        interviews=services.interviews_of(current_user, case),
        procedures=services.procedures_of(case),
        documents=services.documents_of(current_user, case),
        timeline=timeline,
        case_actions=case_actions,
        case_form=CaseActionForm(),
        closure_reasons=pathway.CLOSURE_REASONS,
        suspension_reasons=pathway.SUSPENSION_REASONS,
        locale=_locale(),
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
            "ground": {g["code"]: g["labels"].get(_locale(), g["code"]) for g in definition.extension_grounds},
        },
    )


def _commit_or_flash(action) -> bool:
    """Run ``action`` (a service call); commit on success, roll back and flash the reason on refusal."""
    try:
        action()
    except PathwayError as exc:
        flash_refusal(exc)  # rolls back first
        return False
    db.session.commit()
    return True


@bp.post("/cases/<uuid:case_id>/status")
@roles_required(Role.AGENT)
def case_action(case_id: uuid.UUID):
    """Start, suspend, resume, complete or close the case."""
    case = _case_or_404(case_id)
    form = CaseActionForm()
    if not form.validate_on_submit() or form.action.data not in CASE_ACTIONS:
        abort(400)

    def act() -> None:
        pathway.transition_case(
            current_user,
            case,
            form.action.data,
            reason=form.reason.data or None,
            expected_version=_version(form.version.data),
        )
        services.sync_schedule(current_user, case)

    if _commit_or_flash(act):
        flash(_("The case is now %(status)s.", status=pathway.STATUS_LABELS[case.status]), "success")
    return redirect(url_for("pathway.case", case_id=case_id))


def _step_form(case, step, step_def, definition) -> StepActionForm:
    form = StepActionForm()
    actions = [a for a in step_actions_from(StepState(step.state)) if a in AGENT_STEP_ACTIONS]
    form.action.choices = [(a, str(pathway.ACTION_LABELS[a]).capitalize()) for a in actions]
    if step.state in (StepState.PLANNED, StepState.IN_PROGRESS, StepState.REFERRED):
        form.action.choices.append(("attendance", _("Record hours and evidence only")))
    expected = step_def.result or {}
    options = {"cefr": CEFR_LEVELS, "pass_fail": pathway.PASS_FAIL}.get(
        expected.get("type"), tuple(expected.get("options", ()))
    )
    form.result.choices = [("", "—")] + [(o, o) for o in options]
    form.reason.choices = [("", "—")] + [(k, str(v)) for k, v in pathway.EXEMPTION_REASONS.items()]
    form.evidence.choices = [(code, str(EVIDENCE_LABELS.get(code, code))) for code in step_def.evidence]
    if not form.is_submitted():
        form.version.data = str(case.version)
        form.hours.data = f"{step.hours.normalize():f}" if step.hours else ""
    return form


def _apply_step_form(case, step, form: StepActionForm) -> None:
    action = form.action.data
    evidence = tuple(form.evidence.data or ())
    version = _version(form.version.data)
    if action == "attendance":
        if not (form.hours.data or "").strip():
            raise services.WorkspaceError(_("Enter the hours attended."), "hours")
        pathway.record_attendance(current_user, case, step.step_code, form.hours.data, evidence=evidence,
                                  expected_version=version)  # fmt: skip
    else:
        if action == "plan" and form.planned_on.data is None:
            raise services.WorkspaceError(_("Enter the planned date."), "planned_on")
        if action == "exempt" and not form.reason.data:
            raise services.WorkspaceError(_("Choose why the step is exempted."), "reason")
        change = pathway.StepChange(
            planned_on=form.planned_on.data,
            hours=(form.hours.data or "").strip() or None,
            result=form.result.data or None,
            evidence=evidence,
            reason=form.reason.data or ("other" if action in ("cancel", "fail") else None),
            note=(form.note.data or "").strip() or None,
        )
        pathway.transition_step(current_user, case, step.step_code, action, change, expected_version=version)
    services.sync_schedule(current_user, case)


@bp.route("/cases/<uuid:case_id>/steps/<code>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def step(case_id: uuid.UUID, code: str):
    """Act on one step: plan, start, complete with hours and evidence, exempt, cancel…"""
    case = _case_or_404(case_id)
    definition = pathway.definition_of(case)
    try:
        item = case.step(code)
    except KeyError:
        abort(404)
    step_def = definition.step(code)
    form = _step_form(case, item, step_def, definition)
    if form.validate_on_submit():
        try:
            _apply_step_form(case, item, form)
        except services.WorkspaceError as exc:
            _show_error(form, exc)
        except PathwayError as exc:  # a conflict included
            form.form_errors.append(refusal_message(exc))
        else:
            db.session.commit()
            flash(_("“%(step)s” was updated.", step=step_def.label(_locale())), "success")
            return redirect(url_for("pathway.case", case_id=case_id))
    return render_template(
        "workspace/step.html",
        case=case,
        step=item,
        step_def=step_def,
        label=step_def.label(_locale()),
        form=form,
        state_labels=pathway.STATE_LABELS,
    )


def _show_error(form, exc: services.WorkspaceError) -> None:
    message = refusal_message(exc)  # rolls back first
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [message]


def _form_page(case, form, template: str, handler, success: str, **context):
    """GET shows the form; a valid POST runs ``handler`` (one transaction), else field errors."""
    if form.validate_on_submit():
        try:
            handler()
        except services.WorkspaceError as exc:
            _show_error(form, exc)
        except PathwayError as exc:
            form.form_errors.append(refusal_message(exc))
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("pathway.case", case_id=case.id))
    return render_template(template, case=case, form=form, **context)


@bp.route("/cases/<uuid:case_id>/extension", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def extension(case_id: uuid.UUID):
    """Extend the completion deadline (ground, months, note)."""
    case = _case_or_404(case_id)
    definition = pathway.definition_of(case)
    form = ExtensionForm()
    form.ground.choices = [("", "—")] + [
        (g["code"], g["labels"].get(_locale(), g["code"])) for g in definition.extension_grounds
    ]
    schedule = services.compute_schedule(current_user, case)

    def handler() -> None:
        services.extend_deadline(
            current_user, case, form.ground.data, form.months.data, note=(form.note.data or "").strip() or None
        )

    return _form_page(
        case, form, "workspace/extension.html", handler, _("The deadline was extended."), schedule=schedule
    )


@bp.route("/cases/<uuid:case_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def evaluation(case_id: uuid.UUID):
    """Record an evaluation interview."""
    case = _case_or_404(case_id)
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
    case = _case_or_404(case_id)
    procedure = services.open_procedure(case)
    stage = "notice" if procedure is None else ("answer" if procedure.status == "notice_sent" else "outcome")
    step_name = request.form.get("stage", stage) if request.method == "POST" else stage
    if step_name not in ("notice", "answer", "complied", "outcome") or (
        request.method == "POST" and step_name not in ({stage} | ({"complied"} if stage == "answer" else set()))
    ):
        abort(400)
    forms = {
        "notice": NoticeForm(prefix="notice"),
        "answer": ReferralForm(prefix="referral"),
        "complied": ComplianceForm(prefix="complied"),
        "outcome": OutcomeForm(prefix="outcome"),
    }
    forms["outcome"].outcome.choices = [("", "—")] + [(k, str(v)) for k, v in services.OUTCOME_LABELS.items()]
    form = forms[step_name]
    handlers = {
        "notice": lambda: services.send_notice(
            current_user, case, form.sent_on.data, form.grace_days.data, note=(form.note.data or "").strip() or None
        ),
        "answer": lambda: services.refer_to_administration(current_user, case, form.referred_on.data),
        "complied": lambda: services.record_compliance(current_user, case),
        "outcome": lambda: services.record_outcome(current_user, case, form.outcome.data, form.outcome_on.data),
    }
    messages = {
        "notice": _("The notice was recorded; the grace period has started."),
        "answer": _("The case was referred to the regional administration."),
        "complied": _("The procedure is closed: the person complied."),
        "outcome": _("The outcome was recorded."),
    }
    return _form_page(
        case, form, "workspace/noncompliance.html", handlers[step_name], messages[step_name],
        forms=forms, stage=stage, procedure=procedure, procedures=services.procedures_of(case),
        labels=services.NONCOMPLIANCE_LABELS, outcomes=services.OUTCOME_LABELS,
    )  # fmt: skip


@bp.get("/cases/<uuid:case_id>/documents/<uuid:document_id>")
@roles_required(Role.AGENT)
def document(case_id: uuid.UUID, document_id: uuid.UUID):
    """Download an evidence document of the case's person (decrypted, audited)."""
    case = _case_or_404(case_id)
    item = db.session.get(EvidenceDocument, document_id)
    require(item is not None and item.person_id == case.person_id)
    content = pathway.read_document(current_user, item)
    response = Response(content.content, mimetype=content.content_type)
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "no-store"
    return response


from integration_centre.workspace import subject_data  # noqa: E402,F401  (non-compliance legal hold)
