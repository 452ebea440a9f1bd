"""Thin views of the operator portal (home, inbox, referral) and the agents' directory and referral pages.

The rules are in ``services``; every page checks roles with ``roles_required`` and objects with
the services (another organisation's referral answers 404). Writes go through ``core.requests``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import require, roles_required
from integration_centre.core.requests import flash_refusal, perform, show_refusal
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.operators import referrals, services
from integration_centre.operators.forms import (
    AttendanceForm,
    CompleteForm,
    DirectoryFilterForm,
    ReasonForm,
    ReferenceSearchForm,
    ReferForm,
    VersionForm,
    choices,
)
from integration_centre.operators.labels import (
    LEVEL_LABELS,
    OUTCOME_LABELS,
    SERVICE_LABELS,
    STATE_LABELS,
    template_labels,
)
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.privacy.access import access

bp = Blueprint("operators", __name__)


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else None


def _submit(call, *, form, success: str, back: str):
    """Run ``call`` as one transaction; a redirect to ``back``, or None to show the form again.

    Refused values are shown beside ``form``'s fields (None); any other refusal (the referral
    changed or moved meanwhile) is flashed and, like the success message, goes back to ``back``.
    """
    try:
        call()
    except services.ReferralInvalid as exc:
        show_refusal(exc, form)  # rolls back first
        return None
    except services.ReferralError as exc:
        flash_refusal(exc)  # rolls back first
        return redirect(back)
    db.session.commit()
    flash(success, "success")
    return redirect(back)


# ---------------------------------------------------------------------------------------------
# Operator portal


@bp.get("/operator")
@roles_required(Role.OPERATOR)
def home():
    """The operator's home page: how many referrals wait for what, each count a link to its list."""
    return render_template(
        "operators/home.html", counts=services.operator_counts(current_user, clock.today()), labels=template_labels()
    )


@bp.get("/operator/referrals")
@roles_required(Role.OPERATOR)
def inbox():
    """The organisation's referrals by tab (new, accepted, in progress, done), filtered, paginated."""
    tab = request.args.get("tab", "new")
    if tab not in referrals.TABS:
        tab = "new"
    service_type = request.args.get("service_type") or None
    if service_type not in SERVICE_LABELS:
        service_type = None
    outcome = request.args.get("outcome") or None
    if tab != "done" or outcome not in OUTCOME_LABELS:
        outcome = None
    overdue = request.args.get("overdue") == "1"  # every open referral past its deadline, whatever its tab
    if overdue:
        tab, outcome = None, None
    ready = tab == "in_progress" and request.args.get("ready") == "1"  # hours target reached
    states = services.state_counts(current_user)
    counts = services.tabs_of(states)
    filtered = service_type or overdue or ready
    total = states.get(outcome) if outcome else counts.get(tab)
    page = services.inbox_page(
        current_user,
        tab=tab,
        state=outcome,
        service_type=service_type,
        overdue_on=clock.today() if overdue else None,
        only_ids=services.ready_to_confirm(current_user) if ready else None,
        page=request.args.get("page", 1),
        known_total=None if filtered or total is None else total,
    )
    return render_template(
        "operators/inbox.html",
        tab=tab,
        service_type=service_type,
        outcome=outcome,
        overdue=overdue,
        ready=ready,
        outcome_counts={code: states.get(code, 0) for code in OUTCOME_LABELS},
        page=page,
        rows=_inbox_rows(page.items),
        counts=counts,
        search=ReferenceSearchForm(),
        labels=template_labels(),
    )


def _inbox_rows(items) -> list[InboxRow]:
    """The inbox rows (``services.inbox_page``'s items) with their labels and dates formatted once
    per page (the list is the hot path)."""
    locale = get_locale()
    zone = get_timezone()
    medium_date = babel_dates.parse_pattern(locale.date_formats["medium"])
    short_date = babel_dates.parse_pattern(locale.date_formats["short"])
    short_time = babel_dates.parse_pattern(locale.time_formats["short"])
    short_datetime = babel_dates.get_datetime_format("short", locale=locale).replace("'", "")

    def moment(value) -> str:
        # What babel.dates.format_datetime(value, "short") does, with the patterns parsed once.
        local = value.astimezone(zone)
        return short_datetime.replace("{0}", short_time.apply(local, locale)).replace(
            "{1}", short_date.apply(local, locale)
        )

    states = {code: str(label) for code, label in STATE_LABELS.items()}
    service_names = {code: str(label) for code, label in SERVICE_LABELS.items()}
    levels = {code: str(label) for code, label in LEVEL_LABELS.items()}
    hours = hours_formatter(locale)
    link = url_for("operators.referral", referral_id=uuid.UUID(int=0))
    rows = []
    for item, row_progress in items:
        rows.append(
            InboxRow(
                url=link.replace(str(uuid.UUID(int=0)), str(item.id)),
                reference=item.reference,
                service=service_names.get(item.service_type, item.service_type),
                state=states.get(item.state, item.state),
                progress=row_progress,
                hours_text=hours(row_progress) if row_progress else "—",
                level=levels.get(row_progress.level) if row_progress else None,
                sent_on=medium_date.apply(item.sent_on, locale),
                deadline=medium_date.apply(item.deadline, locale) if item.deadline else "—",
                updated_at=moment(item.updated_at),
                updated_iso=item.updated_at.isoformat(),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbox row, formatted (an object, not a dict: Jinja reads attributes first)."""

    url: str
    reference: str
    service: str
    state: str
    progress: object
    hours_text: str
    level: str | None
    sent_on: str
    deadline: str
    updated_at: str
    updated_iso: str


def hours_formatter(locale=None) -> Callable:
    """The function giving "212,5 / 400 h" (the step's hours against its target), or "12 h" when it
    has no target, its two patterns translated once and each number formatted once (the inbox
    formats a page of them, most with the same target)."""
    locale = locale or get_locale()
    with_target, alone = _("%(hours)s / %(target)s h"), _("%(hours)s h")
    numbers: dict = {}

    def number(value) -> str:
        if value not in numbers:
            numbers[value] = babel_numbers.format_decimal(value.normalize(), locale=locale)
        return numbers[value]

    def text(progress) -> str:
        if progress.target is None:
            return alone % {"hours": number(progress.hours)}
        return with_target % {"hours": number(progress.hours), "target": number(progress.target)}

    return text


def hours_text(progress, locale=None) -> str:
    """ "212,5 / 400 h" (the step's hours against its target), or "12 h" when it has no target."""
    return hours_formatter(locale)(progress)


@bp.post("/operator/referrals/search")
@roles_required(Role.OPERATOR)
def search():
    """Open a referral by its reference (POST: references stay out of URLs and logs)."""
    form = ReferenceSearchForm()
    if form.validate_on_submit():
        found = services.list_referrals(current_user, reference=form.reference.data, per_page=1)
        if found.items:
            return redirect(url_for("operators.referral", referral_id=found.items[0].id))
        form.reference.errors = [_("No referral of your organisation has this reference.")]
    page = services.inbox_page(current_user, tab="new")
    return render_template(
        "operators/inbox.html",
        tab="new",
        service_type=None,
        outcome=None,
        overdue=False,
        ready=False,
        outcome_counts={},
        page=page,
        rows=_inbox_rows(page.items),
        counts=services.tab_counts(current_user),
        search=form,
        labels=template_labels(),
    )


def _operator_page(referral, *, attendance=None, completion=None, status: int = 200):
    view = services.operator_view(referral, current_user)
    kind, options = services.result_options(referral)
    completion = completion or CompleteForm(options, formdata=None, version=referral.version)
    attendance = attendance or AttendanceForm(
        formdata=None,
        version=referral.version,
        sessions=referral.sessions,
        hours=f"{referral.hours.normalize():f}" if referral.hours else "",
        attended_from=referral.attended_from,
        attended_until=referral.attended_until,
    )
    return (
        render_template(
            "operators/referral.html",
            referral=referral,
            view=view,
            actions=referrals.actions_from(referral.state, "operator"),
            correctable=services.can_correct_hours(referral),
            version_form=VersionForm(formdata=None, version=referral.version),
            attendance=attendance,
            completion=completion,
            result_kind=kind,
            hours_text=hours_text(view["progress"]) if view["progress"] else None,
            person_name=(
                services.person_name(view["person"]["family_name"], view["person"]["given_names"])
                if view["person"]
                else None
            ),
            level_services=services.LEVEL_SERVICES,
            labels=template_labels(),
        ),
        status,
    )


@bp.get("/operator/referrals/<uuid:referral_id>")
@roles_required(Role.OPERATOR)
def referral(referral_id: uuid.UUID):
    """One referral as the operator sees it: minimal person data, what is referred, its history."""
    return _operator_page(services.get_referral(current_user, referral_id))


def _versioned_action(action, referral_id: uuid.UUID, done_message: str):
    """Run a one-click referral action (form carries the version seen), commit, back to the referral."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    perform(lambda: action(current_user, referral_id, expected_version=_version()), success=done_message)
    return redirect(url_for("operators.referral", referral_id=referral_id))


@bp.post("/operator/referrals/<uuid:referral_id>/accept")
@roles_required(Role.OPERATOR)
def accept(referral_id: uuid.UUID):
    """Accept a new referral."""
    return _versioned_action(services.accept, referral_id, _("The referral was accepted."))


@bp.post("/operator/referrals/<uuid:referral_id>/start")
@roles_required(Role.OPERATOR)
def start(referral_id: uuid.UUID):
    """Report that the person started."""
    return _versioned_action(services.start, referral_id, _("The course is recorded as started."))


@bp.post("/operator/referrals/<uuid:referral_id>/attendance")
@roles_required(Role.OPERATOR)
def attendance(referral_id: uuid.UUID):
    """Record attendance (totals so far); errors are shown beside the fields, nothing is saved."""
    item = services.get_referral(current_user, referral_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        done = _submit(
            lambda: services.record_attendance(
                current_user,
                referral_id,
                sessions=form.sessions.data,
                hours=form.hours.data,
                attended_from=form.attended_from.data,
                attended_until=form.attended_until.data,
                expected_version=_version(),
            ),
            form=form,
            success=_("The attendance was recorded."),
            back=url_for("operators.referral", referral_id=referral_id),
        )
        if done is not None:
            return done
    item = services.get_referral(current_user, referral_id)
    return _operator_page(item, attendance=form)


@bp.post("/operator/referrals/<uuid:referral_id>/complete")
@roles_required(Role.OPERATOR)
def complete(referral_id: uuid.UUID):
    """Confirm completion with the result."""
    item = services.get_referral(current_user, referral_id)
    _kind, options = services.result_options(item)
    form = CompleteForm(options)
    if form.validate_on_submit():
        done = _submit(
            lambda: services.complete(
                current_user,
                referral_id,
                result=form.result.data or None,
                course_format=form.course_format.data or None,
                expected_version=_version(),
            ),
            form=form,
            success=_("Completion confirmed: the reception office is informed."),
            back=url_for("operators.referral", referral_id=referral_id),
        )
        if done is not None:
            return done
    item = services.get_referral(current_user, referral_id)
    return _operator_page(item, completion=form)


def _confirm_with_reason(referral_id, action: str, *, back: str, done: str, act):
    item = services.get_referral(current_user, referral_id)
    if action not in referrals.actions_from(item.state, "operator" if current_user.role == Role.OPERATOR else "agent"):
        flash(_("This referral is %(state)s: this is no longer possible.", state=STATE_LABELS[item.state]))
        return redirect(url_for(back, referral_id=referral_id))
    form = ReasonForm(action)
    if request.method == "GET":
        form.version.data = item.version
    if form.validate_on_submit():
        response = _submit(
            lambda: act(item, form.reason.data, _version()),
            form=form,
            success=done,
            back=url_for(back, referral_id=referral_id),
        )
        if response is not None:
            return response
    return render_template(
        "operators/confirm.html", referral=item, form=form, action=action, back=back, labels=template_labels()
    )


@bp.route("/operator/referrals/<uuid:referral_id>/decline", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def decline(referral_id: uuid.UUID):
    """Confirmation page with the reason, then decline."""
    return _confirm_with_reason(
        referral_id,
        "decline",
        back="operators.referral",
        done=_("The referral was declined: the reception office is informed."),
        act=lambda item, reason, version: services.decline(current_user, item.id, reason, expected_version=version),
    )


@bp.route("/operator/referrals/<uuid:referral_id>/abandon", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def abandon(referral_id: uuid.UUID):
    """Confirmation page with the reason, then report the abandonment."""
    return _confirm_with_reason(
        referral_id,
        "abandon",
        back="operators.referral",
        done=_("The abandonment was reported: the reception office is informed."),
        act=lambda item, reason, version: services.abandon(current_user, item.id, reason, expected_version=version),
    )


# ---------------------------------------------------------------------------------------------
# Agents


@bp.get("/directory")
@roles_required(Role.AGENT, Role.OPERATOR, Role.ADMIN)
def directory():
    """Who does what where: partner organisations filtered by service, municipality, language, format.

    Partners see it too: it names organisations and their services, never a person."""
    form = DirectoryFilterForm(request.args)
    valid = form.validate()
    filters = {}
    if valid:
        filters = {
            "name": form.name.data or None,
            "service_type": form.service_type.data or None,
            "municipality": form.municipality.data or None,
            "language": form.language.data or None,
            "course_format": form.course_format.data or None,
        }
    page = services.search_directory(**filters, page=request.args.get("page", 1))
    query = {k: v for k, v in filters.items() if v}
    return render_template("operators/directory.html", form=form, page=page, query=query, labels=template_labels())


def _case_for_agent(case_id: uuid.UUID) -> Case:
    return pathway.get_case(current_user, case_id)


@bp.route("/cases/<uuid:case_id>/steps/<step_code>/refer", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def refer(case_id: uuid.UUID, step_code: str):
    """Refer a step to an operator chosen among suggestions ranked for this person."""
    case = _case_for_agent(case_id)
    try:
        step = case.step(step_code)
    except KeyError:
        abort(404)
    require(bool(services.step_service_types(case, step_code)))
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(current_user, "referral.suggest", [newcomer.id]):
        municipality, language = newcomer.municipality_code, newcomer.preferred_language
    suggestions = services.suggest_operators(case, step_code, municipality=municipality, language=language)
    form = ReferForm()
    form.operator_id.choices = choices((s.entry.organisation.id, s.entry.organisation.name) for s in suggestions)
    if request.method == "GET":
        form.version.data = case.version
        if suggestions:
            form.operator_id.data = suggestions[0].entry.organisation.id
    if form.validate_on_submit():
        sent = []

        def send() -> None:
            sent.append(
                services.refer(
                    current_user,
                    case,
                    step_code,
                    form.operator_id.data,
                    deadline=form.deadline.data,
                    expected_version=_version(),
                )
            )

        if perform(send, form=form):
            flash(_("Referral %(reference)s sent.", reference=sent[0].reference), "success")
            return redirect(url_for("workspace.case", case_id=case.id, _anchor=f"step-{step_code}"))
    definition = pathway.definition_of(case)
    step_def = definition.step(step_code)
    return render_template(
        "operators/refer.html",
        case=case,
        step=step,
        civic=_civic_notes(case, definition.step(step_code), suggestions),
        step_label=definition.step(step_code).label(current_language()),
        referable=step.state in referrals.REFERABLE_STATES and case.status == "in_progress",
        # what must come first: said before the agent chooses, instead of a refusal after
        waiting=[(d.code, d.label(current_language())) for d in pathway.waiting_for(case, step_def, definition)],
        suggestions=suggestions,
        form=form,
        labels=template_labels(),
    )


def _civic_notes(case, step_def, suggestions) -> dict:
    """For a step done as AOC or FIC: which format fits the person's last positioning level, and a
    warning beside each operator that offers only the format that does not fit (never a refusal)."""
    options = set((step_def.result or {}).get("options", ()))
    if not options & set(pathway.CIVIC_FORMAT_LABELS):
        return {"hint": None, "warnings": {}}
    fitting = pathway.fitting_civic_format(pathway.last_positioning_level(case))
    warnings = {}
    for suggestion in suggestions:
        profile = suggestion.entry.profile
        offered = [f for f in (profile.formats if profile else ()) if f in pathway.CIVIC_FORMAT_LABELS]
        if fitting and offered and fitting not in offered:
            warnings[suggestion.entry.organisation.id] = pathway.civic_format_warning(case, offered[0])
    return {"hint": pathway.civic_format_hint(case), "warnings": warnings}


@bp.get("/referrals/<uuid:referral_id>")
@roles_required(Role.AGENT)
def agent_referral(referral_id: uuid.UUID):
    """A referral of the agent's office: what the operator reported and its history."""
    item = services.get_referral(current_user, referral_id)
    progress = services.referral_progress([item]).get(item.id)
    return render_template(
        "operators/agent_referral.html",
        referral=item,
        person_name=services.person_names(current_user, [item.person_id]).get(item.person_id, "—"),
        progress=progress,
        hours_text=hours_text(progress) if progress else None,
        step_label=services.step_label(item),
        can_withdraw="withdraw" in referrals.actions_from(item.state, "agent"),
        labels=template_labels(),
    )


@bp.route("/referrals/<uuid:referral_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def withdraw(referral_id: uuid.UUID):
    """Confirmation page with the reason, then withdraw the referral."""
    return _confirm_with_reason(
        referral_id,
        "withdraw",
        back="operators.agent_referral",
        done=_("The referral was withdrawn: the step can be referred again."),
        act=lambda item, reason, version: services.withdraw(current_user, item.id, reason, expected_version=version),
    )


@bp.get("/operator-updates")
@roles_required(Role.AGENT)
def updates():
    """Every referral of the office with operator news, newest first, one entry per referral:
    the unseen ones ("new", what the dashboard badge counts) or all of them."""
    view = request.args.get("show", "new")
    if view not in services.UPDATE_VIEWS:
        view = "new"
    counts = services.update_counts(current_user)
    page = services.updates_page(current_user, view=view, page=request.args.get("page", 1), counts=counts)
    return render_template(
        "operators/updates.html",
        view=view,
        page=page,
        update_counts=counts,
        seen_form=VersionForm(formdata=None) if counts["new"] else None,
        referral_labels=template_labels(),
    )


@bp.post("/operator-updates/seen")
@roles_required(Role.AGENT)
def updates_seen():
    """Mark the operator updates as seen; back to the dashboard, or to the updates page."""
    if not VersionForm().validate_on_submit():
        abort(400)
    perform(lambda: services.mark_updates_seen(current_user))
    if request.form.get("back") == "updates":
        return redirect(url_for("operators.updates", show="all"))
    return redirect(url_for("accounts.index"))
