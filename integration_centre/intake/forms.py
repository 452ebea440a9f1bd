"""Forms of the import pages (shapes only; the rules are in ``intake.uploads``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from integration_centre.intake.fields import FIELDS, LABELS


class UploadForm(FlaskForm):
    """Choose a list (CSV or XLSX) and, optionally, a saved mapping of the office."""

    file = FileField(
        _l("List to import"),
        description=_l(
            "A CSV (UTF-8 or Windows-1252, separated by ; , or tabs) or an XLSX file; the first line names the columns."
        ),
    )
    preset = SelectField(
        _l("Saved mapping"),
        coerce=str,
        validators=[Optional()],
        description=_l("Optional: the columns of this commune's lists, as saved last time."),
    )


class PresetForm(FlaskForm):
    """Apply a saved mapping to the columns."""

    preset = SelectField(_l("Saved mapping"), coerce=str, validators=[Optional()])


class ActionForm(FlaskForm):
    """A button (confirm, abandon): its CSRF token only."""


def field_choices() -> list[SelectChoice]:
    """The fields a column may feed, "" first (ignored)."""
    return [SelectChoice("", _l("— ignore this column —"))] + [SelectChoice(code, LABELS[code]) for code in FIELDS]


def columns_form(headers: list[str], formdata=None):
    """A form with one select per column (``column_0``…) and the name to save the mapping as."""

    class ColumnsForm(FlaskForm):
        save_as = StringField(
            _l("Save this mapping as"),
            description=_l("Optional: a name (e.g. “Liste de la commune de Namur”) to use it again for the next list."),
            validators=[Optional(), Length(max=80, message=_l("80 characters at most."))],
        )

    for index, header in enumerate(headers):
        label = header or _l("Column %(number)s", number=index + 1)
        setattr(
            ColumnsForm,
            f"column_{index}",
            SelectField(label, coerce=str, choices=field_choices(), validators=[Optional()]),
        )
    form = ColumnsForm() if formdata is None else ColumnsForm(formdata=formdata)
    form.column_fields = [getattr(form, f"column_{i}") for i in range(len(headers))]
    return form
