"""Words for the codes of the statistics pages: periods, table groups, chart labels.

A period code (``2026``, ``2026-Q3``, ``2026-07``) is shown as "Year 2026", "3rd quarter 2026",
"July 2026" in the reader's language; the tables of a release are grouped by the theme of their
catalogue file (``10_reception.yaml`` → "Reception").
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.stats.queries import parse_period

GROUPS = {
    "reception": _l("Reception of newcomers"),
    "intake": _l("Who comes, sent by whom and why"),
    "learning": _l("French level and time in each step"),
    "outcomes": _l("Completions, certificates and closures"),
    "referrals": _l("Referrals to operators and places"),
}


def group_label(theme: str) -> str:
    """The title of a group of tables (the theme itself for an unknown one)."""
    label = GROUPS.get(theme)
    return str(label) if label is not None else str(_("Other tables"))


def period_label(code: str, locale: str) -> str:
    """A period code in words: "Year 2026", "3rd quarter 2026", "July 2026"."""
    try:
        period = parse_period(code)
    except ValueError:
        return code
    year = period.start.year
    if len(period.months) == 12:
        return _("Year %(year)s", year=year)
    if len(period.months) == 3:
        quarter = (period.start.month - 1) // 3 + 1
        texts = {
            1: _("1st quarter %(year)s", year=year),
            2: _("2nd quarter %(year)s", year=year),
            3: _("3rd quarter %(year)s", year=year),
            4: _("4th quarter %(year)s", year=year),
        }
        return texts[quarter]
    return format_date(date(year, period.start.month, 1), "LLLL yyyy", locale=locale).capitalize()


def period_order(code: str) -> tuple:
    """Sort key (use with ``reverse=True``): by end date, then a year before its quarter before its month."""
    try:
        period = parse_period(code)
    except ValueError:
        return (date.min, 0)
    return (period.end, len(period.months))
