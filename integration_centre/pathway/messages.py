"""E-mails to a person, queued through the outbox of the package that sends mail (``operators``).

The packages that write to a person (the workspace's reminders) sit beside the one that owns the
outbox: it registers its queue here (``register_mailer``). A message names the person, never their
address: the outbox reads the address when it sends (``resolve_person_address``), so no address
of a person is ever stored in clear. Subject and body must hold no personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import KeyDestroyedError

PERSON_RECIPIENT = "person:"
Mailer = Callable[[str, str, str], None]
_mailers: list[Mailer] = []


def register_mailer(mailer: Mailer) -> None:
    """Install the outbox's queue ``mailer(recipient, subject, body)`` (the last one wins)."""
    _mailers[:] = [mailer]


def can_mail() -> bool:
    """True when an outbox is installed."""
    return bool(_mailers)


def queue_person_email(person_id: uuid.UUID, subject: str, body: str) -> None:
    """Queue an e-mail to the person (their address is read only when it is sent)."""
    if not _mailers:
        raise RuntimeError("no outbox is installed")
    _mailers[0](f"{PERSON_RECIPIENT}{person_id}", subject, body)


def resolve_person_address(actor, recipient: str) -> str | None:
    """The address of a ``person:<id>`` recipient (read in an audited access), the recipient
    itself for any other, None when the person has no address any more (erased, removed)."""
    if not recipient.startswith(PERSON_RECIPIENT):
        return recipient
    try:
        person_id = uuid.UUID(recipient[len(PERSON_RECIPIENT) :])
    except ValueError:
        return None
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None:
        return None
    try:
        with access(actor, "outbox.send", [person_id]):
            return newcomer.email or None
    except KeyDestroyedError:
        return None
