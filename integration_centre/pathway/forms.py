"""Forms for registering a newcomer and opening a case (the rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional

from integration_centre.i18n import current_language
from integration_centre.pathway import reference
from integration_centre.pathway.labels import EDUCATION_LABELS, ENTRY_CHANNELS, PURPOSES, RESIDENCE_LABELS, SEX_LABELS
from integration_centre.pathway.registration import NewcomerData

DATE_MESSAGE = _l("Enter a date as day, month and year.")


class NewcomerForm(FlaskForm):
    """Every field of a newcomer's file; choices are filled in the user's language."""

    family_name = StringField(_l("Family name(s)"), validators=[DataRequired(_l("Enter the family name."))])
    given_names = StringField(_l("Given names"), validators=[DataRequired(_l("Enter the given names."))])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired(DATE_MESSAGE)])
    sex = SelectField(_l("Sex"), validators=[DataRequired(_l("Choose the sex."))])
    nationality = SelectField(
        _l("Nationality"), validators=[DataRequired(_l("Choose a nationality from the list."))], validate_choice=False
    )
    niss = StringField(
        _l("National register number (NISS)"),
        description=_l("Optional. 11 digits, as on the residence card; bis numbers are accepted."),
        validators=[Optional()],
    )
    address = TextAreaField(_l("Address"), validators=[Optional()])
    municipality_code = SelectField(_l("Municipality"), validators=[Optional()], validate_choice=False)
    phone = StringField(_l("Phone"), validators=[Optional()])
    email = StringField(_l("E-mail address"), validators=[Optional()])
    languages = SelectMultipleField(_l("Languages spoken"), validators=[Optional()], validate_choice=False)
    preferred_language = SelectField(_l("Preferred language"), validators=[Optional()], validate_choice=False)
    interpreter_needed = BooleanField(_l("An interpreter is needed"))
    interpreter_language = SelectField(_l("Interpreter's language"), validators=[Optional()], validate_choice=False)
    residence_category = SelectField(
        _l("Residence status"), validators=[DataRequired(_l("Choose the residence status."))]
    )
    permit_order_date = DateField(
        _l("Date the residence permit was ordered"),
        description=_l("It starts the clock of the pathway and decides which rules apply."),
        validators=[Optional()],
    )
    permit_validity_months = IntegerField(
        _l("Validity of the permit (months)"),
        description=_l("Leave empty for a permit of more than three months ordered by the municipality."),
        validators=[Optional()],
    )
    registration_date = DateField(_l("Date of registration at the municipality"), validators=[Optional()])
    education_level = SelectField(_l("Education level"), validators=[Optional()])
    confirm_duplicate = HiddenField(default="")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        locale = current_language()
        empty = [("", "—")]
        self.sex.choices = empty + [(k, str(v)) for k, v in SEX_LABELS.items()]
        self.nationality.choices = [*empty, ("XX", str(_l("Stateless"))), *reference.nationality_choices(locale)]
        self.municipality_code.choices = empty + reference.municipality_choices(locale=locale)
        languages = reference.language_choices(locale)
        self.languages.choices = languages
        self.preferred_language.choices = empty + languages
        self.interpreter_language.choices = empty + languages
        self.residence_category.choices = empty + [(k, str(v)) for k, v in RESIDENCE_LABELS.items()]
        self.education_level.choices = empty + [(k, str(v)) for k, v in EDUCATION_LABELS.items()]

    def to_data(self) -> NewcomerData:
        """The typed values as the registration service expects them."""
        return NewcomerData(
            family_name=self.family_name.data or "",
            given_names=self.given_names.data or "",
            date_of_birth=self.date_of_birth.data,
            sex=self.sex.data or "",
            nationality=self.nationality.data or "",
            residence_category=self.residence_category.data or "",
            permit_order_date=self.permit_order_date.data,
            registration_date=self.registration_date.data,
            permit_validity_months=self.permit_validity_months.data,
            niss=(self.niss.data or "").strip() or None,
            address=(self.address.data or "").strip() or None,
            municipality_code=self.municipality_code.data or None,
            phone=(self.phone.data or "").strip() or None,
            email=(self.email.data or "").strip() or None,
            languages=list(self.languages.data or []),
            preferred_language=self.preferred_language.data or None,
            interpreter_language=(self.interpreter_language.data or None) if self.interpreter_needed.data else None,
            education_level=self.education_level.data or None,
        )

    def add_errors(self, errors: dict[str, str]) -> None:
        """Show service errors beside their fields (a field already in error keeps its message)."""
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            elif not field.errors:
                field.errors = [message]


class OpenCaseForm(FlaskForm):
    """Confirm opening a case (voluntary participation may be chosen)."""

    voluntary = BooleanField(_l("The person joins voluntarily"))
    # Checked by the service (``pathway.case_profile.check_profile``) with a clear message.
    entry_channel = SelectField(_l("Entry service"), validators=[Optional()], validate_choice=False)
    purpose = SelectField(_l("Purpose of the pathway"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        profile_choices(self)


class CaseProfileForm(FlaskForm):
    """Correct the entry service and the purpose of a case (codes of ``pathway.labels``)."""

    entry_channel = SelectField(_l("Entry service"), validators=[Optional()], validate_choice=False)
    purpose = SelectField(_l("Purpose of the pathway"), validators=[Optional()], validate_choice=False)
    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        profile_choices(self)


def profile_choices(form) -> None:
    """Fill the entry-service and purpose choices in the user's language (empty: not known)."""
    empty = [("", str(_l("Not known")))]
    form.entry_channel.choices = empty + [(k, str(v)) for k, v in ENTRY_CHANNELS.items()]
    form.purpose.choices = empty + [(k, str(v)) for k, v in PURPOSES.items()]
