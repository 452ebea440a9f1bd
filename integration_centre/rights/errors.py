"""Refusals of the data-protection desk (``DomainError``s, through privacy's ``PrivacyRefusal``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integration_centre.errors import DomainError
from integration_centre.privacy.errors import PrivacyError, PrivacyRefusal


class RequestInvalid(PrivacyRefusal):
    """Bad input: ``errors`` (also ``field_errors``) maps field names to translated messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(str(e) for e in errors.values()), {name: str(e) for name, e in errors.items()})
        self.errors = errors


def as_refusals(action: Callable[[], Any]) -> Callable[[], Any]:
    """``action`` for ``perform``: a privacy error that is no refusal (a destroyed key…) is refused
    alike, its message flashed, as the desk always did."""

    def run() -> Any:
        try:
            return action()
        except PrivacyError as exc:
            if isinstance(exc, DomainError):
                raise
            raise PrivacyRefusal(str(exc)) from exc

    return run
