"""Forms of the agent's workspace (shapes only; the rules are in the service modules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

DATE_MESSAGE = _l("Enter a date as day, month and year.")


class CalculatorForm(FlaskForm):
    """Permit-order date (and registration date) → deadlines under each rule version."""

    permit_order_date = DateField(
        _l("Date the residence permit was ordered"),
        description=_l("The completion deadline runs from this date."),
        validators=[DataRequired(DATE_MESSAGE)],
    )
    registration_date = DateField(
        _l("Date of registration at the municipality"),
        description=_l("Optional. The report-by date runs from this date."),
        validators=[Optional()],
    )


class SearchForm(FlaskForm):
    """Find a person by NISS, or by family name and date of birth (sent by POST, never in the URL)."""

    family_name = StringField(_l("Family name"), validators=[Optional()])
    given_names = StringField(
        _l("Given names"), description=_l("Optional: narrows the search."), validators=[Optional()]
    )
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    niss = StringField(
        _l("National register number (NISS)"),
        description=_l("Or search by the 11-digit number alone."),
        validators=[Optional()],
    )
    page = HiddenField(default="1")


class ExtensionForm(FlaskForm):
    """Extend the completion deadline."""

    ground = SelectField(_l("Ground"), validators=[DataRequired(_l("Choose a ground for the extension."))])
    months = IntegerField(
        _l("Extension (months)"),
        description=_l("1 to 24 months, added to the current deadline."),
        validators=[
            InputRequired(_l("An extension is 1 to 24 months.")),
            NumberRange(1, 24, _l("An extension is 1 to 24 months.")),
        ],
    )
    note = TextAreaField(_l("Note"), description=_l("Optional. Stored encrypted."), validators=[Optional()])
    document = FileField(
        _l("Evidence document"),
        description=_l("A PDF, JPEG or PNG file, stored encrypted. Required when the ground needs evidence."),
    )


class DispensationForm(FlaskForm):
    """Record a dispensation: legal reason, dates, evidence, note."""

    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Choose a reason."))])
    start_date = DateField(_l("Start date"), validators=[DataRequired(DATE_MESSAGE)])
    end_date = DateField(_l("End date"), description=_l("Optional."), validators=[Optional()])
    document = FileField(
        _l("Evidence document"),
        description=_l("A PDF, JPEG or PNG file, stored encrypted. Required when the reason needs evidence."),
    )
    note = TextAreaField(_l("Note"), description=_l("Optional. Stored encrypted."), validators=[Optional()])
    version = HiddenField()


class RevokeDispensationForm(FlaskForm):
    """Confirm the revocation of a dispensation, with its reason."""

    note = TextAreaField(
        _l("Why is the dispensation revoked?"),
        description=_l("Stored encrypted."),
        validators=[DataRequired(_l("Say why the dispensation is revoked."))],
    )
    version = HiddenField()


class EvaluationForm(FlaskForm):
    """Record an evaluation interview."""

    held_on = DateField(_l("Date of the interview"), validators=[DataRequired(DATE_MESSAGE)])
    notes = TextAreaField(
        _l("Notes"), description=_l("What was reviewed and agreed. Stored encrypted."), validators=[Optional()]
    )


class NoticeForm(FlaskForm):
    """Record the non-compliance notice sent to the person."""

    sent_on = DateField(_l("Date the notice was sent"), validators=[DataRequired(DATE_MESSAGE)])
    grace_days = IntegerField(
        _l("Grace period (days)"),
        default=30,
        validators=[
            InputRequired(_l("The grace period is 8 to 90 days.")),
            NumberRange(8, 90, _l("The grace period is 8 to 90 days.")),
        ],
    )
    note = TextAreaField(_l("Note"), description=_l("Optional. Stored encrypted."), validators=[Optional()])


class ReferralForm(FlaskForm):
    """Refer the case to the regional administration after the grace period."""

    referred_on = DateField(_l("Date of the referral"), validators=[DataRequired(DATE_MESSAGE)])


class ComplianceForm(FlaskForm):
    """Confirm that the person complied during the grace period."""


class OutcomeForm(FlaskForm):
    """The administration's decision on a referred case."""

    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Choose the outcome."))])
    outcome_on = DateField(_l("Date of the decision"), validators=[DataRequired(DATE_MESSAGE)])


class CaseActionForm(FlaskForm):
    """Start, suspend, resume, close or complete the case."""

    action = HiddenField(validators=[DataRequired()])
    reason = SelectField(_l("Reason"), validators=[Optional()], validate_choice=False)
    version = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (evidence received)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepActionForm(FlaskForm):
    """One move of one step, with the values it records."""

    action = RadioField(_l("What happens"), validators=[DataRequired(_l("Choose what happens to the step."))])
    planned_on = DateField(_l("Planned date"), description=_l("Needed to plan the step."), validators=[Optional()])
    hours = StringField(
        _l("Hours attended (total)"), description=_l("A number, like 12 or 12.5."), validators=[Optional()]
    )
    result = SelectField(_l("Result"), validators=[Optional()], validate_choice=False)
    reason = SelectField(_l("Reason"), validators=[Optional()], validate_choice=False)
    evidence = MultiCheckboxField(_l("Evidence received"), validators=[Optional()], validate_choice=False)
    note = TextAreaField(_l("Note"), description=_l("Optional. Stored encrypted."), validators=[Optional()])
    version = HiddenField()
