"""Forms of the agent's casework on a case: editing the person's file, the needs analysis."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from integration_centre.pathway.forms import NewcomerForm
from integration_centre.workspace.forms import MultiCheckboxField


class FileEditForm(NewcomerForm):
    """Every field of the file, the version read and, once the new assessment was shown, the
    confirmation of the eligibility change."""

    confirm_duplicate = None  # not a registration
    version = HiddenField()
    confirmation = HiddenField(default="")
    reason = TextAreaField(
        _l("Why the file changes"),
        description=_l("Optional. Stored encrypted on the case's timeline."),
        validators=[Optional(), Length(max=2000)],
    )


class NeedsForm(FlaskForm):
    """Which of the definition's needs apply to the person, and why."""

    needs = MultiCheckboxField(_l("Compulsory for this person"), validators=[Optional()])
    reasons = TextAreaField(
        _l("Reasons"),
        description=_l("What the social assessment and the positioning test showed. Stored encrypted."),
        validators=[DataRequired(_l("Give the reasons of the needs analysis.")), Length(max=4000)],
    )
    version = HiddenField()
