"""Named column mappings (presets), one set per office: "Liste de la commune de Namur" says which
column of that commune's lists feeds which field, and what to assume for fields it never has."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.intake import values
from integration_centre.intake.errors import ImportRefused
from integration_centre.intake.fields import FIELDS, normalise_header
from integration_centre.intake.models import ImportMapping

DEFAULTABLE = ("residence_category", "nationality", "municipality_code", "preferred_language", "interpreter_language")


def get_mapping(office: Office, name: str) -> ImportMapping:
    """The preset ``name`` of ``office``; refused when there is none."""
    found = db.session.scalar(select(ImportMapping).where(ImportMapping.office_id == office.id,
                                                          ImportMapping.name == name.strip()))  # fmt: skip
    if found is None:
        raise ImportRefused(_("This office has no import mapping with that name."), "mapping")
    return found


def list_mappings(office: Office) -> list[ImportMapping]:
    """The office's presets, by name."""
    return list(
        db.session.scalars(
            select(ImportMapping).where(ImportMapping.office_id == office.id).order_by(ImportMapping.name)
        )
    )


def save_mapping(
    actor: User, office: Office, name: str, columns: dict[str, str], defaults: dict[str, str] | None = None
) -> ImportMapping:
    """Create or replace the preset ``name`` (flushed, not committed).

    ``columns`` maps headers to field codes ("" to ignore a column); ``defaults`` gives values for
    a few fields a source never carries (residence status, nationality, municipality, languages),
    checked like a cell.
    """
    require(actor.role == Role.AGENT and can_see_office(actor, office.id))
    name = " ".join((name or "").split())
    if not 0 < len(name) <= 80:
        raise ImportRefused(_("Give the mapping a name (80 characters at most)."), "mapping")
    cleaned_columns = {}
    for header, field in columns.items():
        if field and field not in FIELDS:
            raise ImportRefused(_("Unknown field in the mapping: %(field)s.", field=field[:40]), "mapping")
        if normalise_header(header):
            cleaned_columns[normalise_header(header)] = field or ""
    cleaned_defaults = {}
    for field, value in (defaults or {}).items():
        if field not in DEFAULTABLE:
            raise ImportRefused(_("This field cannot have a default value: %(field)s.", field=field[:40]), "mapping")
        try:
            cleaned_defaults[field] = values.PARSERS[field](value)
        except values.CellProblem as problem:
            raise ImportRefused(str(values.MESSAGES[problem.code]), "mapping") from None
    preset = db.session.scalar(select(ImportMapping).where(ImportMapping.office_id == office.id,
                                                           ImportMapping.name == name))  # fmt: skip
    if preset is None:
        preset = ImportMapping(office_id=office.id, name=name, created_by_id=actor.id)
        db.session.add(preset)
    preset.columns = cleaned_columns
    preset.defaults = cleaned_defaults
    db.session.flush()
    return preset
