"""Belgian national register numbers (NISS): national numbers and bis numbers.

The number is 11 digits: the birth date as YYMMDD, a 3-digit serial (odd for men, even for
women) and two check digits = 97 - (first nine digits mod 97). For births from 2000 the check is
computed over "2" followed by the nine digits. Bis numbers (people not in the national register)
add 20 (sex unknown) or 40 (sex known) to the month. Validation uses python-stdnum
(``stdnum.be.nn`` / ``stdnum.be.bis``); this module adds the explanations shown to agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum.be import bis, nn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError


class NissError(ValueError):
    """A national register number that cannot be accepted; ``str(error)`` is the message."""


@dataclass(frozen=True)
class NissCheck:
    """A valid number, what it encodes, and consistency warnings for the agent."""

    number: str
    is_bis: bool
    birth_date: date | None
    born_from_2000: bool
    sex: str | None  # "M", "F" or None when the number does not say
    warnings: list[str] = field(default_factory=list)

    @property
    def formatted(self) -> str:
        """The usual written form ``YY.MM.DD-SSS.CC``."""
        return nn.format(self.number)


def compact(raw: str) -> str:
    """Strip spaces, dots and dashes."""
    return nn.compact(raw or "")


def check(raw: str, *, date_of_birth: date | None = None, sex: str | None = None) -> NissCheck:
    """Validate ``raw`` and compare it with the date of birth and sex typed in the file.

    Raises ``NissError`` with a message for the agent when the number is refused; returns the
    decoded number with warnings (not errors) when it disagrees with the other fields.
    """
    number = compact(raw)
    if not number:
        raise NissError(_l("Enter the national register number (11 digits)."))
    if not number.isdigit():
        raise NissError(
            _l("The national register number may contain only digits (spaces, dots and dashes are ignored).")
        )
    if len(number) != 11:
        raise NissError(_l("The national register number has 11 digits; %(count)s were typed.", count=len(number)))
    month = int(number[2:4])
    is_bis = month >= 20
    module = bis if is_bis else nn
    try:
        module.validate(number)
    except InvalidChecksum as exc:
        raise NissError(
            _l(
                "The check digits (the last two) do not match the first nine: the number was probably mistyped. "
                "For births from 2000 the check includes a leading 2; neither form matches."
            )
        ) from exc
    except (InvalidComponent, InvalidFormat, InvalidLength) as exc:
        raise NissError(_l("The date part of this national register number is not a possible date.")) from exc
    except ValidationError as exc:  # any other refusal by stdnum
        raise NissError(_l("This is not a valid national register number.")) from exc
    birth_date = _birth_date(module, number)
    born_from_2000 = _born_from_2000(number)
    encoded_sex = _sex(module, number)
    warnings: list[str] = []
    if date_of_birth is not None and birth_date is not None and birth_date != date_of_birth:
        warnings.append(
            str(
                _l(
                    "The national register number gives a date of birth of %(encoded)s, "
                    "but %(typed)s was typed: check both.",
                    encoded=birth_date.isoformat(),
                    typed=date_of_birth.isoformat(),
                )
            )
        )
    if date_of_birth is not None and birth_date is None and int(number[:2]) != date_of_birth.year % 100:
        warnings.append(str(_l("The year in the national register number does not match the date of birth typed.")))
    if sex in ("M", "F") and encoded_sex is not None and encoded_sex != sex:
        warnings.append(str(_l("The serial number of the national register number suggests the other sex: check.")))
    return NissCheck(number, is_bis, birth_date, born_from_2000, encoded_sex, warnings)


def is_valid(raw: str) -> bool:
    """True when ``raw`` is an acceptable national or bis number."""
    try:
        check(raw)
    except NissError:
        return False
    return True


def _born_from_2000(number: str) -> bool:
    return 97 - int(number[:9]) % 97 != int(number[9:])


def _birth_date(module, number: str) -> date | None:
    try:
        return module.get_birth_date(number)
    except ValidationError:
        return None  # incomplete birth date (unknown month or day): allowed by the register


def _sex(module, number: str) -> str | None:
    try:
        return module.get_gender(number)
    except ValidationError:
        return None
