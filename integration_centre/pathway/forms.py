"""Forms for registering a newcomer and opening a case (the rules live in the services)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
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
from wtforms.widgets import Select, html_params

from integration_centre.i18n import current_language
from integration_centre.pathway import languages as language_lists
from integration_centre.pathway import reference
from integration_centre.pathway.labels import EDUCATION_LABELS, ENTRY_CHANNELS, PURPOSES, RESIDENCE_LABELS, SEX_LABELS
from integration_centre.pathway.registration import NewcomerData

DATE_MESSAGE = _l("Enter a date as day, month and year.")


class LanguagePickerWidget:
    """Checkboxes in two groups: the frequent languages, then the others in a ``<details>``
    (open when one of them is ticked). Works without JavaScript; ``static/js/language-picker.js``
    adds a filter box (the container's ``data-language-picker``)."""

    def __call__(self, field, **kwargs) -> Markup:
        frequent, others = field.groups()
        chosen = set(field.data or ())
        field_id = kwargs.pop("id", field.id)
        kwargs.pop("class", None)
        described = kwargs.pop("aria-describedby", None)
        invalid = kwargs.pop("aria-invalid", None)

        def items(choices) -> Markup:
            lines = []
            for code, name in choices:
                params = {"type": "checkbox", "id": f"{field_id}-{code}", "name": field.name, "value": code}
                if code in chosen:
                    params["checked"] = True
                if described:
                    params["aria-describedby"] = described
                if invalid:
                    params["aria-invalid"] = invalid
                attributes = Markup(html_params(**params))  # noqa: S704  # nosec B704 - html_params escapes every value
                lines.append(
                    Markup(
                        '<li class="checkbox" data-language-name="{name}"><input {params}> '
                        '<label for="{id}">{name}</label></li>'
                    ).format(name=name, params=attributes, id=params["id"])
                )
            return Markup("").join(lines)

        others_ticked = bool(chosen & {code for code, _ in others})
        return Markup(
            '<div class="language-picker" id="{id}" data-language-picker data-filter-label="{filter_label}" '
            'data-filter-hint="{filter_hint}" data-none-label="{none_label}">'
            '<p class="language-picker-title" id="{id}-frequent">{frequent_title}</p>'
            '<ul class="language-picker-list" aria-labelledby="{id}-frequent">{frequent}</ul>'
            '<details class="language-picker-others"{open}><summary>{others_title}</summary>'
            '<ul class="language-picker-list">{others}</ul></details></div>'
        ).format(
            id=field_id,
            filter_label=_("Find a language"),
            filter_hint=_("Type a few letters of the language’s name."),
            none_label=_("No language matches."),
            frequent_title=_("Frequent languages"),
            frequent=items(frequent),
            open=Markup(" open") if others_ticked else "",
            others_title=_("Other languages (%(count)s)", count=len(others)),
            others=items(others),
        )


class LanguagesField(SelectMultipleField):
    """The languages a person speaks, chosen with ``LanguagePickerWidget`` (frequent first);
    reuse it wherever a person's languages are edited. Codes are checked by the service."""

    widget = LanguagePickerWidget()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.locale = "fr"

    def groups(self) -> tuple[list, list]:
        """(frequent, others) in the field's locale; a recorded code never offered is kept."""
        return language_lists.grouped_choices(self.locale, keep=tuple(self.data or ()))

    def set_locale(self, locale: str) -> None:
        """Name the languages in ``locale`` (the choices are the two groups together)."""
        self.locale = locale
        frequent, others = self.groups()
        self.choices = frequent + others


class _GroupedLanguageSelect(Select):
    """A ``<select>`` whose groups are computed when it is drawn (a recorded code stays offered)."""

    def __call__(self, field, **kwargs) -> Markup:
        field.refresh_choices()
        return super().__call__(field, **kwargs)


class LanguageField(SelectField):
    """One language (preferred, interpreter's): an empty choice, then the frequent languages and
    the others as two option groups."""

    widget = _GroupedLanguageSelect()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.locale = "fr"

    def set_locale(self, locale: str) -> None:
        """Name the languages in ``locale``."""
        self.locale = locale
        self.refresh_choices()

    def refresh_choices(self) -> None:
        """The groups in the field's locale, with the recorded value even when no longer offered."""
        frequent, others = language_lists.grouped_choices(self.locale, keep=(self.data,) if self.data else ())
        self.choices = {None: [("", "—")], _("Frequent languages"): frequent, _("Other languages"): others}


def mark_optional(form) -> None:
    """Add "(optional)" to the label of every field that may be left empty (validator ``Optional``),
    so that a label without it is a required field. Checkboxes are never marked."""
    for item in form:
        if item.type in ("BooleanField", "HiddenField", "CSRFTokenField"):
            continue
        if any(isinstance(validator, Optional) for validator in item.validators):
            item.label.text = _("%(label)s (optional)", label=item.label.text)


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
        description=_l("11 digits, as on the residence card; bis numbers are accepted."),
        validators=[Optional()],
    )
    address = TextAreaField(_l("Address"), validators=[Optional()])
    municipality_code = SelectField(_l("Municipality"), validators=[Optional()], validate_choice=False)
    phone = StringField(_l("Phone"), validators=[Optional()])
    email = StringField(_l("E-mail address"), validators=[Optional()])
    languages = LanguagesField(
        _l("Languages spoken"),
        description=_l("Tick every language the person speaks: the frequent ones come first."),
        validators=[Optional()],
    )
    preferred_language = LanguageField(_l("Preferred language"), validators=[Optional()])
    interpreter_needed = BooleanField(_l("An interpreter is needed"))
    interpreter_language = LanguageField(_l("Interpreter's language"), validators=[Optional()])
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
        self.languages.set_locale(locale)
        self.preferred_language.set_locale(locale)
        self.interpreter_language.set_locale(locale)
        self.residence_category.choices = empty + [(k, str(v)) for k, v in RESIDENCE_LABELS.items()]
        self.education_level.choices = empty + [(k, str(v)) for k, v in EDUCATION_LABELS.items()]
        mark_optional(self)

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
