"""Filter form of the audit log page (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Optional

FILE_NUMBER = re.compile(r"[0-9a-f]{6}[0-9a-f-]{0,30}")


class AuditFilterForm(FlaskForm):
    """Filters: user, file number, action, date range."""

    class Meta:
        csrf = False

    user = SelectField(_l("User"), choices=[], validators=[Optional()])
    person = StringField(
        _l("File number"),
        validators=[Optional()],
        description=_l("The first characters of the file number are enough (at least 6), for example 3f2b8c1d."),
    )
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])

    def validate_person(self, field) -> None:
        """A file number, or its first characters (at least 6 letters a–f and digits)."""
        if field.data and FILE_NUMBER.fullmatch(field.data.strip().lower()) is None:
            raise ValidationError(_l("Enter a file number, or at least its first 6 characters, for example 3f2b8c1d."))

    def validate_date_to(self, field) -> None:
        """The range must not be reversed."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must be on or after the start date."))
