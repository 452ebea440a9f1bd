"""The referral state machine, as data (the services add guards and side effects).

sent → accepted / declined (reason) → in progress → completed / abandoned (reason); the agent
may withdraw a referral that is not finished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


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
FINAL_STATES = frozenset({S.DECLINED, S.COMPLETED, S.ABANDONED, S.WITHDRAWN})
# The operator's inbox tabs.
TABS: dict[str, tuple[ReferralState, ...]] = {
    "new": (S.SENT,),
    "accepted": (S.ACCEPTED,),
    "in_progress": (S.IN_PROGRESS,),
    "done": (S.COMPLETED, S.DECLINED, S.ABANDONED, S.WITHDRAWN),
}
TAB_LABELS = {
    "new": _l("New"),
    "accepted": _l("Accepted"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
STATE_LABELS = {
    S.SENT: _l("sent"),
    S.ACCEPTED: _l("accepted"),
    S.DECLINED: _l("declined"),
    S.IN_PROGRESS: _l("in progress"),
    S.COMPLETED: _l("completed"),
    S.ABANDONED: _l("abandoned"),
    S.WITHDRAWN: _l("withdrawn"),
}
ACTION_LABELS = {
    "send": _l("Referral sent"),
    "accept": _l("Referral accepted"),
    "decline": _l("Referral declined"),
    "start": _l("Course started"),
    "attendance": _l("Attendance recorded"),
    "complete": _l("Completion confirmed"),
    "abandon": _l("Abandonment reported"),
    "withdraw": _l("Referral withdrawn"),
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
DECLINE_REASONS = {
    "no_places": _l("No places available"),
    "not_suitable": _l("Our offer does not suit this person"),
    "schedule": _l("No session at a suitable time"),
    "out_of_area": _l("Outside the area we serve"),
    "other": _l("Other reason"),
}
ABANDON_REASONS = {
    "stopped_attending": _l("Stopped attending"),
    "never_came": _l("Never came"),
    "moved_away": _l("Moved away"),
    "work": _l("Started working"),
    "health": _l("Health reasons"),
    "other": _l("Other reason"),
}
WITHDRAW_REASONS = {
    "referred_elsewhere": _l("Referred to another operator"),
    "person_request": _l("At the person's request"),
    "case_changed": _l("The case changed (suspension, closure, dispensation)"),
    "error": _l("Referred by mistake"),
    "other": _l("Other reason"),
}
REASONS = {"decline": DECLINE_REASONS, "abandon": ABANDON_REASONS, "withdraw": WITHDRAW_REASONS}


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
