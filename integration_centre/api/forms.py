"""Admin forms: create an API token, confirm a revocation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from integration_centre.accounts.forms import SelectChoice
from integration_centre.api.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, SCOPES


class _CheckboxesField(SelectMultipleField):
    """Several choices shown as check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TokenCreateForm(FlaskForm):
    """Which account the token acts as, its name, scopes and lifetime."""

    user_id = SelectField(
        _l("Account"),
        description=_l("The token acts as this operator or agent account, with its access rules."),
        coerce=int,
        validators=[
            InputRequired(_l("Choose the account.")),
            NumberRange(min=1, message=_l("Choose the account.")),
        ],
    )
    name = StringField(
        _l("Name"),
        description=_l("Which integration uses it, e.g. 'Municipal registry of Namur'."),
        validators=[DataRequired(_l("Enter a name.")), Length(max=100, message=_l("At most 100 characters."))],
    )
    scopes = _CheckboxesField(
        _l("Scopes"),
        description=_l("Give only what the integration needs."),
        choices=[SelectChoice(code, code) for code in SCOPES],
        validators=[DataRequired(_l("Choose at least one scope."))],
    )
    lifetime_days = IntegerField(
        _l("Valid for (days)"),
        default=DEFAULT_LIFETIME_DAYS,
        validators=[
            InputRequired(_l("Enter the number of days.")),
            NumberRange(
                min=1,
                max=MAX_LIFETIME_DAYS,
                message=_l("Enter a number of days between 1 and %(max)s.", max=MAX_LIFETIME_DAYS),
            ),
        ],
    )


class RevokeForm(FlaskForm):
    """An empty form: the revocation button, protected by CSRF."""
