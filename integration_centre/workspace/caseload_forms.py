"""Forms of the casework pages: transfer, responsible agent, bulk reassignment (shapes only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class TransferForm(FlaskForm):
    """Ask another office to take the case over."""

    office = SelectField(
        _l("Receiving office"), coerce=str, validators=[DataRequired(_l("Choose the office that takes the case over."))]
    )
    note = TextAreaField(
        _l("Note for the receiving office"),
        description=_l("Optional. Stored encrypted."),
        validators=[Optional(), Length(max=2000)],
    )
    version = HiddenField()


class RefuseTransferForm(FlaskForm):
    """Refuse an incoming transfer, with the reason."""

    reason = TextAreaField(
        _l("Why the transfer is refused"),
        description=_l("Stored encrypted; the sending office reads it on the case's timeline."),
        validators=[DataRequired(_l("Say why the transfer is refused.")), Length(max=2000)],
    )


class ConfirmForm(FlaskForm):
    """A confirmation button (the CSRF token only)."""


class AssignForm(FlaskForm):
    """Choose the responsible agent of one case."""

    agent = SelectField(_l("Responsible agent"), coerce=str, validators=[DataRequired(_l("Choose an agent."))])
    version = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReassignForm(FlaskForm):
    """Give some (or all) of an agent's cases to another agent; asks for confirmation first."""

    cases = MultiCheckboxField(_l("Cases to reassign"), coerce=str, validate_choice=False, validators=[Optional()])
    scope = SelectField(
        _l("Which cases"),
        choices=[
            SelectChoice("selected", _l("The cases ticked below")),
            SelectChoice("all", _l("All the active cases of this list")),
        ],
        validators=[DataRequired()],
    )
    agent = SelectField(_l("Give them to"), coerce=str, validators=[DataRequired(_l("Choose an agent."))])
    confirmed = HiddenField()
