"""Reading one cell as a field's value: dates, sex, nationality, municipality, languages, codes.

A cell that cannot be read raises ``CellProblem(code)``; ``MESSAGES`` says each code in words.
Neither the code nor the message ever repeats the cell's content (the report holds no personal
data). A text cell that starts like a spreadsheet formula (``=``, ``@``, or ``+``/``-`` not
followed by a plain number) is refused, never stored: it would run when the list is opened again
in a spreadsheet (CSV/DDE injection, ``=cmd|' /C calc'!A0``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache

import pycountry
from flask_babel import lazy_gettext as _l

from integration_centre import clock
from integration_centre.intake.fields import normalise_header
from integration_centre.pathway import reference
from integration_centre.pathway.models import EDUCATION_LEVELS, RESIDENCE_CATEGORIES

MESSAGES = {
    "formula": _l(
        "The cell starts like a spreadsheet formula (=, +, -, @): it was refused. "
        "Remove the sign if it is really the value."
    ),
    "date_format": _l("Not a date: write it as day/month/year (31/12/1990) or 1990-12-31."),
    "impossible_date": _l("This date does not exist (day or month out of range)."),
    "two_digit_year": _l("Write the year with four digits."),
    "sex_unknown": _l("Unknown sex: use F, M or X (or femme/homme, vrouw/man)."),
    "nationality_unknown": _l("Unknown nationality: use the ISO country code (SY, MA…) or the country's name."),
    "municipality_unknown": _l("Unknown municipality: use its NIS code (5 digits) or its name."),
    "language_unknown": _l("Unknown language: use ISO 639 codes (ar, fr, prs…) or the languages' names."),
    "residence_unknown": _l("Unknown residence status."),
    "education_unknown": _l("Unknown education level."),
    "not_a_number": _l("Not a whole number."),
    "full_name_unsplit": _l("Write the full name as 'FAMILY NAME, Given names' (with a comma)."),
    "too_long": _l("The cell is too long (more than 200 characters)."),
}
MAX_CELL = 200
NUMBER_LIKE = re.compile(r"^[+-]?[0-9][0-9 ./()-]*$")


class CellProblem(ValueError):
    """A cell that cannot be read as its field; ``code`` is a key of ``MESSAGES``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def text(value: object) -> str | None:
    """The cell as trimmed text (None when empty); formulas refused."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat()
    result = str(value).strip()
    if not result:
        return None
    if result[0] in "=@\t\r" or (result[0] in "+-" and not NUMBER_LIKE.match(result)):
        raise CellProblem("formula")
    if len(result) > MAX_CELL:
        raise CellProblem("too_long")
    return result


DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object) -> date | None:
    """A date from a spreadsheet date, ``31/12/1990``, ``31.12.1990``, ``1990-12-31`` or ``19901231``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if raw is None:
        return None
    if match := DMY.match(raw):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise CellProblem("two_digit_year")
    elif match := YMD.match(raw) or COMPACT.match(raw):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise CellProblem("date_format")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellProblem("impossible_date") from None


SEXES = {
    "F": ("f", "v", "femme", "feminin", "vrouw", "vrouwelijk", "female", "woman", "w"),
    "M": ("m", "h", "homme", "masculin", "man", "mannelijk", "male"),
    "X": ("x", "autre", "ander", "other", "non binaire"),
}
_SEX = {normalise_header(s): code for code, words in SEXES.items() for s in words}


def parse_sex(value: object) -> str | None:
    """F, M or X from a code or a word in French, Dutch or English."""
    raw = text(value)
    if raw is None:
        return None
    found = _SEX.get(normalise_header(raw))
    if found is None:
        raise CellProblem("sex_unknown")
    return found


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for locale in ("en", "fr", "nl"):
            names[normalise_header(reference.country_name(country.alpha_2, locale))] = country.alpha_2
        for attribute in ("name", "official_name", "common_name"):
            if hasattr(country, attribute):
                names.setdefault(normalise_header(getattr(country, attribute)), country.alpha_2)
    for stateless in ("apatride", "staatloos", "stateless", "sans nationalite"):
        names[normalise_header(stateless)] = "XX"
    return names


def parse_nationality(value: object) -> str | None:
    """An ISO 3166-1 alpha-2 code from alpha-2, alpha-3 or a country's name (en, fr, nl)."""
    raw = text(value)
    if raw is None:
        return None
    upper = raw.upper()
    if len(upper) == 2 and reference.is_valid_nationality(upper):
        return upper
    if len(upper) == 3 and (country := pycountry.countries.get(alpha_3=upper)) is not None:
        return country.alpha_2
    found = _country_names().get(normalise_header(raw))
    if found is None:
        raise CellProblem("nationality_unknown")
    return found


@cache
def _municipality_names() -> dict[str, str]:
    names: dict[str, str] = {}
    today = clock.today()
    entries = sorted(reference.municipalities().values(), key=lambda m: not m.valid_on(today))
    for entry in entries:  # current municipalities first: they keep a name a merged one shares
        for name in (entry.name_fr, entry.name_nl):
            names.setdefault(normalise_header(name), entry.nis_code)
    return names


def parse_municipality(value: object) -> str | None:
    """A NIS code of the reference municipalities, from the code or the name (French or Dutch)."""
    raw = text(value)
    if raw is None:
        return None
    if raw.isdigit():
        if reference.municipality(raw) is None:
            raise CellProblem("municipality_unknown")
        return raw
    found = _municipality_names().get(normalise_header(raw))
    if found is None:
        raise CellProblem("municipality_unknown")
    return found


@cache
def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "fr", "nl"):
        for code, label in reference.language_choices(locale):
            names.setdefault(normalise_header(label), code)
    return names


def _language(raw: str) -> str:
    lowered = raw.strip().lower()
    if reference.is_valid_language(lowered) and len(lowered) in (2, 3):
        return lowered
    found = _language_names().get(normalise_header(raw))
    if found is None:
        raise CellProblem("language_unknown")
    return found


def parse_language(value: object) -> str | None:
    """One ISO 639 code from a code or a language's name."""
    raw = text(value)
    return None if raw is None else _language(raw)


def parse_languages(value: object) -> list[str]:
    """ISO 639 codes from a list separated by commas, semicolons, slashes or ``|``."""
    raw = text(value)
    if raw is None:
        return []
    codes = [_language(part) for part in re.split(r"[,;/|]", raw) if part.strip()]
    return list(dict.fromkeys(codes))


RESIDENCE_WORDS = {
    "refugee": ("refugie", "refugiee", "vluchteling", "erkend vluchteling", "refugee"),
    "subsidiary_protection": ("protection subsidiaire", "subsidiaire bescherming", "subsidiary protection"),
    "regularisation_9bis": ("9bis", "regularisation 9bis", "regularisatie 9bis"),
    "regularisation_9ter": ("9ter", "regularisation 9ter", "regularisatie 9ter"),
    "family_reunification": (
        "regroupement familial", "gezinshereniging", "family reunification", "regroupement familial",
    ),
    "temporary_protection": ("protection temporaire", "tijdelijke bescherming", "temporary protection"),
    "work": ("travail", "permis unique", "werk", "arbeid", "single permit", "employment"),
    "study": ("etudes", "etudiant", "studie", "student", "studies"),
    "other": ("autre", "ander", "andere"),
}  # fmt: skip
_RESIDENCE = {normalise_header(code): code for code in RESIDENCE_CATEGORIES}
_RESIDENCE.update({normalise_header(w): code for code, words in RESIDENCE_WORDS.items() for w in words})


def parse_residence(value: object) -> str | None:
    """A residence status code from the code or a usual French, Dutch or English wording."""
    raw = text(value)
    if raw is None:
        return None
    found = _RESIDENCE.get(normalise_header(raw))
    if found is None:
        raise CellProblem("residence_unknown")
    return found


def parse_education(value: object) -> str | None:
    """An education level code (``none``, ``primary`` … ``higher``, ``unknown``)."""
    raw = text(value)
    if raw is None:
        return None
    found = {normalise_header(c): c for c in EDUCATION_LEVELS}.get(normalise_header(raw))
    if found is None:
        raise CellProblem("education_unknown")
    return found


def parse_int(value: object) -> int | None:
    """A whole number."""
    raw = text(value)
    if raw is None:
        return None
    if not raw.isdigit():
        raise CellProblem("not_a_number")
    return int(raw)


def parse_niss(value: object) -> str | None:
    """The national register number as typed (a spreadsheet number gets its leading zeros back);
    registration checks it (``pathway.niss``)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):011d}"
    return text(value)


def split_full_name(value: object) -> tuple[str, str] | None:
    """("FAMILY", "Given names") from "FAMILY, Given names"."""
    raw = text(value)
    if raw is None:
        return None
    family, comma, given = raw.partition(",")
    if not comma or not family.strip() or not given.strip():
        raise CellProblem("full_name_unsplit")
    return family.strip(), given.strip()


PARSERS = {
    "family_name": text,
    "given_names": text,
    "date_of_birth": parse_date,
    "sex": parse_sex,
    "nationality": parse_nationality,
    "niss": parse_niss,
    "municipality_code": parse_municipality,
    "address": text,
    "phone": text,
    "email": text,
    "languages": parse_languages,
    "preferred_language": parse_language,
    "interpreter_language": parse_language,
    "residence_category": parse_residence,
    "permit_order_date": parse_date,
    "registration_date": parse_date,
    "permit_validity_months": parse_int,
    "education_level": parse_education,
}
