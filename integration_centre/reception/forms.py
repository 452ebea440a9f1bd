"""Forms of the reception module (shapes only; the rules live in the reception services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from integration_centre.i18n import current_language
from integration_centre.pathway import reference
from integration_centre.pathway.definitions import CEFR_LEVELS
from integration_centre.reception.common import MAX_DETAIL, MAX_NOTES, MAX_TITLE
from integration_centre.reception.labels import (
    DOMAIN_LABELS,
    NEED_LABELS,
    RECIPIENTS,
    REVOCATION_REASONS,
    SESSION_FORMATS,
    SESSION_THEMES,
    TASK_KINDS,
)
from integration_centre.reception.models import ASSESSMENT_DOMAINS, NEED_LEVELS

DATE_MESSAGE = _l("Enter a date as day, month and year.")
TOO_LONG = _l("This text is too long.")


class LocalDateField(DateField):
    """A date field whose parse error is the app's translated message."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(DATE_MESSAGE)) from exc


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(labels: dict, empty: bool = True) -> list[tuple[str, str]]:
    """(code, translated label) pairs, with an empty first choice unless ``empty`` is False."""
    pairs = [(code, str(label)) for code, label in labels.items()]
    return [("", "—"), *pairs] if empty else pairs


def add_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show service errors beside their fields (unknown names go to the form's summary)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            form.form_errors.append(message)
        elif not field.errors:
            field.errors = [message]


class AssessmentForm(FlaskForm):
    """The social assessment: a level and a detail per domain, free notes."""

    assessed_on = LocalDateField(_l("Date of the assessment"), validators=[DataRequired(DATE_MESSAGE)])
    notes = TextAreaField(_l("Free notes"), validators=[Optional(), Length(max=MAX_NOTES, message=TOO_LONG)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for domain in ASSESSMENT_DOMAINS:
            self[f"{domain}_level"].choices = _choices(NEED_LABELS, empty=False)

    def domain_fields(self):
        """(domain, label, level field, detail field) for each domain, in order."""
        return [
            (domain, DOMAIN_LABELS[domain], self[f"{domain}_level"], self[f"{domain}_detail"])
            for domain in ASSESSMENT_DOMAINS
        ]

    def to_data(self) -> dict:
        """The values as ``services.record_assessment`` expects them."""
        data = {
            domain: {"level": self[f"{domain}_level"].data, "detail": self[f"{domain}_detail"].data or ""}
            for domain in ASSESSMENT_DOMAINS
        }
        data["notes"] = self.notes.data or ""
        data["assessed_on"] = self.assessed_on.data
        return data

    def fill(self, values: dict) -> None:
        """Pre-fill from a decrypted assessment."""
        for domain in ASSESSMENT_DOMAINS:
            value = values.get(domain) or {}
            self[f"{domain}_level"].data = value.get("level", "none")
            self[f"{domain}_detail"].data = value.get("detail", "")
        self.notes.data = values.get("notes") or ""
        self.assessed_on.data = values.get("assessed_on")


for _domain in ASSESSMENT_DOMAINS:
    setattr(
        AssessmentForm,
        f"{_domain}_level",
        SelectField(
            _l("Need"),
            default="none",
            validate_choice=False,
            validators=[Optional(), AnyOf(NEED_LEVELS, message=_l("Choose a level from the list."))],
        ),
    )
    setattr(
        AssessmentForm,
        f"{_domain}_detail",
        TextAreaField(_l("Details"), validators=[Optional(), Length(max=MAX_DETAIL, message=TOO_LONG)]),
    )


class SessionForm(FlaskForm):
    """A rights-and-duties information session."""

    held_on = LocalDateField(_l("Date of the session"), validators=[DataRequired(DATE_MESSAGE)])
    format = RadioField(
        _l("Format"),
        validate_choice=False,
        validators=[
            InputRequired(_l("Choose individual or group.")),
            AnyOf(tuple(SESSION_FORMATS), message=_l("Choose individual or group.")),
        ],
    )
    themes = CheckboxesField(
        _l("Themes covered"),
        validate_choice=False,
        validators=[DataRequired(_l("Choose at least one theme."))],
    )
    language = SelectField(
        _l("Language of the session"),
        validators=[DataRequired(_l("Choose the language of the session."))],
        validate_choice=False,
    )
    interpreter = BooleanField(_l("With an interpreter"))
    hours = StringField(
        _l("Duration (hours)"),
        description=_l("For example 3 or 2.5."),
        validators=[DataRequired(_l("Enter the duration in hours."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [("", "—"), *reference.language_choices(current_language())]
        self.format.choices = _choices(SESSION_FORMATS, empty=False)
        self.themes.choices = _choices(SESSION_THEMES, empty=False)


class PositioningTestForm(FlaskForm):
    """The French positioning test result."""

    tested_on = LocalDateField(_l("Date of the test"), validators=[DataRequired(DATE_MESSAGE)])
    level = SelectField(
        _l("CEFR level"),
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose a CEFR level from the list.")),
            AnyOf(CEFR_LEVELS, message=_l("Choose a CEFR level from the list.")),
        ],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_DETAIL, message=TOO_LONG)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [("", "—"), *[(level, level.replace("_", " ")) for level in CEFR_LEVELS]]


class TaskForm(FlaskForm):
    """A help-with-procedures task."""

    kind = SelectField(
        _l("Procedure"),
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose a kind of procedure from the list.")),
            AnyOf(tuple(TASK_KINDS), message=_l("Choose a kind of procedure from the list.")),
        ],
    )
    title = StringField(
        _l("Description"),
        description=_l("Optional, except for another procedure."),
        validators=[Optional(), Length(max=MAX_TITLE, message=TOO_LONG)],
    )
    due_on = LocalDateField(_l("Due date"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(TASK_KINDS)


class ConfirmForm(FlaskForm):
    """A confirmation (CSRF-protected POST)."""


class SignForm(FlaskForm):
    """The date the agreement was signed."""

    signed_on = LocalDateField(_l("Date of signature"), validators=[DataRequired(DATE_MESSAGE)])


class EffortForm(FlaskForm):
    """The declaration of effort (Flanders): what the person did, and an explicit confirmation."""

    note = TextAreaField(
        _l("What efforts the person made"), validators=[Optional(), Length(max=MAX_DETAIL, message=TOO_LONG)]
    )
    confirm = BooleanField(
        _l("I declare that the person made sufficient efforts: the certificate will say so"),
        validators=[DataRequired(_l("Tick the box to confirm the declaration."))],
    )


class RevokeForm(FlaskForm):
    """Revoke a certificate: reason, note and an explicit confirmation."""

    reason = SelectField(
        _l("Reason"),
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose why the certificate is revoked.")),
            AnyOf(tuple(REVOCATION_REASONS), message=_l("Choose why the certificate is revoked.")),
        ],
    )
    note = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=MAX_DETAIL, message=TOO_LONG)])
    confirm = BooleanField(
        _l("I understand that the certificate will show as revoked to anyone who checks it"),
        validators=[DataRequired(_l("Tick the box to confirm the revocation."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = _choices(REVOCATION_REASONS)


class NotificationForm(FlaskForm):
    """Queue a notification to a third party."""

    recipient = SelectField(
        _l("Recipient"),
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose the municipality or the CPAS.")),
            AnyOf(tuple(RECIPIENTS), message=_l("Choose the municipality or the CPAS.")),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recipient.choices = _choices(RECIPIENTS)
