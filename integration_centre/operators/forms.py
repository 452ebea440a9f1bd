"""Forms of the directory, the referral and the operator portal (the rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from integration_centre.i18n import current_language
from integration_centre.operators.directory import service_types
from integration_centre.operators.labels import FORMAT_LABELS, REASONS, SERVICE_LABELS, result_label
from integration_centre.pathway import reference


def choices(pairs) -> list:
    """``SelectChoice`` objects from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


DATE_MESSAGE = _l("Enter a date as day, month and year.")
NUMBER_MESSAGE = _l("Enter a whole number.")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class LocalisedIntegerField(IntegerField):
    """An integer field whose parse error is translated."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] not in ("", None):
            try:
                self.data = int(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(NUMBER_MESSAGE) from exc
        else:
            self.data = None

    def pre_validate(self, form):
        """A value that is not a number gets its one message, not the range's too."""
        if self.process_errors:
            raise StopValidation()


class LocalisedDateField(DateField):
    """A date field whose parse error is translated."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            try:
                super().process_formdata(valuelist)
            except ValueError as exc:
                raise ValueError(DATE_MESSAGE) from exc
        else:
            self.data = None


def _service_choices():
    return choices((code, SERVICE_LABELS.get(code, code)) for code in service_types())


def _format_choices():
    return choices(FORMAT_LABELS.items())


class ProfileForm(FlaskForm):
    """The admin's form for an organisation's directory entry."""

    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    service_types = SelectMultipleField(
        _l("Services offered"), validators=[DataRequired(_l("Choose at least one service."))]
    )
    municipalities = SelectMultipleField(
        _l("Municipalities served"), description=_l("Hold Ctrl (or Cmd) to choose several.")
    )
    languages = SelectMultipleField(_l("Languages of instruction"))
    formats = SelectMultipleField(_l("Formats"))
    capacity = LocalisedIntegerField(
        _l("Capacity (places)"),
        validators=[
            InputRequired(_l("Enter the number of places.")),
            NumberRange(min=0, max=100000, message=_l("Enter a capacity between 0 and 100,000 places.")),
        ],
    )
    contact_email = StringField(
        _l("Contact e-mail"),
        validators=[Optional(), Length(max=254), Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address."))],
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=200)])
    accepts_referrals = BooleanField(_l("Accepts referrals"), default=True)
    notify_by_email = BooleanField(_l("Send an e-mail for each new referral (reference only, no personal data)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = current_language()
        self.service_types.choices = _service_choices()
        self.municipalities.choices = choices(reference.municipality_choices(locale=locale))
        self.languages.choices = choices(reference.language_choices(locale))
        self.formats.choices = _format_choices()

    def validate_website(self, field):
        """Only web addresses."""
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Enter an address starting with https://"))


class DirectoryFilterForm(FlaskForm):
    """Filters of the "who does what where" page (GET: nothing about persons)."""

    class Meta:
        csrf = False

    name = StringField(_l("Organisation name"), validators=[Optional(), Length(max=100)])
    service_type = SelectField(_l("Service"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    course_format = SelectField(_l("Format"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = current_language()
        anything = [SelectChoice("", _l("Any"))]
        self.service_type.choices = [*anything, *_service_choices()]
        self.municipality.choices = [*anything, *choices(reference.municipality_choices(locale=locale))]
        self.language.choices = [*anything, *choices(reference.language_choices(locale))]
        self.course_format.choices = [*anything, *_format_choices()]


class VersionForm(FlaskForm):
    """A button-only form carrying the version seen (accept, start)."""

    version = HiddenField()


class ReasonForm(FlaskForm):
    """Confirmation of a destructive move with its reason (decline, abandon, withdraw)."""

    version = HiddenField()
    reason = RadioField(_l("Reason"), validators=[InputRequired(_l("Choose a reason."))])

    def __init__(self, action: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = choices(REASONS[action].items())


class AttendanceForm(FlaskForm):
    """Attendance so far: totals and the first and last dates."""

    version = HiddenField()
    sessions = LocalisedIntegerField(
        _l("Sessions attended (total)"),
        validators=[
            InputRequired(_l("Enter the number of sessions.")),
            NumberRange(min=0, max=1000, message=_l("Enter a number of sessions between 0 and 1,000.")),
        ],
    )
    hours = StringField(
        _l("Hours attended (total)"),
        description=_l("For example 12 or 12.5"),
        validators=[InputRequired(_l("Enter the hours attended.")), Length(max=12)],
    )
    attended_from = LocalisedDateField(_l("First session"), validators=[Optional()])
    attended_until = LocalisedDateField(_l("Last session so far"), validators=[Optional()])


class CompleteForm(FlaskForm):
    """Confirmation of completion with the result the step expects."""

    version = HiddenField()
    result = SelectField(_l("Result"), validators=[Optional()])
    course_format = SelectField(_l("Format followed"), validators=[Optional()])

    def __init__(self, options: tuple[str, ...], *args, **kwargs):
        super().__init__(*args, **kwargs)
        results = choices((o, result_label(o)) for o in options)
        self.result.choices = [SelectChoice("", _l("Choose…")), *results]
        self.course_format.choices = [SelectChoice("", _l("Not specified")), *_format_choices()]


class ReferenceSearchForm(FlaskForm):
    """Find a referral by its reference (POST, as every search)."""

    reference = StringField(
        _l("Referral reference"),
        description=_l("For example R-2026-000123"),
        validators=[InputRequired(_l("Enter a referral reference.")), Length(max=16)],
    )


class ReferForm(FlaskForm):
    """Refer a step to an operator chosen among the suggestions."""

    version = HiddenField()
    operator_id = RadioField(_l("Operator"), coerce=int, validators=[InputRequired(_l("Choose the operator."))])
    deadline = LocalisedDateField(
        _l("Deadline"),
        description=_l("Leave empty to use the case's completion deadline."),
        validators=[Optional()],
    )
