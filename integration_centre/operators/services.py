"""The operators' public service interface (directory, referrals, reports, notifications): a facade.

The web views and the REST API (``integration_centre.api``) call these functions with the acting
``User``; the rules live in the modules named below. Reads out of reach raise ``NotFound`` (a
404, also when guessing ids); writes flush, never commit (the caller commits once).
"""

from __future__ import annotations

from integration_centre.operators.directory import (
    DirectoryEntry,
    Page,
    ProfileData,
    Suggestion,
    current_loads,
    get_profile,
    save_profile,
    search_directory,
    service_label,
    service_types,
    step_service_types,
    suggest_operators,
    validate_profile,
)
from integration_centre.operators.errors import Conflict, InvalidTransition, NotFound, ReferralError, ReferralInvalid
from integration_centre.operators.labels import FORMAT_LABELS, SERVICE_LABELS
from integration_centre.operators.moves import (
    abandon,
    accept,
    case_deadline,
    decline,
    next_reference,
    refer,
    start,
    withdraw,
)
from integration_centre.operators.notifications import EMAIL_SUBJECTS, mark_updates_seen, operator_updates
from integration_centre.operators.reading import (
    CLOSED_AT_ONCE,
    DEFAULT_GRACE_DAYS,
    MAX_PER_PAGE,
    PER_PAGE,
    SUMMARY_FIELDS,
    case_referrals,
    get_referral,
    history_of,
    list_referrals,
    operator_view,
    person_closed,
    referral_summary,
    step_label,
    tab_counts,
)
from integration_centre.operators.reports import (
    MAX_SESSIONS,
    can_correct_hours,
    complete,
    record_attendance,
    result_options,
)

__all__ = [
    "CLOSED_AT_ONCE",
    "DEFAULT_GRACE_DAYS",
    "EMAIL_SUBJECTS",
    "FORMAT_LABELS",
    "MAX_PER_PAGE",
    "MAX_SESSIONS",
    "PER_PAGE",
    "SERVICE_LABELS",
    "SUMMARY_FIELDS",
    "Conflict",
    "DirectoryEntry",
    "InvalidTransition",
    "NotFound",
    "Page",
    "ProfileData",
    "ReferralError",
    "ReferralInvalid",
    "Suggestion",
    "abandon",
    "accept",
    "can_correct_hours",
    "case_deadline",
    "case_referrals",
    "complete",
    "current_loads",
    "decline",
    "get_profile",
    "get_referral",
    "history_of",
    "list_referrals",
    "mark_updates_seen",
    "next_reference",
    "operator_updates",
    "operator_view",
    "person_closed",
    "record_attendance",
    "refer",
    "referral_summary",
    "result_options",
    "save_profile",
    "search_directory",
    "service_label",
    "service_types",
    "start",
    "step_label",
    "step_service_types",
    "suggest_operators",
    "tab_counts",
    "validate_profile",
    "withdraw",
]
