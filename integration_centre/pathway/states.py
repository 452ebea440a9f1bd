"""The state machines of cases and steps: which transitions exist, as data.

The tables here say only which (from → to) moves exist and what each is called; the engine
(``services``) adds the guards (role, dependencies, hours, evidence, case status) and the side
effects (timeline entry, one domain event).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CaseStatus(enum.StrEnum):
    """Status of a case (one pathway enrolment of one person at one office)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"  # without certificate, with a reason
    SUSPENDED = "suspended"  # with a reason, resumable
    TRANSFERRED = "transferred"


class StepState(enum.StrEnum):
    """State of one step of a case."""

    PENDING = "pending"
    PLANNED = "planned"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EXEMPTED = "exempted"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Participation(enum.StrEnum):
    """Why the person follows the pathway."""

    OBLIGED = "obliged"
    VOLUNTARY = "voluntary"


@dataclass(frozen=True)
class Transition:
    """A named move between two states."""

    action: str
    source: str
    target: str


CASE_TRANSITIONS: tuple[Transition, ...] = (
    Transition("start", CaseStatus.OPEN, CaseStatus.IN_PROGRESS),
    Transition("complete", CaseStatus.IN_PROGRESS, CaseStatus.COMPLETED),
    Transition("close", CaseStatus.OPEN, CaseStatus.CLOSED),
    Transition("close", CaseStatus.IN_PROGRESS, CaseStatus.CLOSED),
    Transition("close", CaseStatus.SUSPENDED, CaseStatus.CLOSED),
    Transition("suspend", CaseStatus.OPEN, CaseStatus.SUSPENDED),
    Transition("suspend", CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED),
    Transition("resume", CaseStatus.SUSPENDED, CaseStatus.IN_PROGRESS),
    Transition("transfer", CaseStatus.OPEN, CaseStatus.TRANSFERRED),
    Transition("transfer", CaseStatus.IN_PROGRESS, CaseStatus.TRANSFERRED),
    Transition("transfer", CaseStatus.SUSPENDED, CaseStatus.TRANSFERRED),
)

STEP_TRANSITIONS: tuple[Transition, ...] = (
    Transition("plan", StepState.PENDING, StepState.PLANNED),
    Transition("refer", StepState.PENDING, StepState.REFERRED),
    Transition("refer", StepState.PLANNED, StepState.REFERRED),
    Transition("start", StepState.PENDING, StepState.IN_PROGRESS),
    Transition("start", StepState.PLANNED, StepState.IN_PROGRESS),
    Transition("start", StepState.REFERRED, StepState.IN_PROGRESS),
    Transition("decline", StepState.REFERRED, StepState.PENDING),
    Transition("complete", StepState.IN_PROGRESS, StepState.COMPLETED),
    Transition("fail", StepState.IN_PROGRESS, StepState.FAILED),
    Transition("retry", StepState.FAILED, StepState.PENDING),
    Transition("exempt", StepState.PENDING, StepState.EXEMPTED),
    Transition("exempt", StepState.PLANNED, StepState.EXEMPTED),
    Transition("cancel", StepState.PENDING, StepState.CANCELLED),
    Transition("cancel", StepState.PLANNED, StepState.CANCELLED),
    Transition("cancel", StepState.REFERRED, StepState.CANCELLED),
    Transition("cancel", StepState.IN_PROGRESS, StepState.CANCELLED),
)

CASE_ACTIONS = frozenset(t.action for t in CASE_TRANSITIONS)
STEP_ACTIONS = frozenset(t.action for t in STEP_TRANSITIONS)
ACTIVE_CASE_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED})
FINAL_CASE_STATUSES = frozenset({CaseStatus.COMPLETED, CaseStatus.CLOSED, CaseStatus.TRANSFERRED})
DONE_STEP_STATES = frozenset({StepState.COMPLETED, StepState.EXEMPTED})
FINAL_STEP_STATES = frozenset({StepState.COMPLETED, StepState.EXEMPTED, StepState.CANCELLED})


def case_target(action: str, source: CaseStatus) -> CaseStatus | None:
    """The status ``action`` leads to from ``source``, None when the move does not exist."""
    return next((CaseStatus(t.target) for t in CASE_TRANSITIONS if t.action == action and t.source == source), None)


def step_target(action: str, source: StepState) -> StepState | None:
    """The state ``action`` leads to from ``source``, None when the move does not exist."""
    return next((StepState(t.target) for t in STEP_TRANSITIONS if t.action == action and t.source == source), None)


def step_actions_from(source: StepState) -> list[str]:
    """The actions that exist from ``source`` (before guards)."""
    return [t.action for t in STEP_TRANSITIONS if t.source == source]


def case_actions_from(source: CaseStatus) -> list[str]:
    """The case actions that exist from ``source`` (before guards)."""
    return [t.action for t in CASE_TRANSITIONS if t.source == source]
