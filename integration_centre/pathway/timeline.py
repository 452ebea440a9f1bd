"""The one timeline writer of a case, and the optimistic-locking helpers every case change uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from integration_centre.accounts.models import User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.pathway.errors import PathwayConflict
from integration_centre.pathway.models import Case, StepInstance, TimelineEntry
from integration_centre.privacy.access import access


def conflict_message():
    """The message shown when another person saved the same case meanwhile.

    Lazy: it is raised from a failed flush, when the session cannot read the user's language
    until it is rolled back; it becomes text after the rollback (``core.requests``).
    """
    return _l("This case was modified meanwhile by someone else. Reload it and try again: nothing was saved.")


def add_timeline_entry(
    actor: User,
    case: Case,
    action: str,
    *,
    step: StepInstance | None = None,
    step_code: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    touch: bool = True,
) -> TimelineEntry:
    """Write one timeline entry on ``case`` (``touch``: the case row changes too, see ``touch_case``).

    A health reason is kept coarse in clear, its detail and the note encrypted.
    """
    entry = TimelineEntry(
        case=case,
        case_id=case.id,
        person_id=case.person_id,
        at=utcnow(),
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        step_code=step.step_code if step else step_code,
        from_state=from_state,
        to_state=to_state,
    )
    entry.reason, detail = reasons.split(reason)
    if note or detail:
        with access(actor, "case.timeline", [case.person_id], action="update"):
            entry.note = note or None
            entry.reason_detail = detail
    db.session.add(entry)
    if touch:
        touch_case(case)
    return entry


def timeline_entry(actor: User, case: Case, action: str, **params) -> TimelineEntry:
    """``add_timeline_entry`` without touching the case (the caller touched it, or must not)."""
    return add_timeline_entry(actor, case, action, touch=False, **params)


def flush_or_conflict() -> None:
    """Flush; ``PathwayConflict`` when another session saved the same case meanwhile."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise PathwayConflict(conflict_message()) from exc


def check_version(case: Case, expected_version: int | None) -> None:
    """``PathwayConflict`` when the form was read from another version of the case."""
    if expected_version is not None and int(expected_version) != case.version:
        raise PathwayConflict(conflict_message())


def touch_case(case: Case) -> None:
    """Every change to a case or its steps updates the case row, so the version check applies."""
    case.last_change_at = utcnow()
