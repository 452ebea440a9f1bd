"""Forms of the login flow and of the user's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from integration_centre.accounts import passwords

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples

    def SelectChoice(value: str, label) -> tuple:  # stands in for the class
        """A (value, label) choice for WTForms versions without ``SelectChoice``."""
        return (value, label)


from integration_centre.accounts.models import Role

ROLE_LABELS = {
    Role.AGENT: _l("Reception agent"),
    Role.OPERATOR: _l("Operator"),
    Role.COMMITTEE: _l("Coordination committee"),
    Role.ADMIN: _l("Administrator"),
}


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()


class SecondFactorForm(FlaskForm):
    """A TOTP code or a recovery code."""

    code = StringField(
        _l("Security code"),
        description=_l("The 6 digits shown by your authenticator app, or one of your recovery codes."),
        validators=[DataRequired(_l("Enter the security code.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class TotpEnrolmentForm(FlaskForm):
    """Confirm TOTP enrolment with a first code."""

    code = StringField(
        _l("Code from your app"),
        validators=[
            DataRequired(_l("Enter the 6-digit code shown by your app.")),
            Regexp(r"^\s*\d{6}\s*$", message=_l("The code has 6 digits.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


def _policy(form, field) -> None:
    problems = passwords.password_problems(field.data or "")
    if "too_short" in problems:
        raise ValidationError(_l("The password must have at least 12 characters."))
    if "too_common" in problems:
        raise ValidationError(_l("This password is too common. Choose another one."))


class ChangePasswordForm(FlaskForm):
    """The user's own password change."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A sentence of several words is easy to remember."),
        validators=[DataRequired(_l("Enter a new password.")), _policy],
    )
    confirm_password = PasswordField(
        _l("Confirm the new password"),
        validators=[
            DataRequired(_l("Type the new password again.")),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )


class ReauthenticateForm(FlaskForm):
    """Password re-entry before a sensitive action."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""


def _optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Created before the role fields so that forms list them (and the error summary) in page order.
_DISPLAY_NAME = StringField(
    _l("Full name"),
    validators=[DataRequired(_l("Enter the full name.")), Length(max=200, message=_l("At most 200 characters."))],
)
_EMAIL = EmailField(
    _l("E-mail address"),
    validators=[
        DataRequired(_l("Enter the e-mail address.")),
        Length(max=254, message=_l("At most 254 characters.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address like name@example.be.")),
    ],
)


class _AttachmentMixin:
    """Role and attachment fields shared by the create and edit forms; choices set by the view."""

    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        invalid_choice_message=_l("Choose a role."),
    )
    office_id = SelectField(
        _l("Reception office"),
        description=_l("Required for reception agents."),
        coerce=_optional_int,
        invalid_choice_message=_l("Choose an item from the list."),
    )
    operator_id = SelectField(
        _l("Operator organisation"),
        description=_l("Required for operators."),
        coerce=_optional_int,
        invalid_choice_message=_l("Choose an item from the list."),
    )
    centre_id = SelectField(
        _l("Centre"),
        description=_l(
            "For administrators and committee members. Agents and operators belong to the "
            "centre of their office or organisation."
        ),
        coerce=_optional_int,
        invalid_choice_message=_l("Choose an item from the list."),
    )

    def set_choices(self, offices, operators, centres) -> None:
        """Fill the select lists (an empty first choice means "none")."""
        none = [SelectChoice("", _l("— none —"))]
        self.office_id.choices = none + [SelectChoice(str(o.id), f"{o.name} ({o.centre.code})") for o in offices]
        self.operator_id.choices = none + [SelectChoice(str(o.id), o.name) for o in operators]
        self.centre_id.choices = none + [SelectChoice(str(c.id), f"{c.name} ({c.code})") for c in centres]

    def validate_office_id(self, field) -> None:
        if self.role.data == Role.AGENT.value and field.data is None:
            raise ValidationError(_l("Choose the reception office of this agent."))

    def validate_operator_id(self, field) -> None:
        if self.role.data == Role.OPERATOR.value and field.data is None:
            raise ValidationError(_l("Choose the organisation of this operator."))


class UserCreateForm(_AttachmentMixin, FlaskForm):
    """An admin creates a user with a temporary password."""

    display_name = _DISPLAY_NAME
    email = _EMAIL
    password = PasswordField(
        _l("Temporary password"),
        description=_l(
            "At least 12 characters. Give it to the person in a safe way: "
            "they must choose their own password at first login."
        ),
        validators=[DataRequired(_l("Enter a temporary password.")), _policy],
    )


class UserRoleForm(_AttachmentMixin, FlaskForm):
    """An admin changes a user's role and attachment."""


class ResetPasswordForm(FlaskForm):
    """An admin sets a temporary password for a user."""

    new_password = PasswordField(
        _l("Temporary password"),
        description=_l("At least 12 characters. The person must choose a new password at next login."),
        validators=[DataRequired(_l("Enter a temporary password.")), _policy],
    )
    confirm_password = PasswordField(
        _l("Confirm the temporary password"),
        validators=[
            DataRequired(_l("Type the temporary password again.")),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )


class DisableTotpForm(FlaskForm):
    """The user turns off their own two-step login (password asked)."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class CentreMfaForm(FlaskForm):
    """Whether two-step login is compulsory for a centre."""

    mfa_required = RadioField(
        _l("Two-step login for this centre's users"),
        choices=[SelectChoice("yes", _l("Compulsory")), SelectChoice("no", _l("Optional"))],
        invalid_choice_message=_l("Choose compulsory or optional."),
    )


class SetupPasswordForm(FlaskForm):
    """An administrator created from the command line chooses a password on the setup link."""

    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A sentence of several words is easy to remember."),
        validators=[DataRequired(_l("Enter a new password.")), _policy],
    )
    confirm_password = PasswordField(
        _l("Confirm the new password"),
        validators=[
            DataRequired(_l("Type the new password again.")),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )
