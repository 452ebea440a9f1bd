"""Forms of the agenda's pages (shapes only; the rules are in ``agenda.booking``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from integration_centre.agenda.labels import CANCEL_REASON_LABELS, KIND_LABELS
from integration_centre.agenda.models import INDIVIDUAL_KINDS
from integration_centre.pathway.forms import LanguageField

DATE_MESSAGE = _l("Enter a date as day, month and year.")
FIRST_HOUR, LAST_HOUR = 7, 20  # the times offered, on the office's slot grid


def time_choices(slot_minutes: int) -> list[SelectChoice]:
    """The start times offered ("HH:MM"), every slot from 07:00 to 20:00."""
    times, minute = [], FIRST_HOUR * 60
    while minute < LAST_HOUR * 60:
        label = f"{minute // 60:02d}:{minute % 60:02d}"
        times.append(SelectChoice(label, label))
        minute += slot_minutes
    return times


class _When(FlaskForm):
    agent = SelectField(_l("Agent"), coerce=str, validators=[DataRequired(_l("Choose an agent of the office."))])
    day = DateField(_l("Date"), validators=[DataRequired(DATE_MESSAGE)])
    start = SelectField(_l("Time"), coerce=str, validators=[DataRequired(_l("Choose a time."))])
    minutes = IntegerField(
        _l("Length (minutes)"),
        description=_l("Optional: the usual length of this kind of appointment when left empty."),
        validators=[Optional(), NumberRange(1, 480, _l("An appointment lasts from one slot to 8 hours."))],
    )
    room = SelectField(_l("Room"), coerce=str, validators=[Optional()])


class BookForm(_When):
    """Book an individual appointment."""

    kind = SelectField(
        _l("Kind of appointment"),
        coerce=str,
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in INDIVIDUAL_KINDS],
        validators=[DataRequired(_l("Choose the kind of appointment."))],
    )
    person = StringField(
        _l("File number"),
        description=_l("The person's full file number, as shown on the file."),
        validators=[DataRequired(_l("Enter the file number.")), Length(max=40, message=_l("Enter the file number."))],
    )
    interpreter_required = BooleanField(_l("An interpreter is needed"))
    interpreter_language = LanguageField(
        _l("Interpreter's language"),
        description=_l("Optional: the language of the person's file when left empty."),
        validators=[Optional()],
    )


class SessionForm(_When):
    """Schedule a group session on rights and duties."""

    capacity = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(_l("The capacity is a number of seats from 1 to 200.")),
            NumberRange(1, 200, _l("The capacity is a number of seats from 1 to 200.")),
        ],
    )
    language = LanguageField(
        _l("Language of the session"), description=_l("Optional: French when left empty."), validators=[Optional()]
    )


class SeatForm(FlaskForm):
    """Book a person's seat in a group session."""

    person = StringField(
        _l("File number"),
        description=_l("The person's full file number, as shown on the file."),
        validators=[DataRequired(_l("Enter the file number.")), Length(max=40, message=_l("Enter the file number."))],
    )
    interpreter_required = BooleanField(_l("An interpreter is needed"))
    interpreter_language = LanguageField(
        _l("Interpreter's language"),
        description=_l("Optional: the language of the person's file when left empty."),
        validators=[Optional()],
    )


class CancelForm(FlaskForm):
    """Cancel an appointment, a seat or a group session."""

    reason = SelectField(
        _l("Reason"),
        coerce=str,
        choices=[SelectChoice(code, label) for code, label in CANCEL_REASON_LABELS.items()],
        validators=[DataRequired(_l("Choose a reason from the list."))],
    )


class AttendanceForm(FlaskForm):
    """Record whether the person came."""

    outcome = RadioField(
        _l("Did the person come?"),
        choices=[SelectChoice("attended", _l("Came")), SelectChoice("no_show", _l("Did not come"))],
        validators=[DataRequired(_l("Say whether the person came."))],
    )


class ConfirmForm(FlaskForm):
    """A confirmation button (the CSRF token only)."""


class MoveForm(_When):
    """Move an appointment to another time (agent, room)."""


class SettingsForm(FlaskForm):
    """The office's slot length and no-show threshold."""

    slot_minutes = SelectField(
        _l("Slot length (minutes)"), coerce=str, validators=[DataRequired(_l("Choose a slot length from the list."))]
    )
    no_show_threshold = IntegerField(
        _l("No-shows before the non-compliance procedure may open"),
        validators=[
            InputRequired(_l("The number of no-shows is 1 to 10.")),
            NumberRange(1, 10, _l("The number of no-shows is 1 to 10.")),
        ],
    )
    address_ar = StringField(
        _l("The office's address in Arabic script (convocation letters in Arabic)"),
        description=_l(
            "As on a printed leaflet; the street name may stay in Latin letters. Leave empty to use the address."
        ),
        validators=[Optional(), Length(max=300, message=_l("The address is at most %(max)d characters."))],
        render_kw={"dir": "rtl", "lang": "ar"},
    )


class RoomForm(FlaskForm):
    """Add a room."""

    name = StringField(
        _l("Room name"),
        validators=[
            DataRequired(_l("Enter the room's name (at most 100 characters).")),
            Length(max=100, message=_l("Enter the room's name (at most 100 characters).")),
        ],
    )


class InterpreterAnswerForm(FlaskForm):
    """The social-interpreting service's answer to a request."""

    answer = RadioField(
        _l("The interpreting service's answer"),
        choices=[SelectChoice("confirmed", _l("Interpreter confirmed")), SelectChoice("refused", _l("Refused"))],
        validators=[DataRequired(_l("Choose the service's answer."))],
    )
