"""The kept obligation status of a case and its explicit re-assessment (minimal version).

A case keeps the status decided when it opened (``assessed_status``, ``assessed_reason``,
``assessed_on``); only an explicit re-assessment, recorded on the timeline with its reason,
changes it. The rules branch owns the full version of this module; this one keeps its signature.
"""

from __future__ import annotations

from datetime import date

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway.eligibility import assess
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.reading import definition_of, facts_of, recorded_dispensations
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access


def reassess_case(
    actor: User, case: Case, reason: str, *, expected_version: int | None = None, on: date | None = None
) -> Case:
    """Recompute the case's obligation status for ``on`` (today) and keep it, with a timeline entry."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    on = on or clock.today()
    definition = definition_of(case)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "case.reassess", [case.person_id]):
        eligibility = assess(
            facts_of(newcomer), definition, on=on, dispensations=recorded_dispensations(newcomer.id, definition)
        )
    case.assessed_status = eligibility.basis_status.value
    case.assessed_reason = eligibility.reason_code
    case.assessed_on = on
    touch_case(case)
    timeline_entry(actor, case, "case.reassess", to_state=case.assessed_status, reason=reason)
    flush_or_conflict()
    return case
