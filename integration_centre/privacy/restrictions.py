"""Restriction of processing (GDPR Art. 18): a restricted file is read-only and hidden.

- ``ensure_writable(person_id)`` is called by every write path of the domain packages; it raises
  ``RestrictedError`` (translated message) while a restriction is active.
- ``not_restricted(person_id_column)`` is a SQL condition for dashboard and search queries of
  agents: restricted persons are left out. The DPO (the admin role) reaches a restricted file
  through the rights pages only.
- ``restrict`` / ``lift`` record the restriction and its lifting, each audited. Services flush,
  never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.errors import PrivacyRefusal, RestrictedError
from integration_centre.privacy.models import Restriction

__all__ = [
    "Restriction",
    "active_restriction",
    "ensure_writable",
    "is_restricted",
    "lift",
    "not_restricted",
    "restrict",
    "restricted_ids",
]


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def active_restriction(person_id: Any) -> Restriction | None:
    """The person's active restriction, or None (no autoflush: callers may be half-way through a write)."""
    with db.session.no_autoflush:
        return db.session.scalar(
            select(Restriction).where(Restriction.person_id == _as_uuid(person_id), Restriction.lifted_at.is_(None))
        )


def is_restricted(person_id: Any) -> bool:
    """True while a restriction is active for the person."""
    return active_restriction(person_id) is not None


def restricted_ids(person_ids) -> set[uuid.UUID]:
    """Those of ``person_ids`` whose file is restricted (one query)."""
    ids = {_as_uuid(p) for p in person_ids}
    if not ids:
        return set()
    rows = db.session.scalars(
        select(Restriction.person_id).where(Restriction.person_id.in_(ids), Restriction.lifted_at.is_(None))
    )
    return set(rows)


def not_restricted(person_id_column) -> Any:
    """SQL condition: no active restriction for the person of ``person_id_column``."""
    return ~exists().where(Restriction.person_id == person_id_column, Restriction.lifted_at.is_(None))


def ensure_writable(person_id: Any) -> None:
    """Raise ``RestrictedError`` when the person's file is restricted."""
    if person_id is not None and is_restricted(person_id):
        raise RestrictedError(
            _("This file is restricted at the person's request (GDPR Art. 18): it cannot be changed for now.")
        )


def restrict(person_id: Any, *, actor: Any, request_id: uuid.UUID | None = None) -> Restriction:
    """Restrict the person's file (refused when it already is); audited."""
    person_id = _as_uuid(person_id)
    if is_restricted(person_id):
        raise PrivacyRefusal(_("This file is already restricted."))
    restriction = Restriction(person_id=person_id, request_id=request_id, started_by_id=_actor_id(actor))
    db.session.add(restriction)
    audit.record("restrict", "person", str(person_id), purpose="rights.restriction", actor=actor)
    db.session.flush()
    return restriction


def lift(person_id: Any, *, actor: Any) -> Restriction:
    """Lift the person's active restriction (refused when none); audited."""
    restriction = active_restriction(person_id)
    if restriction is None:
        raise PrivacyRefusal(_("This file is not restricted."))
    restriction.lifted_at = utcnow()
    restriction.lifted_by_id = _actor_id(actor)
    audit.record("lift_restriction", "person", str(restriction.person_id), purpose="rights.restriction", actor=actor)
    db.session.flush()
    return restriction


def _actor_id(actor: Any) -> int | None:
    value = getattr(actor, "id", None)
    return value if isinstance(value, int) else None
