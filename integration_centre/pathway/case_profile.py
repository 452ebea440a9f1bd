"""A case's profile for the statistics the centres publish: entry service, purpose, new or follow-up file.

The entry service (``entry_channel``: who sent the person) and the purpose (why they follow the
pathway: the legal obligation, a proof for a nationality declaration…) are chosen from the code
lists of ``pathway.labels`` when the case is opened (``cases.open_case``) and may be corrected on
the case page (``set_case_profile``). Both are optional: a case without them counts as "unknown".

The domain events carry them with the person's attributes (``case_events.statistical_attributes``)
together with the kind of file (``file_kind``): ``new`` when the person had no earlier case,
``follow_up`` when an earlier case of theirs was completed, closed or transferred before this one
opened. A transferred case's continuation keeps the opening date of the case it continues, so a
transfer never turns a file into a follow-up. The statistics take the values of each event as it
happens: a correction applies to the events after it (a fact is never rewritten).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.labels import ENTRY_CHANNELS, PURPOSES
from integration_centre.pathway.models import Case
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import CaseStatus
from integration_centre.pathway.timeline import check_version, flush_or_conflict, timeline_entry, touch_case

FILE_NEW = "new"
FILE_FOLLOW_UP = "follow_up"
ENDED_STATUSES = (CaseStatus.COMPLETED, CaseStatus.CLOSED, CaseStatus.TRANSFERRED)


def check_profile(entry_channel: str | None, purpose: str | None) -> None:
    """Refuse a value outside the code lists (``PathwayError`` naming the fields); None is allowed."""
    errors = {}
    if entry_channel is not None and entry_channel not in ENTRY_CHANNELS:
        errors["entry_channel"] = _("Choose the entry service from the list.")
    if purpose is not None and purpose not in PURPOSES:
        errors["purpose"] = _("Choose the purpose from the list.")
    if errors:
        raise PathwayError(" ".join(errors.values()), code="invalid", field_errors=errors)


def set_case_profile(
    actor: User,
    case: Case,
    *,
    entry_channel: str | None,
    purpose: str | None,
    expected_version: int | None = None,
) -> Case:
    """Record or correct the entry service and the purpose of ``case`` (agent who may see it).

    The timeline notes which of the two changed (never a value); nothing is written when neither
    changed. Flushes, never commits.
    """
    require(can_see_case(actor, case))
    ensure_writable(case.person_id)
    check_version(case, expected_version)
    check_profile(entry_channel, purpose)
    changed = [
        name for name, value in (("entry_channel", entry_channel), ("purpose", purpose)) if getattr(case, name) != value
    ]
    if not changed:
        return case
    case.entry_channel = entry_channel
    case.purpose = purpose
    touch_case(case)
    timeline_entry(actor, case, "case.profile", reason=",".join(changed))
    flush_or_conflict()
    return case


def file_kind(case: Case) -> str:
    """``follow_up`` when the person has an earlier case that ended (completed, closed or
    transferred) and was opened before ``case``; else ``new``."""
    earlier = db.session.scalar(
        select(Case.id)
        .where(
            Case.person_id == case.person_id,
            Case.id != case.id,
            Case.status.in_(ENDED_STATUSES),
            Case.opened_on < case.opened_on,
        )
        .limit(1)
    )
    return FILE_NEW if earlier is None else FILE_FOLLOW_UP
