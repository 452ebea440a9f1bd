"""The pathway's public service interface (a facade): every rule lives in the sub-domain modules.

Each transition (``cases``, ``steps``, ``dispensations``, ``deadlines``) checks permission (404
when the object is out of reach), checks the move (``states``) and its guards, applies it, writes
ONE timeline entry (``timeline``) and queues ONE domain event (``case_events``), then flushes. It
never commits: the caller commits once. A refused move raises ``PathwayError`` before anything is
modified; ``PathwayConflict`` when another session saved the same case meanwhile (the caller rolls
back).
"""

from __future__ import annotations

from integration_centre.i18n import current_language
from integration_centre.pathway.assessment import is_obliged, kept_status, reassess_case
from integration_centre.pathway.case_events import (
    CASE_EVENT,
    STEP_EVENT,
    emit_case_event,
    emit_transition_event,
    statistical_attributes,
)
from integration_centre.pathway.cases import case_completion_problem, open_case, set_needs, transition_case
from integration_centre.pathway.certification import (
    BASIS_LABELS,
    DECLARATION_OF_EFFORT,
    certificate_basis,
    check_certifiable,
    declare_effort,
    effort_declared,
    unmet_results,
)
from integration_centre.pathway.civic_formats import (
    CIVIC_FORMAT_LABELS,
    civic_format_hint,
    civic_format_warning,
    fitting_civic_format,
    last_positioning_level,
)
from integration_centre.pathway.deadlines import deadline_date, extend_deadline
from integration_centre.pathway.dispensations import dispensations_of, record_dispensation, revoke_dispensation
from integration_centre.pathway.documents import (
    ALLOWED_DOCUMENT_TYPES,
    DOCUMENT_KINDS,
    UploadedDocument,
    documents_of,
    max_document_bytes,
    read_document,
    read_upload,
    store_document,
)
from integration_centre.pathway.labels import (
    ACTION_LABELS,
    CLOSURE_REASONS,
    EXEMPTION_REASONS,
    STATE_LABELS,
    STATUS_LABELS,
    SUSPENSION_REASONS,
)
from integration_centre.pathway.reading import (
    DEFAULT_JURISDICTION,
    applicable_definition,
    centre_jurisdiction,
    definition_of,
    eligibility_for,
    facts_of,
    get_case,
    jurisdictions,
    newcomer_summary,
    recorded_dispensations,
)
from integration_centre.pathway.steps import (
    PASS_FAIL,
    StepChange,
    agreement_step,
    complete_step,
    missing_evidence,
    not_to_do,
    record_attendance,
    set_referred_hours,
    step_change_problems,
    step_required,
    steps_still_to_do,
    transition_step,
    waiting_for,
)
from integration_centre.pathway.timeline import (
    add_timeline_entry,
    check_version,
    conflict_message,
    flush_or_conflict,
    timeline_entry,
    touch_case,
)
from integration_centre.pathway.transfers import successor_case

__all__ = [
    "ACTION_LABELS",
    "ALLOWED_DOCUMENT_TYPES",
    "BASIS_LABELS",
    "CASE_EVENT",
    "CIVIC_FORMAT_LABELS",
    "CLOSURE_REASONS",
    "DECLARATION_OF_EFFORT",
    "DEFAULT_JURISDICTION",
    "DOCUMENT_KINDS",
    "EXEMPTION_REASONS",
    "PASS_FAIL",
    "STATE_LABELS",
    "STATUS_LABELS",
    "STEP_EVENT",
    "SUSPENSION_REASONS",
    "StepChange",
    "UploadedDocument",
    "add_timeline_entry",
    "agreement_step",
    "applicable_definition",
    "case_completion_problem",
    "centre_jurisdiction",
    "certificate_basis",
    "check_certifiable",
    "check_version",
    "civic_format_hint",
    "civic_format_warning",
    "complete_step",
    "conflict_message",
    "current_language",
    "deadline_date",
    "declare_effort",
    "definition_of",
    "dispensations_of",
    "documents_of",
    "effort_declared",
    "eligibility_for",
    "emit_case_event",
    "emit_transition_event",
    "extend_deadline",
    "facts_of",
    "fitting_civic_format",
    "flush_or_conflict",
    "get_case",
    "is_obliged",
    "jurisdictions",
    "kept_status",
    "last_positioning_level",
    "max_document_bytes",
    "missing_evidence",
    "newcomer_summary",
    "not_to_do",
    "open_case",
    "read_document",
    "read_upload",
    "reassess_case",
    "record_attendance",
    "record_dispensation",
    "recorded_dispensations",
    "revoke_dispensation",
    "set_needs",
    "set_referred_hours",
    "statistical_attributes",
    "step_change_problems",
    "step_required",
    "steps_still_to_do",
    "store_document",
    "successor_case",
    "timeline_entry",
    "touch_case",
    "transition_case",
    "transition_step",
    "unmet_results",
    "waiting_for",
]
