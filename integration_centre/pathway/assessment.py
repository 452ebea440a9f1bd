"""The kept obligation status of a case: decided when the case opens, changed only by an explicit
re-assessment (recorded on the timeline with its reason).

Eligibility depends on the date (the three-year stay, the age): recomputed "for today", a person
obliged when the case opened becomes "outside the scope: long stay" three years after the permit,
and the certificate they then earn would be counted as "excluded". So the case keeps the status
of its opening in ``Case.assessed_status``/``assessed_reason``/``assessed_on``; every reader of a
case's status (statistics, deadlines, the case page) goes through ``kept_status``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway.eligibility import Eligibility, Status, assess
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.reading import definition_of, facts_of, recorded_dispensations
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, Participation
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case
from integration_centre.privacy.access import access
from integration_centre.privacy.context import current_actor

KEPT_STATUSES = ("obliged", "dispensed", "excluded", "voluntary")
# A reason code of a re-assessment (the timeline keeps it), e.g. ``file_corrected``,
# ``dispensation``, ``dispensation_revoked``: any short code the calling service names.
REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def assess_case(case: Case, newcomer: Newcomer, on: date) -> Eligibility:
    """The eligibility of the case's person on ``on`` under the case's definition, as a participant
    (call inside an access context naming the person)."""
    definition = definition_of(case)
    return assess(
        facts_of(newcomer),
        definition,
        on=on,
        dispensations=recorded_dispensations(newcomer.id, definition),
        participating=True,
    )


def store_assessment(case: Case, eligibility: Eligibility) -> None:
    """Keep ``eligibility`` as the case's obligation status (no flush, no timeline)."""
    case.assessed_status = eligibility.status.value
    case.assessed_reason = eligibility.reason_code
    case.assessed_on = eligibility.on


def kept_status(case: Case, actor: User | None = None) -> tuple[str, str | None]:
    """The case's kept status and reason code: the stored one, or for an older case without it
    the assessment on the day the case opened (read inside an audited access context)."""
    if case.assessed_status is not None:
        return case.assessed_status, case.assessed_reason
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor or current_actor(), "case.status", [case.person_id]):
        eligibility = assess_case(case, newcomer, case.opened_on)
    return eligibility.status.value, eligibility.reason_code


def is_obliged(case: Case) -> bool:
    """True when the pathway is compulsory for the case (only then has it deadlines).

    Without a stored status (an older case) the participation decided at opening answers, which
    came from the same assessment on the opening day: no decryption needed.
    """
    if case.assessed_status is not None:
        return case.assessed_status == Status.OBLIGED
    return case.participation == Participation.OBLIGED


def reassess_case(
    actor: User,
    case: Case,
    reason: str,
    *,
    expected_version: int | None = None,
    on: date | None = None,
) -> Case:
    """Assess the case's status again on ``on`` (today) and keep it: one timeline entry
    ``case.reassess`` with the reason and the statuses before and after, one transaction."""
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    if case.status not in ACTIVE_CASE_STATUSES:
        raise PathwayError(_("Only an active case can be assessed again."))
    if not reason or not REASON_CODE.fullmatch(reason):
        raise PathwayError(_("Choose why the case is assessed again."))
    apply_reassessment(actor, case, reason, on or clock.today(), always=True)
    flush_or_conflict()
    return case


def apply_reassessment(actor: User, case: Case, reason: str, on: date, *, always: bool = False) -> bool:
    """Assess the case again on ``on`` and keep the result, inside the caller's transaction (no
    flush, no permission check: the caller did them). The ``case.reassess`` timeline entry is
    written when the status or its reason changes (``always``: in any case). True when it changed.
    """
    before = kept_status(case, actor)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "case.reassess", [case.person_id]):
        eligibility = assess_case(case, newcomer, on)
    store_assessment(case, eligibility)
    case.participation = Participation.OBLIGED if eligibility.status == Status.OBLIGED else Participation.VOLUNTARY
    changed = before != (eligibility.status.value, eligibility.reason_code)
    if changed or always:
        touch_case(case)
        timeline_entry(
            actor, case, "case.reassess", from_state=before[0], to_state=eligibility.status.value, reason=reason
        )
    return changed
