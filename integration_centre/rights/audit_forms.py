"""Filter form of the audit log page (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Optional


class AuditFilterForm(FlaskForm):
    """Filters: user, person id, action, date range."""

    class Meta:
        csrf = False

    user = SelectField(_l("User"), choices=[], validators=[Optional()])
    person = StringField(
        _l("Person identifier"),
        validators=[Optional()],
        description=_l("The identifier of the newcomer file (a UUID), as shown in the file."),
    )
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])

    def validate_person(self, field) -> None:
        """A person identifier is a UUID."""
        if field.data:
            try:
                uuid.UUID(field.data.strip())
            except ValueError:
                raise ValidationError(_l("Enter a person identifier such as 0b8e…-… (a UUID).")) from None

    def validate_date_to(self, field) -> None:
        """The range must not be reversed."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must be on or after the start date."))
