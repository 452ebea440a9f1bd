"""The newcomer fields an import can fill, their column-header synonyms (French, Dutch, English),
and the detection of a file's columns.

Headers are compared normalised (accents, case, spaces and punctuation folded: "Date de
naissance", "DATE_NAISSANCE" and "date-de-naissance" are the same). A preset
(``ImportMapping.columns``) maps normalised headers to field codes and wins over detection.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# A pseudo-field: "NOM, Prénom" in one column, split into family and given names.
FULL_NAME = "full_name"

LABELS = {
    "family_name": _l("family name"),
    "given_names": _l("given names"),
    FULL_NAME: _l("full name (family name, given names)"),
    "date_of_birth": _l("date of birth"),
    "sex": _l("sex"),
    "nationality": _l("nationality"),
    "niss": _l("national register number"),
    "municipality_code": _l("municipality"),
    "address": _l("address"),
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "languages": _l("languages"),
    "preferred_language": _l("preferred language"),
    "interpreter_language": _l("interpreter language"),
    "residence_category": _l("residence status"),
    "permit_order_date": _l("date the residence permit was ordered"),
    "registration_date": _l("date of registration at the municipality"),
    "permit_validity_months": _l("permit validity (months)"),
    "education_level": _l("education level"),
}
FIELDS = tuple(LABELS)
REQUIRED = ("family_name", "given_names", "date_of_birth", "sex", "nationality")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "family_name": (
        "nom", "nom de famille", "nom famille", "nom de naissance", "naam", "familienaam", "achternaam",
        "family name", "surname", "last name", "lastname", "name family",
    ),
    "given_names": (
        "prenom", "prenoms", "prenom s", "voornaam", "voornamen", "given name", "given names", "first name",
        "firstname", "first names", "forename",
    ),
    FULL_NAME: ("nom et prenom", "nom prenom", "nom et prenoms", "naam en voornaam", "naam voornaam", "full name"),
    "date_of_birth": (
        "date de naissance", "date naissance", "ne le", "nee le", "ne e le", "naissance", "geboortedatum",
        "geboren op", "date of birth", "birth date", "birthdate", "dob",
    ),
    "sex": ("sexe", "genre", "geslacht", "sex", "gender"),
    "nationality": ("nationalite", "nationaliteit", "nationality", "nat", "pays de nationalite", "citizenship"),
    "niss": (
        "niss", "numero national", "n national", "no national", "numero de registre national",
        "registre national", "numero registre national", "nrn", "nn", "rrn", "rijksregisternummer",
        "rijksregister", "insz", "national number", "national register number", "national registry number",
    ),
    "municipality_code": (
        "commune", "code nis", "nis", "code ins", "ins", "nis code", "code commune", "commune de residence",
        "gemeente", "niscode", "gemeentecode", "municipality", "municipality code", "nis code commune",
    ),
    "address": ("adresse", "adres", "address", "domicile", "rue", "straat"),
    "phone": ("telephone", "tel", "gsm", "telefoon", "telefoonnummer", "phone", "mobile", "phone number"),
    "email": ("email", "e mail", "courriel", "adresse email", "adresse e mail", "mail", "e mailadres"),
    "languages": ("langues", "langue", "langues parlees", "talen", "taal", "gesproken talen", "languages"),
    "preferred_language": ("langue preferee", "voorkeurtaal", "preferred language"),
    "interpreter_language": (
        "langue interprete", "langue de l interprete", "interprete", "tolk", "taal tolk", "interpreter language",
        "interpreter",
    ),
    "residence_category": (
        "statut de sejour", "statut", "motif de sejour", "type de sejour", "verblijfsstatus", "verblijfsgrond",
        "residence status", "residence category", "status",
    ),
    "permit_order_date": (
        "date du titre de sejour", "date titre de sejour", "date de commande du titre", "date commande titre",
        "date de delivrance", "date titre", "datum verblijfskaart", "datum aanvraag verblijfskaart",
        "permit date", "permit order date", "residence permit date",
    ),
    "registration_date": (
        "date d inscription", "date inscription", "inscrit le", "datum inschrijving", "ingeschreven op",
        "registration date", "date of registration",
    ),
    "permit_validity_months": (
        "duree du titre", "duree du titre mois", "validite mois", "duree de validite", "geldigheid maanden",
        "permit validity", "permit validity months", "validity months",
    ),
    "education_level": ("niveau d etudes", "niveau etudes", "scolarite", "opleidingsniveau", "education level"),
}  # fmt: skip


def normalise_header(text: object) -> str:
    """A header folded for comparison: accents removed, case folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c for c in plain if c.isalnum())


_BY_HEADER = {normalise_header(synonym): name for name, synonyms in SYNONYMS.items() for synonym in synonyms}


def display_header(text: object) -> str:
    """A header as the report shows it: printable characters only, at most 60."""
    cleaned = "".join(c if c.isprintable() else " " for c in str(text or "")).strip()
    return cleaned[:60]


@dataclass
class Column:
    """One column of the file and the field it feeds (None: ignored)."""

    index: int
    header: str
    field: str | None


@dataclass
class ColumnMapping:
    """The columns of a file, the fields they feed, and what is wrong with them."""

    columns: list[Column] = field(default_factory=list)
    defaults: dict[str, object] = field(default_factory=dict)
    # (field, header kept, header ignored): two columns for one field, the first one wins.
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)

    def by_field(self) -> dict[str, Column]:
        """{field: the column feeding it}."""
        return {c.field: c for c in self.columns if c.field}

    def missing(self) -> list[str]:
        """The required fields no column (nor default) feeds."""
        fed = set(self.by_field()) | set(self.defaults)
        if FULL_NAME in fed:
            fed |= {"family_name", "given_names"}
        return [name for name in REQUIRED if name not in fed]

    def as_preset(self) -> dict[str, str]:
        """{normalised header: field or ""} to save as a preset's ``columns``."""
        return {normalise_header(c.header): c.field or "" for c in self.columns if normalise_header(c.header)}


def detect(headers: list[object], preset: dict[str, str] | None = None, defaults: dict | None = None) -> ColumnMapping:
    """Map each header to a field: the preset's choice first, else the synonyms; unknown → ignored."""
    preset = {normalise_header(k): v for k, v in (preset or {}).items()}
    mapping = ColumnMapping(defaults=dict(defaults or {}))
    taken: dict[str, str] = {}
    for index, raw in enumerate(headers):
        key = normalise_header(raw)
        shown = display_header(raw)
        name = preset[key] if key in preset else _BY_HEADER.get(key)
        name = name if name in FIELDS else None
        if name and name in taken:
            mapping.conflicts.append((name, taken[name], shown))
            name = None
        if name:
            taken[name] = shown
        mapping.columns.append(Column(index, shown, name))
    return mapping
