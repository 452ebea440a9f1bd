"""Domain events published by the pathway (the only thing ``stats`` knows of it).

Contract
========
``subscribe(listener)`` registers a callable ``listener(event: DomainEvent) -> None``.
Every pathway transition (case opened/started/completed/closed/suspended/resumed/transferred,
step planned/referred/started/declined/completed/failed/retried/exempted/cancelled, dispensation
recorded on a case) queues exactly ONE ``DomainEvent`` on the database session. Bookkeeping
that is not a transition (needs analysis, attendance hours, deadline extension) writes a
timeline entry but no event. Listeners are called when
that session commits, just before the final flush, INSIDE the same transaction: whatever they
write (anonymous facts) commits with the transition, and if a listener raises the whole commit
fails. When the transaction (or the savepoint the transition ran in) rolls back, its events are
discarded and no listener ever sees them.

The payload is plain data (``DomainEvent.as_dict()`` is JSON-serialisable) and carries NO
identifying data: no name, no NISS, no exact birth date, no person or case id. Fields:

- ``type``: ``case_opened``, ``step_completed``… (``EVENT_TYPES``)
- ``occurred_at`` (ISO UTC timestamp), ``event_date`` (ISO date), ``month`` (``YYYY-MM``),
  ``cohort_month`` (month the case was opened)
- ``definition_code``, ``definition_version``, ``step_code`` (None for case events)
- ``reason`` (closure/suspension/exemption/dispensation reason code), ``result`` (CEFR level,
  citizenship format…), ``hours``, ``duration_days`` (from case opening, on completion/closure)
- ``office_id``, ``centre_id``, ``target_office_id`` (transfers), ``operator_id`` (referrals)
- ``person``: derived statistical attributes at event time — ``age_band`` (5-year band),
  ``sex``, ``nationality`` (ISO 3166-1 alpha-2), ``nationality_group`` (``EU_EEA_CH``/``NON_EU``),
  ``municipality_code`` (NIS), ``arrondissement_code``, ``status`` (``obliged``, ``voluntary``,
  ``dispensed:<reason>``, ``excluded:<reason>``), ``residence_category``, ``cefr_level``,
  ``education_level``; of the case: ``entry_channel`` and ``purpose`` (codes of
  ``pathway.labels``), ``file_kind`` (``new`` or ``follow_up``, see ``pathway.case_profile``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

EVENT_TYPES = frozenset(
    {
        "case_opened",
        "case_started",
        "case_completed",
        "case_closed",
        "case_suspended",
        "case_resumed",
        "case_transferred",
        "step_planned",
        "step_referred",
        "step_started",
        "step_declined",
        "step_completed",
        "step_failed",
        "step_retried",
        "step_exempted",
        "step_cancelled",
        "dispensation_recorded",
        # Reception module (reception package): the fact only, never any assessment content.
        "assessment_recorded",
        "agreement_signed",
        "certificate_issued",
        "certificate_revoked",
        # Referrals to partner operators (operators package).
        "referral_sent",
        "referral_accepted",
        "referral_declined",
        "referral_started",
        "referral_completed",
        "referral_abandoned",
        "referral_withdrawn",
        # Deadlines and non-compliance (workspace package); reason = extension ground code.
        "deadline_extended",
        "noncompliance_notice",
        "noncompliance_referred",
        # Announced persons and the agenda (issue 18): presentation within the duty-to-present
        # date or late (reason ``within_deadline``/``late``), the wait to the first reception
        # appointment (reason: a days band), a no-show (reason: the appointment kind), an
        # interpreter requested for an appointment (reason: the ISO 639 language code).
        "presentation_recorded",
        "first_appointment_booked",
        "appointment_no_show",
        "interpreter_requested",
    }
)
PERSON_ATTRIBUTES = (
    "age_band",
    "sex",
    "nationality",
    "nationality_group",
    "municipality_code",
    "arrondissement_code",
    "status",
    "residence_category",
    "cefr_level",
    "education_level",
    "entry_channel",
    "purpose",
    "file_kind",
)


@dataclass(frozen=True)
class DomainEvent:
    """One pathway event as listeners receive it (see the module docstring for the contract)."""

    type: str
    occurred_at: str
    event_date: str
    month: str
    cohort_month: str | None
    definition_code: str
    definition_version: str
    office_id: int | None
    centre_id: int | None
    person: dict[str, Any] = field(default_factory=dict)
    step_code: str | None = None
    reason: str | None = None
    result: str | None = None
    hours: float | None = None
    duration_days: int | None = None
    target_office_id: int | None = None
    operator_id: int | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
        unknown = set(self.person) - set(PERSON_ATTRIBUTES)
        if unknown:
            raise ValueError(f"person attributes outside the contract: {sorted(unknown)}")

    def as_dict(self) -> dict[str, Any]:
        """The payload as plain, JSON-serialisable data."""
        return asdict(self)


Listener = Callable[[DomainEvent], None]
_listeners: list[Listener] = []
_QUEUE_KEY = "pathway_events"


def subscribe(listener: Listener) -> Listener:
    """Register ``listener`` (usable as a decorator); registering twice has no effect."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unsubscribe(listener: Listener) -> None:
    """Remove ``listener`` if registered."""
    if listener in _listeners:
        _listeners.remove(listener)


def queue(session: Session | scoped_session, domain_event: DomainEvent) -> None:
    """Queue ``domain_event`` on ``session``; it is delivered when the session commits."""
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_QUEUE_KEY, []).append((transaction, domain_event))


def pending(session: Session | scoped_session) -> list[DomainEvent]:
    """Events queued on ``session`` and not yet delivered."""
    if isinstance(session, scoped_session):
        session = session()
    return [e for _, e in session.info.get(_QUEUE_KEY, [])]


def _deliver(session: Session) -> None:
    if session.in_nested_transaction():
        return  # releasing a savepoint: deliver only when the outermost transaction commits
    queued = session.info.pop(_QUEUE_KEY, [])
    for _, domain_event in queued:
        for listener in list(_listeners):
            listener(domain_event)


def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_QUEUE_KEY)
    if not queued:
        return
    kept = [(t, e) for t, e in queued if not _within(t, previous_transaction)]
    session.info[_QUEUE_KEY] = kept


def install() -> None:
    """Listen to every session: deliver queued events on commit, drop a rolled-back transaction's (idempotent)."""
    for name, listener in (("before_commit", _deliver), ("after_soft_rollback", _discard)):
        if not sa_event.contains(Session, name, listener):
            sa_event.listen(Session, name, listener)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    if transaction is None:
        return True
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@contextmanager
def collect() -> Iterator[list[DomainEvent]]:
    """Collect the events delivered while the block runs (tests, diagnostics)."""
    received: list[DomainEvent] = []
    subscribe(received.append)
    try:
        yield received
    finally:
        unsubscribe(received.append)
