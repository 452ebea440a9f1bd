"""Forms of the data-subject rights pages (all POST with CSRF, except the register's filters)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from integration_centre.rights.requests import KIND_LABELS, STATUS_LABELS

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples

    def SelectChoice(value, label) -> tuple:
        """A (value, label) choice for WTForms versions without ``SelectChoice``."""
        return (value, label)


# The largest value an INTEGER column holds (PostgreSQL): a bigger number never reaches the database.
MAX_INTEGER = 2**31 - 1


class WholeNumberField(IntegerField):
    """A whole number (hidden by default): not a number, out of ``NumberRange`` or too big for the
    database is the field's translated message, never a 500."""

    widget = HiddenInput()

    def __init__(self, label=None, validators=None, *, message=None, **kwargs) -> None:
        self.message = message
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.message or exc)) from exc


def choices(pairs) -> list:
    """``SelectChoice`` objects from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


DATE_MESSAGE = _l("Enter a date such as 31/03/2026.")
REASON_MESSAGE = _l("Give the reason for the extension (it is told to the person).")
ANSWER_MESSAGE = _l("Write the answer given to the person (for a refusal, the reason).")


class RequestFilterForm(FlaskForm):
    """Filters of the register (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("All")), ("open", _l("Open")), ("overdue", _l("Overdue")), *STATUS_LABELS.items()]),
        validators=[Optional()],
    )
    kind = SelectField(_l("Kind"), choices=choices([("", _l("All")), *KIND_LABELS.items()]), validators=[Optional()])
    sort = SelectField(
        _l("Sort by"),
        choices=choices(
            [("due_on", _l("Deadline")), ("received_on", _l("Date received")), ("reference", _l("Reference"))]
        ),
        validators=[Optional()],
    )


class FindPersonForm(FlaskForm):
    """Find the person by NISS, or by family name (and given names) and date of birth."""

    niss = StringField(
        _l("National register number (NISS)"),
        validators=[Optional(), Length(max=20)],
        description=_l("Either the number, or the family name and the date of birth."),
    )
    family_name = StringField(_l("Family name(s)"), validators=[Optional(), Length(max=200)])
    given_names = StringField(_l("Given names"), validators=[Optional(), Length(max=200)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()], description=DATE_MESSAGE)

    def validate(self, extra_validators=None) -> bool:
        """One of the two ways must be complete."""
        valid = super().validate(extra_validators)
        if valid and not (self.niss.data or "").strip() and not (self.family_name.data and self.date_of_birth.data):
            self.niss.errors = [*self.niss.errors, _l("Enter the NISS, or the family name and the date of birth.")]
            return False
        return valid


class RecordRequestForm(FlaskForm):
    """The request itself, for the person chosen."""

    person_id = RadioField(_l("Person"), choices=[], validators=[InputRequired(_l("Choose the person."))])
    kind = SelectField(_l("Kind of request"), choices=choices(KIND_LABELS.items()),
                       validators=[DataRequired(_l("Choose the kind of request."))])  # fmt: skip
    received_on = DateField(_l("Date received"), validators=[DataRequired(DATE_MESSAGE)], description=DATE_MESSAGE)
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What the person asks, how they were identified. Stored encrypted."),
    )


class ExtendForm(FlaskForm):
    """Extend the deadline (Art. 12(3))."""

    months = SelectField(_l("Extension"), choices=choices([("1", _l("One month")), ("2", _l("Two months"))]),
                         validators=[DataRequired()])  # fmt: skip
    reason = TextAreaField(
        _l("Reason for the extension"),
        validators=[DataRequired(REASON_MESSAGE), Length(max=2000)],
    )


class CloseForm(FlaskForm):
    """Close the request with the answer given."""

    status = RadioField(
        _l("Outcome"),
        choices=choices([("answered", _l("Answered")), ("refused", _l("Refused"))]),
        validators=[InputRequired(_l("Choose whether the request was answered or refused."))],
    )
    answer = TextAreaField(
        _l("Answer given to the person"),
        validators=[DataRequired(ANSWER_MESSAGE), Length(max=4000)],
    )


class ExportForm(FlaskForm):
    """Produce the access/portability export."""

    language = SelectField(
        _l("Language of the PDF"),
        choices=choices([("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]),
        validators=[DataRequired()],
    )


class RectifyForm(FlaskForm):
    """Rectify one field of the file."""

    field = SelectField(_l("Field"), choices=[], validators=[DataRequired(_l("Choose the field to rectify."))])
    value = StringField(
        _l("Correct value"),
        validators=[Optional(), Length(max=500)],
        description=_l("Dates as 2026-03-31; codes as in the file (e.g. country code MA, language code ar)."),
    )


class DownloadForm(FlaskForm):
    """The password typed again before the single download of an export."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])


class ConfirmForm(FlaskForm):
    """A confirmation button (restrict, lift, start)."""

    confirm = HiddenField(default="yes")


class NoticeForm(FlaskForm):
    """A new version of the privacy notice (French, English, Dutch required; German optional)."""

    fr_title = StringField(_l("Title (French)"), validators=[DataRequired(), Length(max=200)])
    fr_body = TextAreaField(_l("Text (French)"), validators=[DataRequired(), Length(max=20000)])
    en_title = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    en_body = TextAreaField(_l("Text (English)"), validators=[DataRequired(), Length(max=20000)])
    nl_title = StringField(_l("Title (Dutch)"), validators=[DataRequired(), Length(max=200)])
    nl_body = TextAreaField(_l("Text (Dutch)"), validators=[DataRequired(), Length(max=20000)])
    de_title = StringField(_l("Title (German, optional)"), validators=[Optional(), Length(max=200)])
    de_body = TextAreaField(_l("Text (German, optional)"), validators=[Optional(), Length(max=20000)])
    change_note = StringField(_l("What changed (optional)"), validators=[Optional(), Length(max=200)])


class NoticeGivenForm(FlaskForm):
    """The agent records that the notice was given to the person."""

    language = SelectField(_l("Language of the notice given"), choices=[], validators=[DataRequired()])
    given_on = DateField(_l("Date given"), validators=[DataRequired(DATE_MESSAGE)], description=DATE_MESSAGE)
    version = WholeNumberField(
        message=_l("Choose a published version of the notice."),
        validators=[
            InputRequired(_l("Choose a published version of the notice.")),
            NumberRange(min=1, max=MAX_INTEGER, message=_l("Choose a published version of the notice.")),
        ],
    )
