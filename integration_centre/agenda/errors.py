"""The agenda's refusal: ``AgendaError``, a ``DomainError`` naming the form field it concerns."""

from __future__ import annotations

from integration_centre.errors import DomainError


class AgendaError(DomainError):
    """A refused agenda operation; nothing was written. ``field`` names the form field the message
    belongs to (also in ``field_errors``); ``code`` is ``refused``, ``conflict`` (the agent, the
    room or the person is taken at that time) or ``full`` (no seat left in a group session)."""

    def __init__(self, message: str, field: str | None = None, *, code: str = "refused") -> None:
        super().__init__(message, {field: message} if field else None, code=code)
        self.field = field
