"""Supply: places offered by the operators, for the supply-against-demand tables.

These are data about organisations (how many places an operator offers for a course, and where),
never about people, so they are published as they are. They come from the operator directory:
a provider registered with :func:`register`, or else the directory of the operators package,
``integration_centre.operators.directory.capacity_offers(on: date)``, read if it exists. A provider
returns ``(municipality NIS code, step code, places)`` rows for the offers valid on ``on``. When
there is no directory the tables say so instead of showing zeros.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import date

Provider = Callable[[date], Iterable[tuple[str, str, int]]]
DIRECTORY_MODULE = "integration_centre.operators.directory"
DIRECTORY_FUNCTION = "capacity_offers"
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Use ``provider`` for the supply tables (the last registered wins); usable as a decorator."""
    _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    """Stop using ``provider``."""
    if provider in _providers:
        _providers.remove(provider)


def provider() -> Provider | None:
    """The supply provider in force, or None when no operator directory is installed."""
    if _providers:
        return _providers[-1]
    try:
        module = importlib.import_module(DIRECTORY_MODULE)
    except ImportError:
        return None
    return getattr(module, DIRECTORY_FUNCTION, None)


def offers(on: date) -> list[tuple[str, str, int]] | None:
    """Every (municipality code, step code, places) offered on ``on``; None without a directory."""
    source = provider()
    if source is None:
        return None
    rows = []
    for municipality, step_code, places in source(on):
        if isinstance(places, bool) or not isinstance(places, int) or places < 0:
            raise ValueError(f"the operator directory gives an impossible number of places: {places!r}")
        rows.append((str(municipality), str(step_code), places))
    return rows
