"""Hours of attendance: the one rule for reading a number of hours typed by a person."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from integration_centre.pathway.errors import PathwayError

MAX_HOURS = Decimal(10000)


class HoursInvalid(PathwayError):
    """The hours are not a number within the bounds; ``field_errors`` names the field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, code="invalid", field_errors={field: message})
        self.field = field


def parse_hours(value, *, field: str = "hours", maximum: Decimal = MAX_HOURS, positive: bool = False) -> Decimal:
    """``value`` (``12``, ``12.5`` or ``12,5``) as hours rounded to the hundredth.

    Refuses what is not a finite number, a negative number (zero too when ``positive``) and more
    than ``maximum``.
    """
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, AttributeError) as exc:
        if positive:
            raise HoursInvalid(_("Hours must be a number, like 2 or 2.5."), field) from exc
        raise HoursInvalid(_("Hours must be a number, like 12 or 12.5."), field) from exc
    if positive:
        if not hours.is_finite() or hours <= 0 or hours > maximum:
            limit = f"{maximum.normalize():f}"
            raise HoursInvalid(_("Hours must be more than 0 and at most %(maximum)s.", maximum=limit), field)
    elif not hours.is_finite() or not 0 <= hours <= maximum:
        raise HoursInvalid(_("Hours must be between 0 and 10,000."), field)
    return hours.quantize(Decimal("0.01"))
