"""The refusals of the operators' services: bad values, conflicts, impossible moves, out of reach."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound as HTTPNotFound

from integration_centre.errors import DomainError


class ReferralError(DomainError):
    """A refused operation (the message is translated and shown as is)."""

    @property
    def errors(self) -> dict[str, list[str]]:
        """The field errors (older name of ``field_errors``, read by the API)."""
        return self.field_errors


class ReferralInvalid(ReferralError):
    """Bad values: ``errors`` maps field names to messages (HTTP 422)."""

    code = "invalid"


class Conflict(ReferralError):
    """The referral changed meanwhile (HTTP 409): reload and try again."""

    code = "conflict"


class InvalidTransition(Conflict):
    """The move does not exist from the referral's current state (HTTP 409)."""

    code = "invalid_transition"


class NotFound(HTTPNotFound):
    """The referral does not exist or is out of the actor's reach (HTTP 404, never 403)."""


def conflict() -> Conflict:
    """The "changed meanwhile" refusal.

    Lazy, like pathway.conflict_message: raised from a failed flush, turned into text after the rollback.
    """
    return Conflict(_l("This referral was changed meanwhile by someone else. Reload it: nothing was saved."))
