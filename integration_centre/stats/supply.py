"""Supply: places offered by the operators, for the supply-against-demand tables.

These are data about organisations (how many places an operator offers for a course, and where),
never about people, so they are published as they are. They come from the operator directory
(``operators.models.OperatorProfile``): only its service types, municipalities, capacity and
whether it accepts referrals are read — never a contact. The directory gives one capacity per
organisation: it is shared equally, in whole places, between the municipalities and courses
(service types, which are step codes) the organisation lists. Another source can be plugged in
with :func:`register`: a provider returns ``(municipality NIS code, step code, places)`` rows for
the offers valid on a date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.operators.models import OperatorProfile

Provider = Callable[[date], Iterable[tuple[str, str, int]]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Use ``provider`` for the supply tables (the last registered wins); usable as a decorator."""
    _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    """Stop using ``provider``."""
    if provider in _providers:
        _providers.remove(provider)


def _share(places: int, parts: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """``places`` split over ``parts`` in whole places (the remainder to the first parts)."""
    base, extra = divmod(places, len(parts))
    return [(m, step, base + (1 if index < extra else 0)) for index, (m, step) in enumerate(parts)]


def directory_offers(on: date) -> list[tuple[str, str, int]]:
    """Places of the operator directory as it stands (the directory keeps no history: ``on`` is
    accepted for other providers), shared over each organisation's municipalities and courses."""
    statement = select(OperatorProfile.service_types, OperatorProfile.municipalities, OperatorProfile.capacity).where(
        OperatorProfile.accepts_referrals.is_(True), OperatorProfile.capacity > 0
    )
    rows = []
    for service_types, municipalities, capacity in db.session.execute(statement):
        parts = sorted({(str(m), str(s)) for m in municipalities or [] for s in service_types or []})
        if parts:
            rows += _share(int(capacity), parts)
    return rows


def offers(on: date) -> list[tuple[str, str, int]] | None:
    """Every (municipality code, step code, places) offered on ``on``; None when the directory
    lists no places at all (the tables then say "not available" rather than show zeros)."""
    source = _providers[-1] if _providers else directory_offers
    rows = []
    for municipality, step_code, places in source(on):
        if isinstance(places, bool) or not isinstance(places, int) or places < 0:
            raise ValueError(f"the operator directory gives an impossible number of places: {places!r}")
        rows.append((str(municipality), str(step_code), places))
    return rows or None
