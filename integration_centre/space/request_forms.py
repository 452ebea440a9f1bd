"""Forms of the person's requests (shapes only; the rules are in ``space.requests``) and of the
office's review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from integration_centre.space.request_labels import (
    DECLINE_REASON_LABELS,
    MOVE_REASON_LABELS,
    RIGHTS_KIND_LABELS,
)
from integration_centre.space.requests import ADDRESS_MAX, DETAILS_MAX, PREFERRED_MAX


class ConfirmForm(FlaskForm):
    """A button (the CSRF token only)."""


class MoveRequestForm(FlaskForm):
    """The person asks to move an appointment."""

    reason = RadioField(
        _l("Why do you need another time?"),
        choices=[SelectChoice(code, label) for code, label in MOVE_REASON_LABELS.items()],
        validators=[DataRequired(_l("Choose a reason."))],
    )
    preferred = TextAreaField(
        _l("Which days and times are good for you? (you can leave this empty)"),
        description=_l("For example: Monday or Tuesday morning."),
        validators=[Optional(), Length(max=PREFERRED_MAX, message=_l("Write less text, please."))],
    )


class ContactChangeForm(FlaskForm):
    """The person tells the office a new address, phone or e-mail."""

    address = StringField(
        _l("New address"),
        description=_l("Street, number, postal code and town."),
        validators=[Optional(), Length(max=ADDRESS_MAX, message=_l("Write less text, please."))],
    )
    phone = StringField(
        _l("New phone number"), validators=[Optional(), Length(max=40, message=_l("Write less text, please."))]
    )
    email = StringField(
        _l("New e-mail address"), validators=[Optional(), Length(max=200, message=_l("Write less text, please."))]
    )


class RightsRequestForm(FlaskForm):
    """The person files a data-protection request."""

    kind = RadioField(
        _l("What do you want?"),
        choices=[SelectChoice(code, label) for code, label in RIGHTS_KIND_LABELS.items()],
        validators=[DataRequired(_l("Choose what you want."))],
    )
    details = TextAreaField(
        _l("Explain (you can leave this empty for a copy)"),
        description=_l("If something is wrong: what is wrong, and what is right?"),
        validators=[Optional(), Length(max=DETAILS_MAX, message=_l("Write less text, please."))],
    )


# --- the office's review ------------------------------------------------------------------------


class DeclineForm(FlaskForm):
    """Decline a request with a reason the person reads."""

    reason = SelectField(
        _l("Reason told to the person"), coerce=str, validators=[DataRequired(_l("Choose a reason from the list."))]
    )

    def set_reasons(self, codes) -> None:
        self.reason.choices = [SelectChoice("", "—")] + [SelectChoice(c, DECLINE_REASON_LABELS[c]) for c in codes]


class ApplyForm(FlaskForm):
    """Apply a contact change to the file (the version of the file the agent saw)."""

    version = HiddenField()
