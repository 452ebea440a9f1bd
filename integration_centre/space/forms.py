"""The space's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired


class BirthDateForm(FlaskForm):
    """The date of birth that opens a personal link."""

    birth_date = DateField(_l("Your date of birth"), validators=[DataRequired(_l("Enter your date of birth."))])
