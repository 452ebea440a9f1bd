"""The workspace's public service interface (a facade): the rules live in the sub-domain modules."""

from __future__ import annotations

from integration_centre.workspace.calculator import VersionDeadlines, calculate, deadlines_for
from integration_centre.workspace.casefile import documents_of, timeline_of
from integration_centre.workspace.dashboard import (
    COUNT_CAP,
    PAGE_SIZE,
    SORT_LABELS,
    SORTS,
    VIEW_LABELS,
    VIEWS,
    Dashboard,
    DashboardQuery,
    DashboardRow,
    dashboard,
    definition_versions,
    display_names,
)
from integration_centre.workspace.deadlines import extend_deadline, extension_grounds, extensions_of
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.evaluations import interviews_of, record_evaluation
from integration_centre.workspace.noncompliance import (
    NONCOMPLIANCE_LABELS,
    OUTCOME_LABELS,
    procedures_of,
    record_compliance,
    record_outcome,
    refer_to_administration,
    send_notice,
)
from integration_centre.workspace.schedule import (
    Schedule,
    compute_schedule,
    evaluation_interval,
    next_evaluation,
    open_procedure,
    sync_schedule,
)
from integration_centre.workspace.search import SearchResult, search_persons, validate_search

__all__ = [
    "COUNT_CAP",
    "NONCOMPLIANCE_LABELS",
    "OUTCOME_LABELS",
    "PAGE_SIZE",
    "SORTS",
    "SORT_LABELS",
    "VIEWS",
    "VIEW_LABELS",
    "Dashboard",
    "DashboardQuery",
    "DashboardRow",
    "Schedule",
    "SearchResult",
    "VersionDeadlines",
    "WorkspaceError",
    "calculate",
    "compute_schedule",
    "dashboard",
    "deadlines_for",
    "definition_versions",
    "display_names",
    "documents_of",
    "evaluation_interval",
    "extend_deadline",
    "extension_grounds",
    "extensions_of",
    "interviews_of",
    "next_evaluation",
    "open_procedure",
    "procedures_of",
    "record_compliance",
    "record_evaluation",
    "record_outcome",
    "refer_to_administration",
    "search_persons",
    "send_notice",
    "sync_schedule",
    "timeline_of",
    "validate_search",
]
