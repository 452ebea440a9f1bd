"""The agenda's pages: the office's (or an agent's) day and week, booking, an appointment,
group sessions and their seats, the agent's calendar feed. Thin: the rules are in ``services``.

No name is shown: the agenda lists file numbers, so the office's day can be on screen at the
reception desk without opening anyone's file (the case page is one click away).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from integration_centre import clock
from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import roles_required
from integration_centre.agenda import interpreters, letters, presentation, services
from integration_centre.agenda.convocation import convocation
from integration_centre.agenda.forms import (
    AttendanceForm,
    BookForm,
    CancelForm,
    ConfirmForm,
    InterpreterAnswerForm,
    MoveForm,
    RoomForm,
    SeatForm,
    SessionForm,
    SettingsForm,
    time_choices,
)
from integration_centre.agenda.labels import (
    CANCEL_REASON_LABELS,
    INTERPRETER_STATUS_LABELS,
    KIND_LABELS,
    LETTER_LANGUAGE_LABELS,
    STATUS_LABELS,
)
from integration_centre.agenda.models import ACTIVE_STATUSES, INDIVIDUAL_KINDS, Appointment, GroupSession
from integration_centre.core.navigation import add_item as add_nav_item
from integration_centre.core.requests import perform
from integration_centre.extensions import limiter
from integration_centre.i18n import current_language
from integration_centre.pathway import reference

bp = Blueprint("agenda", __name__, url_prefix="/agenda")
BLUEPRINTS = (bp,)
FEED_LIMIT = "60/minute"


def register_navigation() -> None:
    """The agenda in the agent's navigation."""
    add_nav_item("agenda.office", _l("Agenda"), [Role.AGENT], order=8)


@bp.app_template_global()
def agenda_labels() -> dict:
    """The agenda's labels for the templates."""
    return {
        "kind": KIND_LABELS,
        "status": STATUS_LABELS,
        "reason": CANCEL_REASON_LABELS,
        "interpreter": INTERPRETER_STATUS_LABELS,
        "letter_language": LETTER_LANGUAGE_LABELS,
        "language": lambda code: reference.language_name(code, current_language()),
    }


@bp.app_template_filter("file_number")
def file_number_filter(person_id) -> str:
    """The short file number of a person id."""
    return services.file_number(person_id)


@bp.app_template_filter("local_time")
def local_time(instant: datetime) -> str:
    """ "HH:MM" in the centre's zone."""
    return instant.astimezone(clock.zone()).strftime("%H:%M")


@bp.app_template_filter("local_day")
def local_day(instant: datetime) -> str:
    """The ISO date in the centre's zone (the agenda's day of an instant)."""
    return clock.local_date(instant).isoformat()


def _to_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _day_argument() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return clock.today()


@bp.get("")
@roles_required(Role.AGENT)
def office():
    """The office's agenda for a day or a week, for every agent or one."""
    day = _day_argument()
    span = "week" if request.args.get("span") == "week" else "day"
    first = day - timedelta(days=day.weekday()) if span == "week" else day
    days = [first + timedelta(days=n) for n in range(7 if span == "week" else 1)]
    agents = services.office_agents(current_user.office_id)
    agent_id = _to_int(request.args.get("agent"))
    if agent_id not in {agent.id for agent in agents}:
        agent_id = None
    since, _end = services.day_bounds(days[0])
    _start, until = services.day_bounds(days[-1])
    items = services.agenda_between(current_user.office_id, since, until, agent_id)
    by_day = {d: [] for d in days}
    for item in items:
        by_day.setdefault(clock.local_date(item.starts_at), []).append(item)
    step = timedelta(days=7 if span == "week" else 1)
    return render_template(
        "agenda/office.html",
        by_day=by_day,
        interpreter_requests=interpreters.requests_of(item.id for item in items if isinstance(item, Appointment)),
        pending_interpreters=interpreters.pending_for_office(current_user.office_id, since, until),
        day=day,
        span=span,
        agents=agents,
        agent_names={agent.id: agent.display_name for agent in agents},
        agent_id=agent_id,
        previous=first - step,
        following=first + step,
    )


def _when(form, slot_minutes: int) -> None:
    """Fill the agent, time and room choices of a booking form."""
    form.agent.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(agent.id), agent.display_name) for agent in services.office_agents(current_user.office_id)
    ]
    form.start.choices = [SelectChoice("", "—"), *time_choices(slot_minutes)]
    form.room.choices = [SelectChoice("", _("No room"))] + [
        SelectChoice(str(room.id), room.name) for room in services.office_rooms(current_user.office_id)
    ]
    if request.method == "GET" and form.agent.data is None:
        form.agent.data = str(current_user.id)


def _starts_at(form) -> datetime:
    hours, minutes = (int(part) for part in form.start.data.split(":"))
    return datetime.combine(form.day.data, time(hours, minutes), tzinfo=clock.zone())


def _set_languages(*fields) -> None:
    for field in fields:
        field.set_locale(current_language())


@bp.route("/book", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def book():
    """Book an individual appointment."""
    settings = services.settings_of(current_user.office_id)
    form = BookForm()
    _when(form, settings.slot_minutes)
    _set_languages(form.interpreter_language)
    if request.method == "GET":  # the announced list's link: the person (and the kind) preselected
        form.person.data = (request.args.get("person") or "")[:40] or None
        if request.args.get("kind") in INDIVIDUAL_KINDS:
            form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        person = services.find_person(current_user, form.person.data)
        if person is None:
            form.person.errors = [_("No file with this number in your office.")]
        else:
            booked = []

            def act() -> None:
                booked.append(
                    services.book(
                        current_user,
                        kind=form.kind.data,
                        person_id=person.id,
                        agent_id=_to_int(form.agent.data),
                        starts_at=_starts_at(form),
                        minutes=form.minutes.data,
                        room_id=_to_int(form.room.data),
                        case_id=services.active_case_id(current_user, person),
                        interpreter_required=form.interpreter_required.data,
                        interpreter_language=form.interpreter_language.data or None,
                    )
                )

            if perform(act, success=_("The appointment was booked."), form=form):
                return redirect(url_for("agenda.appointment", appointment_id=booked[0].id))
    return render_template("agenda/book.html", form=form)


def _appointment_page(appointment: Appointment, **forms):
    forms.setdefault("attendance_form", AttendanceForm())
    forms.setdefault("open_case_form", ConfirmForm())
    forms["can_open_case"] = presentation.can_open_case(current_user, appointment)
    forms.setdefault("cancel_form", CancelForm())
    if "move_form" not in forms:
        forms["move_form"] = move_form = MoveForm(formdata=None)
        _when(move_form, services.settings_of(appointment.office_id).slot_minutes)
        local = appointment.starts_at.astimezone(clock.zone())
        move_form.agent.data = str(appointment.agent_id)
        move_form.room.data = str(appointment.room_id or "")
        move_form.day.data = local.date()
        move_form.start.data = local.strftime("%H:%M")
    forms.setdefault("interpreter_form", InterpreterAnswerForm(formdata=None))
    return render_template(
        "agenda/appointment.html",
        appointment=appointment,
        interpreter_request=interpreters.request_of(appointment),
        letter_languages=letters.languages(),
        active=appointment.status in ACTIVE_STATUSES,
        started=appointment.starts_at <= clock.utcnow(),
        **forms,
    )


@bp.get("/appointments/<uuid:appointment_id>")
@roles_required(Role.AGENT)
def appointment(appointment_id: uuid.UUID):
    """One appointment: when, who, where; attendance and cancellation."""
    return _appointment_page(services.get_appointment(current_user, appointment_id))


@bp.post("/appointments/<uuid:appointment_id>/attendance")
@roles_required(Role.AGENT)
def attendance(appointment_id: uuid.UUID):
    """Record whether the person came."""
    item = services.get_appointment(current_user, appointment_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        came = form.outcome.data == "attended"
        if perform(lambda: services.record_attendance(current_user, item, came), success=_("Attendance recorded.")):
            return redirect(url_for("agenda.appointment", appointment_id=item.id))
    return _appointment_page(item, attendance_form=form)


@bp.post("/appointments/<uuid:appointment_id>/open-case")
@roles_required(Role.AGENT)
def open_case(appointment_id: uuid.UUID):
    """Open the person's case from the reception appointment they came to (one action)."""
    item = services.get_appointment(current_user, appointment_id)
    form = ConfirmForm()
    opened = []
    if form.validate_on_submit() and perform(
        lambda: opened.append(presentation.open_case_from_appointment(current_user, item)),
        success=_("The case was opened."),
    ):
        return redirect(url_for("workspace.case", case_id=opened[0].id))
    return _appointment_page(item, open_case_form=form), 400


@bp.post("/appointments/<uuid:appointment_id>/cancel")
@roles_required(Role.AGENT)
def cancel(appointment_id: uuid.UUID):
    """Cancel an appointment (or a seat in a group session)."""
    item = services.get_appointment(current_user, appointment_id)
    form = CancelForm()
    if form.validate_on_submit():
        done = perform(
            lambda: services.cancel(current_user, item, form.reason.data),
            success=_("The appointment was cancelled."),
            form=form,
        )
        if done:
            return redirect(url_for("agenda.appointment", appointment_id=item.id))
    return _appointment_page(item, cancel_form=form)


@bp.post("/appointments/<uuid:appointment_id>/interpreter")
@roles_required(Role.AGENT)
def interpreter_answer(appointment_id: uuid.UUID):
    """Record the social-interpreting service's answer to the appointment's request."""
    item = services.get_appointment(current_user, appointment_id)
    form = InterpreterAnswerForm()
    if form.validate_on_submit():
        done = perform(
            lambda: interpreters.record_answer(current_user, item, form.answer.data == "confirmed"),
            success=_("The interpreting service's answer was recorded."),
            form=form,
        )
        if done:
            return redirect(url_for("agenda.appointment", appointment_id=item.id))
    return _appointment_page(item, interpreter_form=form)


@bp.get("/appointments/<uuid:appointment_id>/convocation.pdf")
@roles_required(Role.AGENT)
def convocation_pdf(appointment_id: uuid.UUID):
    """The convocation letter (PDF): in the language asked (``?lang=``), else the person's
    (when a letter exists in it), else French. An audited read of the person's file."""
    item = services.get_appointment(current_user, appointment_id)
    language = request.args.get("lang") or None
    if language is not None and language not in letters.languages():
        abort(404)
    pdf, language = convocation(current_user, item, language)
    name = f"convocation-{services.file_number(item.person_id)}-{language}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.post("/appointments/<uuid:appointment_id>/move")
@roles_required(Role.AGENT)
def move(appointment_id: uuid.UUID):
    """Move an appointment to another time (agent, room)."""
    item = services.get_appointment(current_user, appointment_id)
    form = MoveForm()
    _when(form, services.settings_of(item.office_id).slot_minutes)
    if form.validate_on_submit():

        def act() -> None:
            services.move(
                current_user,
                item,
                starts_at=_starts_at(form),
                minutes=form.minutes.data,
                agent_id=_to_int(form.agent.data),
                room_id=_to_int(form.room.data),
            )

        if perform(act, success=_("The appointment was moved."), form=form):
            return redirect(url_for("agenda.appointment", appointment_id=item.id))
    return _appointment_page(item, move_form=form)


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def new_session():
    """Schedule a group session on rights and duties."""
    settings = services.settings_of(current_user.office_id)
    form = SessionForm()
    _when(form, settings.slot_minutes)
    _set_languages(form.language)
    if form.validate_on_submit():
        created = []

        def act() -> None:
            created.append(
                services.schedule_session(
                    current_user,
                    agent_id=_to_int(form.agent.data),
                    starts_at=_starts_at(form),
                    capacity=form.capacity.data,
                    minutes=form.minutes.data,
                    room_id=_to_int(form.room.data),
                    language=form.language.data or None,
                )
            )

        if perform(act, success=_("The group session was scheduled."), form=form):
            return redirect(url_for("agenda.session", session_id=created[0].id))
    return render_template("agenda/session_new.html", form=form)


def _session_page(item: GroupSession, **forms):
    forms.setdefault("seat_form", SeatForm())
    forms.setdefault("cancel_form", CancelForm())
    _set_languages(forms["seat_form"].interpreter_language)
    return render_template(
        "agenda/session.html",
        session=item,
        seats=services.session_seats(item),
        active=item.status in ACTIVE_STATUSES,
        **forms,
    )


@bp.get("/sessions/<uuid:session_id>")
@roles_required(Role.AGENT)
def session(session_id: uuid.UUID):
    """A group session: when, where, its seats; book a seat, cancel the session."""
    return _session_page(services.get_session(current_user, session_id))


@bp.post("/sessions/<uuid:session_id>/seats")
@roles_required(Role.AGENT)
def book_seat(session_id: uuid.UUID):
    """Book a person's seat in the session."""
    item = services.get_session(current_user, session_id)
    form = SeatForm()
    _set_languages(form.interpreter_language)
    if form.validate_on_submit():
        person = services.find_person(current_user, form.person.data)
        if person is None:
            form.person.errors = [_("No file with this number in your office.")]
        else:

            def act() -> None:
                services.book_seat(
                    current_user,
                    item,
                    person_id=person.id,
                    case_id=services.active_case_id(current_user, person),
                    interpreter_required=form.interpreter_required.data,
                    interpreter_language=form.interpreter_language.data or None,
                )

            if perform(act, success=_("The seat was booked."), form=form):
                return redirect(url_for("agenda.session", session_id=item.id))
    return _session_page(item, seat_form=form)


@bp.post("/sessions/<uuid:session_id>/cancel")
@roles_required(Role.AGENT)
def cancel_session(session_id: uuid.UUID):
    """Cancel the session and its seats."""
    item = services.get_session(current_user, session_id)
    form = CancelForm()
    if form.validate_on_submit():
        done = perform(
            lambda: services.cancel_session(current_user, item, form.reason.data),
            success=_("The group session was cancelled."),
            form=form,
        )
        if done:
            return redirect(url_for("agenda.session", session_id=item.id))
    return _session_page(item, cancel_form=form)


def _settings_page(**forms):
    settings = services.settings_of(current_user.office_id)
    if "settings_form" not in forms:
        forms["settings_form"] = SettingsForm(formdata=None)
        forms["settings_form"].slot_minutes.data = str(settings.slot_minutes)
        forms["settings_form"].no_show_threshold.data = settings.no_show_threshold
        forms["settings_form"].address_ar.data = (settings.letter_addresses or {}).get("ar", "")
    forms["settings_form"].slot_minutes.choices = [
        SelectChoice(str(minutes), str(minutes)) for minutes in services.SLOT_CHOICES
    ]
    forms.setdefault("room_form", RoomForm(formdata=None))
    return render_template(
        "agenda/settings.html",
        rooms=services.office_rooms(current_user.office_id),
        remove_form=ConfirmForm(formdata=None),
        **forms,
    )


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def settings():
    """The office's slot length, no-show threshold and rooms."""
    form = SettingsForm()
    form.slot_minutes.choices = [SelectChoice(str(minutes), str(minutes)) for minutes in services.SLOT_CHOICES]
    if form.validate_on_submit():
        done = perform(
            lambda: services.set_settings(
                current_user,
                slot_minutes=_to_int(form.slot_minutes.data),
                no_show_threshold=form.no_show_threshold.data,
                letter_addresses={"ar": form.address_ar.data or ""},
            ),
            success=_("The agenda's settings were saved."),
            form=form,
        )
        if done:
            return redirect(url_for("agenda.settings"))
    if request.method == "POST":
        return _settings_page(settings_form=form)
    return _settings_page()


@bp.post("/rooms")
@roles_required(Role.AGENT)
def add_room():
    """Add a room to the office."""
    form = RoomForm()
    added = _("The room was added.")
    if form.validate_on_submit() and perform(
        lambda: services.add_room(current_user, form.name.data), success=added, form=form
    ):
        return redirect(url_for("agenda.settings"))
    return _settings_page(room_form=form)


@bp.post("/rooms/<int:room_id>/remove")
@roles_required(Role.AGENT)
def remove_room(room_id: int):
    """Take a room out of the office's choices."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: services.remove_room(current_user, room_id), success=_("The room was removed from the choices."))
    return redirect(url_for("agenda.settings"))


@bp.route("/feed", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def feed_page():
    """The agent's private calendar address: create or replace it (shown once), or remove it."""
    form = ConfirmForm()
    address = None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            perform(lambda: services.revoke_feed(current_user), success=_("The calendar address was removed."))
            return redirect(url_for("agenda.feed_page"))
        tokens = []
        if perform(lambda: tokens.append(services.rotate_feed(current_user))):
            address = url_for("agenda.feed", token=tokens[0], _external=True)
    return render_template("agenda/feed.html", form=form, address=address, has_feed=services.has_feed(current_user))


@bp.get("/feed/<token>.ics")
@limiter.limit(FEED_LIMIT)
def feed(token: str):
    """The agent's calendar (public: the secret address is the key); 404 for any unknown token."""
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    response = Response(services.calendar(owner), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response
