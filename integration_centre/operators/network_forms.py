"""Forms of the network administration (centres, offices, organisations, services).

The fields parse; the rules (unique codes, territories, opening hours…) are checked by the
services, whose errors the views put beside the fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from integration_centre.accounts.network import DAYS
from integration_centre.i18n import current_language
from integration_centre.operators.directory import service_types
from integration_centre.operators.forms import LocalisedIntegerField, choices
from integration_centre.operators.labels import SERVICE_LABELS
from integration_centre.pathway import reference
from integration_centre.pathway.services import jurisdictions

SEVERAL = _l("Hold Ctrl (or Cmd) to choose several.")


def _territory_field(label, description=SEVERAL) -> SelectMultipleField:
    # Unknown codes are refused by the service with a clear message, not by the field.
    return SelectMultipleField(label, description=description, validate_choice=False)


# The regions whose pathway definitions a centre may run (labels; the choices are the
# jurisdictions with installed definitions, ``pathway.services.jurisdictions``).
JURISDICTION_LABELS = {"wallonia": _l("Wallonia"), "brussels": _l("Brussels"), "flanders": _l("Flanders")}


class CentreForm(FlaskForm):
    """A centre: code, name, address, territory, jurisdiction (the region whose rules it runs)."""

    name = StringField(_l("Name"))
    code = StringField(_l("Code"), description=_l("Short code in capitals, e.g. CAI."))
    address = StringField(_l("Address"), description=_l("Street and number, postcode and municipality."))
    territory = _territory_field(_l("Municipalities covered"))
    jurisdiction = SelectField(
        _l("Pathway rules of the region"),
        description=_l("The cases the centre opens follow this region's rules."),
        default="wallonia",
        validate_choice=False,  # the service refuses an unknown region with a clear message
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory.choices = choices(reference.municipality_choices(locale=current_language()))
        self.jurisdiction.choices = [(code, JURISDICTION_LABELS.get(code, code)) for code in jurisdictions()]


class OfficeForm(FlaskForm):
    """A reception office: name, address, territory within the centre's, opening hours."""

    name = StringField(_l("Name"))
    address = StringField(_l("Address"), description=_l("Street and number, postcode and municipality."))
    territory = _territory_field(_l("Municipalities served"), _l("Only municipalities of the centre's territory."))

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(centre.territory or []) if centre is not None else None
        pairs = reference.municipality_choices(locale=current_language())
        self.territory.choices = choices((c, label) for c, label in pairs if allowed is None or c in allowed)

    def hours(self) -> dict[str, list[tuple[str, str]]]:
        """The opening hours typed, day → [(opens, closes)]."""
        result = {}
        for day in DAYS:
            opens = (getattr(self, f"{day}_opens").data or "").strip()
            closes = (getattr(self, f"{day}_closes").data or "").strip()
            if opens or closes:
                result[day] = [(opens, closes)]
        return result

    def fill_hours(self, opening_hours: dict) -> None:
        """Show stored opening hours (the first interval of each day)."""
        for day, pairs in (opening_hours or {}).items():
            if day in DAYS and pairs:
                getattr(self, f"{day}_opens").data, getattr(self, f"{day}_closes").data = pairs[0]


# ``<day>_opens`` / ``<day>_closes`` (HH:MM) for each weekday, after the other fields.
for _day in DAYS:
    setattr(OfficeForm, f"{_day}_opens", StringField(_l("Opens at"), render_kw={"type": "time"}))
    setattr(OfficeForm, f"{_day}_closes", StringField(_l("Closes at"), render_kw={"type": "time"}))


class OrganisationForm(FlaskForm):
    """An operator organisation: name, centre, address, contact e-mail."""

    name = StringField(_l("Name"))
    centre_id = SelectField(_l("Centre"), validate_choice=False)
    address = StringField(_l("Address"), description=_l("Street and number, postcode and municipality."))
    contact_email = StringField(_l("Contact e-mail"), description=_l("Shown in the directory."))

    def set_centres(self, centres) -> None:
        """The centres to choose from."""
        self.centre_id.choices = choices([("", _l("Choose…")), *((str(c.id), f"{c.name} ({c.code})") for c in centres)])

    def centre(self) -> int | None:
        """The chosen centre id, or None (a value not offered, e.g. a number too big, is no choice)."""
        value = str(self.centre_id.data or "")
        offered = {str(c.value if hasattr(c, "value") else c[0]) for c in self.centre_id.choices or ()}
        return int(value) if value.isdigit() and value in offered else None


class ServiceForm(FlaskForm):
    """One service of an organisation."""

    service_type = SelectField(_l("Service"), validate_choice=False)
    places = LocalisedIntegerField(_l("Number of places"))  # empty: refused by the service
    languages = SelectMultipleField(_l("Languages"), description=SEVERAL, validate_choice=False)
    schedule = TextAreaField(
        _l("Schedule"), description=_l("For example: Monday and Thursday 18:00–21:00."), validators=[Optional()]
    )
    territory = _territory_field(_l("Municipalities served"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = current_language()
        self.service_type.choices = choices(
            [("", _l("Choose…")), *((code, SERVICE_LABELS.get(code, code)) for code in service_types())]
        )
        self.languages.choices = choices(reference.language_choices(locale))
        self.territory.choices = choices(reference.municipality_choices(locale=locale))
