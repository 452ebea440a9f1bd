"""The agenda's facade: every rule module, for views, tests and other packages.

- ``booking``: book, move and cancel individual appointments; schedule, move and cancel group
  sessions; book and cancel seats (overlaps refused under row locks, capacity under the
  session's lock).
- ``attendance``: attended or no-show; the no-show on the timeline; repeated no-shows and the
  non-compliance eligibility.
- ``reading``: a typed file number, the office's agents and rooms, a period's agenda.
- ``feed``: the agent's private iCalendar feed and its token.
- ``office_setup``: the office's slot length, no-show threshold and rooms.
- ``rules``: office settings, opening hours, the slot grid, durations.
- ``interpreters``: requests to the social-interpreting service (outbox), the service's answer.
- ``convocation`` and ``letters``: the convocation letter (PDF) in French and the person's language.
- ``reminders``: reminders by e-mail and SMS through the outbox (``send_appointment_reminders``).
"""

from __future__ import annotations

from integration_centre.agenda.attendance import (
    no_show_count,
    noncompliance_eligible,
    noncompliance_signal,
    record_attendance,
    timeline_case,
)
from integration_centre.agenda.booking import (
    CANCEL_REASONS,
    book,
    book_seat,
    cancel,
    cancel_session,
    get_appointment,
    get_session,
    move,
    move_session,
    schedule_session,
    session_seats,
)
from integration_centre.agenda.convocation import convocation
from integration_centre.agenda.feed import calendar, feed_owner, file_number, has_feed, revoke_feed, rotate_feed
from integration_centre.agenda.interpreters import record_answer as record_interpreter_answer
from integration_centre.agenda.interpreters import request_of as interpreter_request
from integration_centre.agenda.office_setup import SLOT_CHOICES, add_room, remove_room, set_settings
from integration_centre.agenda.reading import active_case_id, agenda_between, find_person, office_agents, office_rooms
from integration_centre.agenda.reminders import send_appointment_reminders
from integration_centre.agenda.rules import day_bounds, settings_of

__all__ = [
    "CANCEL_REASONS",
    "SLOT_CHOICES",
    "active_case_id",
    "add_room",
    "agenda_between",
    "book",
    "book_seat",
    "calendar",
    "cancel",
    "cancel_session",
    "convocation",
    "day_bounds",
    "feed_owner",
    "file_number",
    "find_person",
    "get_appointment",
    "get_session",
    "has_feed",
    "interpreter_request",
    "move",
    "move_session",
    "no_show_count",
    "noncompliance_eligible",
    "noncompliance_signal",
    "office_agents",
    "office_rooms",
    "record_attendance",
    "record_interpreter_answer",
    "remove_room",
    "revoke_feed",
    "rotate_feed",
    "schedule_session",
    "send_appointment_reminders",
    "session_seats",
    "set_settings",
    "settings_of",
    "timeline_case",
]
