"""Deadline extensions: the workspace's orchestration around pathway's extension rule (the dated record, the event)."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre import clock
from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.extensions import db
from integration_centre.pathway import reasons
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy.access import access
from integration_centre.workspace.errors import WorkspaceError
from integration_centre.workspace.models import DeadlineExtension
from integration_centre.workspace.schedule import clock_dates, sync_schedule


def extend_deadline(
    actor: User,
    case: Case,
    ground: str,
    months: int,
    *,
    note: str | None = None,
    on: date | None = None,
    expected_version: int | None = None,
    document: pathway.UploadedDocument | None = None,
) -> DeadlineExtension:
    """Extend the completion deadline by ``months`` on ``ground``: the orchestration around
    ``pathway.services.extend_deadline``, which is the one home of the rule (ground, months,
    version, extendable deadline; it writes the timeline entry). Around it, this records the
    previous and new dates with the agent (``DeadlineExtension``) and emits ``deadline_extended``
    (reason = ground); the arithmetic needs an active case with a known deadline. ``document``: the
    evidence a ground may require (stored with the case by the pathway rule)."""
    require(can_see_case(actor, case))
    on = on or clock.today()
    if case.status not in ACTIVE_CASE_STATUSES:
        raise WorkspaceError(_("Only an active case can have its deadline extended."))
    start_dates = clock_dates(actor, case)
    previous = pathway.deadline_date(case, start_dates, "completion")
    if previous is None:
        raise WorkspaceError(_("The deadline is unknown: enter the permit-order date in the person's file first."))
    pathway.extend_deadline(
        actor, case, ground, months, note=note, expected_version=expected_version, document=document
    )
    entry = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.case_id == case.id, TimelineEntry.action == "case.extend")
    ).all()
    new_deadline = pathway.deadline_date(case, start_dates, "completion")
    extension = DeadlineExtension(
        person_id=case.person_id,
        case_id=case.id,
        timeline_entry_id=max(entry, key=lambda e: e.at).id if entry else None,
        ground=reasons.coarse(ground),  # a health ground is kept coarse in clear, precise below
        months=months,
        previous_deadline=previous,
        new_deadline=new_deadline,
        granted_on=on,
        agent_id=actor.id,
    )
    detail = reasons.split(ground)[1]
    if note or detail:
        with access(actor, "deadline.extend", [case.person_id], action="update"):
            extension.note = note or None
            extension.ground_detail = detail
    db.session.add(extension)
    pathway.flush_or_conflict()
    pathway.emit_case_event(actor, case, "deadline_extended", on=on, reason=ground)
    sync_schedule(actor, case)
    return extension


def extension_grounds(actor: User, extensions: list[DeadlineExtension]) -> dict[uuid.UUID, str]:
    """{extension id: its precise ground}, decrypted for an agent who may see the case (audited)."""
    persons = {e.person_id for e in extensions}
    with access(actor, "case.view", persons):
        return {e.id: reasons.precise(e.ground, e.ground_detail) for e in extensions}


def extensions_of(case: Case) -> list[DeadlineExtension]:
    """The case's deadline extensions, latest first (agent loaded with them)."""
    return list(
        db.session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.case_id == case.id)
            .options(selectinload(DeadlineExtension.agent))
            .order_by(DeadlineExtension.created_at.desc())
        )
    )
