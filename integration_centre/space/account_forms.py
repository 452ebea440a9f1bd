"""The forms of the person's optional account (set it up, the second factor, log in)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class AccountForm(FlaskForm):
    """An e-mail address and a new password (typed twice)."""

    email = EmailField(
        _l("Your e-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("A new password"),
        description=_l("At least 12 characters."),
        validators=[DataRequired(_l("Enter a password."))],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )


class CodeForm(FlaskForm):
    """The 6-digit code of the authenticator app."""

    code = StringField(
        _l("The code in your app"),
        description=_l("6 digits."),
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
    )


class EmptyForm(FlaskForm):
    """A button alone (turn the code off, remove the account)."""


class LoginForm(FlaskForm):
    """Log in to the space with the account."""

    email = EmailField(_l("Your e-mail address"), validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])
    code = StringField(
        _l("The code in your app"),
        description=_l("Only if you turned the code on."),
        validators=[Optional(), Length(max=12)],
    )
