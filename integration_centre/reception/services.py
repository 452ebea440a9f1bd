"""The reception module's public service interface (a facade over its sub-domain modules)."""

from __future__ import annotations

from integration_centre.reception.agreement import agreement_content, sign_agreement
from integration_centre.reception.assessment import (
    assessment_for,
    get_assessment,
    record_assessment,
    validate_assessment,
)
from integration_centre.reception.certificates import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Verification,
    _new_code,
    active_certificate,
    certificate_content,
    certificate_missing_steps,
    certificates_of,
    format_code,
    get_certificate,
    issue_certificate,
    normalise_code,
    revoke_certificate,
    verify,
)
from integration_centre.reception.common import (
    ADMIN_HELP_STEPS,
    ASSESSMENT_STEPS,
    COMBINED_STEP,
    LANGUAGE_STEPS,
    MAX_DETAIL,
    MAX_NOTES,
    MAX_TITLE,
    RIGHTS_STEPS,
    ReceptionInvalid,
)
from integration_centre.reception.labels import (
    DOMAIN_LABELS,
    NEED_LABELS,
    RECIPIENTS,
    REVOCATION_REASONS,
    SESSION_FORMATS,
    SESSION_THEMES,
    TASK_KINDS,
)
from integration_centre.reception.notifications import (
    mark_sent,
    notification_rows,
    notifications_of,
    outbox,
    pending_for,
    queue_notification,
)
from integration_centre.reception.positioning import record_positioning_test, tests_of
from integration_centre.reception.sessions import record_session, sessions_of
from integration_centre.reception.subject_data import subject_export
from integration_centre.reception.tasks import add_task, complete_task, get_task, tasks_of

__all__ = [
    "ADMIN_HELP_STEPS",
    "ASSESSMENT_STEPS",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "COMBINED_STEP",
    "DOMAIN_LABELS",
    "LANGUAGE_STEPS",
    "MAX_DETAIL",
    "MAX_NOTES",
    "MAX_TITLE",
    "NEED_LABELS",
    "RECIPIENTS",
    "REVOCATION_REASONS",
    "RIGHTS_STEPS",
    "SESSION_FORMATS",
    "SESSION_THEMES",
    "TASK_KINDS",
    "ReceptionInvalid",
    "Verification",
    "_new_code",
    "active_certificate",
    "add_task",
    "agreement_content",
    "assessment_for",
    "certificate_content",
    "certificate_missing_steps",
    "certificates_of",
    "complete_task",
    "format_code",
    "get_assessment",
    "get_certificate",
    "get_task",
    "issue_certificate",
    "mark_sent",
    "normalise_code",
    "notification_rows",
    "notifications_of",
    "outbox",
    "pending_for",
    "queue_notification",
    "record_assessment",
    "record_positioning_test",
    "record_session",
    "revoke_certificate",
    "sessions_of",
    "sign_agreement",
    "subject_export",
    "tasks_of",
    "tests_of",
    "validate_assessment",
    "verify",
]
