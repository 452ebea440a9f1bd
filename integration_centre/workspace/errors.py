"""The workspace's refusal: ``WorkspaceError``, a pathway refusal naming the form field it concerns."""

from __future__ import annotations

from integration_centre.pathway.errors import PathwayError


class WorkspaceError(PathwayError):
    """A refused workspace action; ``field`` names the form field the message belongs to (also in
    ``field_errors``, so that ``core.requests.show_refusal`` places the message beside the field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field_errors={field: message} if field else None)
        self.field = field
