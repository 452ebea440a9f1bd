"""The import's refusals: a file refused as a whole (nothing was read into the database)."""

from __future__ import annotations

from integration_centre.errors import DomainError


class ImportRefused(DomainError):
    """The file cannot be imported at all (too large, not a list, a zip bomb, no usable column…).

    ``code`` names the reason (``too_large``, ``binary``, ``zip_bomb``, ``encoding``, ``columns``…);
    ``message`` says it in the user's language; nothing was written.
    """

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message, code=code)
