"""Keep every case's dashboard dates (``CaseSchedule``) in step with the case, whoever changes it.

A case changes through many packages: pathway services and views, reception (agreement
signature), operators (referrals moving steps), the REST API, the workspace itself. Rather than
asking each of them to call ``workspace.schedule.sync_schedule``, session hooks do it in one
place (installed by ``register()``, called from ``workspace.register(app)``):

- after every flush, the ids of the cases touched by the flush are noted on the session: a
  ``Case`` or ``StepInstance`` added or changed, a ``Newcomer`` changed (its permit-order or
  registration date moves the deadlines of all its cases), an evaluation interview, deadline
  extension or non-compliance procedure added or changed;
- just before the session commits, the schedule row of each noted case is recomputed and
  flushed, INSIDE the same transaction (the same moment pathway delivers its domain events), so
  the dates commit with the change or not at all.

The clock-start dates are encrypted: they are read in an access context of the current actor
(the logged-in user, else the system), audited as usual.
"""

from __future__ import annotations

import uuid

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.privacy.errors import KeyDestroyedError
from integration_centre.workspace.models import DeadlineExtension, EvaluationInterview, NoncomplianceProcedure
from integration_centre.workspace.schedule import sync_schedule

_PENDING_KEY = "workspace_stale_cases"
_PERSONS_KEY = "workspace_stale_persons"
_SYNCING_KEY = "workspace_syncing"
_BY_CASE_ID = (StepInstance, EvaluationInterview, DeadlineExtension, NoncomplianceProcedure)


def _note_changed_cases(session: Session, _flush_context) -> None:
    if session.info.get(_SYNCING_KEY):
        return
    cases: set[uuid.UUID] = set()
    persons: set[uuid.UUID] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Case):
            cases.add(obj.id)
        elif isinstance(obj, _BY_CASE_ID):
            if obj.case_id is not None:
                cases.add(obj.case_id)
        elif isinstance(obj, Newcomer) and obj in session.dirty:
            persons.add(obj.id)
    if cases:
        session.info.setdefault(_PENDING_KEY, set()).update(cases)
    if persons:
        session.info.setdefault(_PERSONS_KEY, set()).update(persons)


def _refresh_schedules(session: Session) -> None:
    if session.info.get(_SYNCING_KEY) or session is not db.session():
        return
    session.flush()  # note what is still pending
    cases = session.info.pop(_PENDING_KEY, set())
    persons = session.info.pop(_PERSONS_KEY, set())
    if not cases and not persons:
        return
    from integration_centre.privacy.context import current_actor

    session.info[_SYNCING_KEY] = True
    try:
        with session.no_autoflush:
            if persons:
                cases |= set(session.scalars(select(Case.id).where(Case.person_id.in_(persons))))
            actor = current_actor()
            for case_id in sorted(cases):
                case = session.get(Case, case_id)
                if case is None:
                    continue
                try:
                    sync_schedule(actor, case)
                except KeyDestroyedError:
                    continue  # erased person: the dates cannot be read any more
        session.flush()
    finally:
        session.info.pop(_SYNCING_KEY, None)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_PERSONS_KEY, None)


_LISTENERS = (
    ("after_flush", _note_changed_cases),
    ("before_commit", _refresh_schedules),
    ("after_rollback", _forget),
)


def register() -> None:
    """Install the session hooks (once, whatever the number of apps created)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
