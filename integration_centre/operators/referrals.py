"""The referral state machine, as data (the services add guards and side effects).

sent → accepted / declined (reason) → in progress → completed / abandoned (reason); the agent
may withdraw a referral that is not finished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from integration_centre.operators import labels
from integration_centre.pathway.states import StepState


class ReferralState(enum.StrEnum):
    """State of a referral."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Move:
    """A named move between two referral states, and who may make it."""

    action: str
    source: ReferralState
    target: ReferralState
    role: str  # "operator" or "agent"


S = ReferralState
MOVES: tuple[Move, ...] = (
    Move("accept", S.SENT, S.ACCEPTED, "operator"),
    Move("decline", S.SENT, S.DECLINED, "operator"),
    Move("start", S.ACCEPTED, S.IN_PROGRESS, "operator"),
    Move("complete", S.IN_PROGRESS, S.COMPLETED, "operator"),
    Move("abandon", S.ACCEPTED, S.ABANDONED, "operator"),
    Move("abandon", S.IN_PROGRESS, S.ABANDONED, "operator"),
    Move("withdraw", S.SENT, S.WITHDRAWN, "agent"),
    Move("withdraw", S.ACCEPTED, S.WITHDRAWN, "agent"),
    Move("withdraw", S.IN_PROGRESS, S.WITHDRAWN, "agent"),
)
OPEN_STATES = frozenset({S.SENT, S.ACCEPTED, S.IN_PROGRESS})
# The states of a case step that an agent may refer to an operator.
REFERABLE_STATES = (StepState.PENDING, StepState.PLANNED)
FINAL_STATES = frozenset({S.DECLINED, S.COMPLETED, S.ABANDONED, S.WITHDRAWN})
# The operator's inbox tabs.
TABS: dict[str, tuple[ReferralState, ...]] = {
    "new": (S.SENT,),
    "accepted": (S.ACCEPTED,),
    "in_progress": (S.IN_PROGRESS,),
    "done": (S.COMPLETED, S.DECLINED, S.ABANDONED, S.WITHDRAWN),
}
# Event types of contract 2, per action.
EVENT_OF = {
    "send": "referral_sent",
    "accept": "referral_accepted",
    "decline": "referral_declined",
    "start": "referral_started",
    "complete": "referral_completed",
    "abandon": "referral_abandoned",
    "withdraw": "referral_withdrawn",
}
REASONS = labels.REASONS  # the reason codes of each move (with their labels)


def target_of(action: str, source: str) -> ReferralState | None:
    """The state ``action`` leads to from ``source``, None when the move does not exist."""
    return next((m.target for m in MOVES if m.action == action and m.source == source), None)


def role_of(action: str) -> str:
    """Who makes ``action``: "operator" or "agent"."""
    return next(m.role for m in MOVES if m.action == action)


def actions_from(source: str, role: str) -> list[str]:
    """The moves ``role`` may make from ``source`` (before guards)."""
    seen: list[str] = []
    for move in MOVES:
        if move.source == source and move.role == role and move.action not in seen:
            seen.append(move.action)
    return seen
