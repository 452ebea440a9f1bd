"""Forms of the login flow and of the user's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from integration_centre.accounts import passwords


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
