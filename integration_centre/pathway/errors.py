"""Errors the pathway engine raises; their message is translated and safe to show."""

from __future__ import annotations

from integration_centre.errors import DomainError


class PathwayError(DomainError):
    """A refused operation of the pathway: ``message`` says why, in the user's language; nothing was changed."""

    def __init__(self, message: str, code: str = "refused", field_errors=None) -> None:
        super().__init__(message, field_errors, code=code)


class PathwayConflict(PathwayError):
    """Someone else saved the same case meanwhile: reload and try again."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")


class RegistrationInvalid(PathwayError):
    """The newcomer's file has errors; ``errors`` maps field names to messages."""

    def __init__(self, message: str, errors: dict[str, str]) -> None:
        super().__init__(message, code="invalid", field_errors=errors)
        self.errors = errors


class DuplicateSuspected(PathwayError):
    """Files that look like the same person exist; the agent must look and confirm.

    ``existing`` holds only the files the agent may see (their own office's); ``elsewhere`` is
    whether a possible duplicate exists in an office the agent may not see (nothing more of it);
    ``reasons`` says, by file id, why each of ``existing`` matched (labels to show beside it).
    """

    def __init__(self, message: str, existing: list, elsewhere: bool = False, reasons: dict | None = None) -> None:
        super().__init__(message, code="duplicate")
        self.existing = existing
        self.elsewhere = elsewhere
        self.reasons = reasons or {}


class DuplicateCheckLimited(PathwayError):
    """The agent ran more duplicate checks than allowed in the last hour."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="rate_limited")
