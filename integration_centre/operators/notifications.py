"""Telling people about referral moves: the agents' operator updates and the organisations' e-mails (outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select

from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.clock import utcnow
from integration_centre.core.names import person_name
from integration_centre.extensions import db
from integration_centre.operators.directory import Page, get_profile, page_number
from integration_centre.operators.models import OutboxMessage, Referral, ReferralEvent, UpdatesSeen
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.fields import decrypt_rows, encrypted_rows_statement

_OPERATOR_EVENT = (ReferralEvent.office_id == bindparam("office_id"), ReferralEvent.actor_role == Role.OPERATOR.value)
_SEEN_AT = select(UpdatesSeen.seen_at).where(UpdatesSeen.user_id == bindparam("user_id")).scalar_subquery()
_UNSEEN = or_(_SEEN_AT.is_(None), ReferralEvent.at > _SEEN_AT)
# One row per referral with operator news: its latest event and how many of its events are unseen.
_GROUPED = (
    select(
        ReferralEvent.referral_id.label("referral_id"),
        func.max(ReferralEvent.at).label("latest_at"),
        func.count().label("events"),
        func.sum(case((_UNSEEN, 1), else_=0)).label("unseen"),
    )
    .where(*_OPERATOR_EVENT)
    .group_by(ReferralEvent.referral_id)
    .subquery()
)
# Built once (the dashboard shows this panel on every page load): only the values are bound per call.
_COUNTS = select(
    func.count(),
    func.coalesce(func.sum(case((_GROUPED.c.unseen > 0, 1), else_=0)), 0),
).select_from(_GROUPED)
PANEL_ENTRIES = 5  # referrals on the dashboard panel
EVENTS_PER_ENTRY = 3  # latest events summarised per referral
UPDATES_PER_PAGE = 20  # referrals per page of "all operator updates"
UPDATE_VIEWS = ("new", "all")


@dataclass
class UpdateEntry:
    """One referral with operator news: the person's name, its latest events (newest first)."""

    referral: Referral
    name: str
    latest_at: datetime
    events: list[ReferralEvent]
    more: int  # events of the referral not listed in ``events``
    unseen: int  # events the agent has not seen


def update_counts(actor: User) -> dict[str, int]:
    """How many referrals of the agent's office have operator news: unseen ("new") and in all."""
    if actor.role != Role.AGENT or actor.office_id is None:
        return {"new": 0, "all": 0}
    total, unseen = db.session.execute(_COUNTS, {"office_id": actor.office_id, "user_id": actor.id}).one()
    return {"new": int(unseen or 0), "all": int(total or 0)}


def updates_page(actor: User, *, view: str = "new", page=1, per_page: int = UPDATES_PER_PAGE, counts=None) -> Page:
    """The referrals of the agent's office with operator news, newest news first, one page of
    ``UpdateEntry``: only those with unseen news (``view`` "new") or all of them ("all").

    The page's total is the count the dashboard badge shows (``update_counts``), so the badge
    and this list always agree."""
    view = view if view in UPDATE_VIEWS else "new"
    counts = counts or update_counts(actor)
    number = page_number(page)
    if actor.role != Role.AGENT or actor.office_id is None or not counts[view]:
        return Page([], 0, 1, per_page)
    number = min(number, max(1, -(-counts[view] // per_page)))
    params = {"office_id": actor.office_id, "user_id": actor.id}
    query = select(_GROUPED).order_by(_GROUPED.c.latest_at.desc(), _GROUPED.c.referral_id.desc())
    if view == "new":
        query = query.where(_GROUPED.c.unseen > 0)
    rows = db.session.execute(query.offset((number - 1) * per_page).limit(per_page), params).all()
    return Page(_entries(actor, rows), counts[view], number, per_page)


def _entries(actor: User, rows) -> list[UpdateEntry]:
    if not rows:
        return []
    ids = [row.referral_id for row in rows]
    referrals = {
        r.id: r
        for r, _organisation in db.session.execute(
            select(Referral, OperatorOrganisation)
            .join(OperatorOrganisation, OperatorOrganisation.id == Referral.operator_id)
            .where(Referral.id.in_(ids))
        ).all()
    }
    events: dict = {referral_id: [] for referral_id in ids}
    for event in db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id.in_(ids), ReferralEvent.actor_role == Role.OPERATOR.value)
        .order_by(ReferralEvent.at.desc(), ReferralEvent.id.desc())
    ):
        if len(events[event.referral_id]) < EVENTS_PER_ENTRY:
            events[event.referral_id].append(event)
    names = person_names(actor, [r.person_id for r in referrals.values()])
    return [
        UpdateEntry(
            referral=referrals[row.referral_id],
            name=names.get(referrals[row.referral_id].person_id, "—"),
            latest_at=row.latest_at,
            events=events[row.referral_id],
            more=max(0, int(row.events) - len(events[row.referral_id])),
            unseen=int(row.unseen or 0),
        )
        for row in rows
        if row.referral_id in referrals
    ]


_NAME_FIELDS = ("family_name", "given_names")
_NAMES = encrypted_rows_statement(Newcomer, _NAME_FIELDS).where(Newcomer.id.in_(bindparam("ids", expanding=True)))


def person_names(actor: User, person_ids) -> dict:
    """Each person's display name, decrypted in one audited access (an agent of the referral's
    office may read it; erased persons have no name and are left out)."""
    person_ids = list(dict.fromkeys(person_ids))
    if not person_ids:
        return {}
    rows = db.session.connection().execute(_NAMES, {"ids": person_ids}).all()
    if not rows:
        return {}
    with access(actor, "referral.updates", [row.person_id for row in rows]):
        names = decrypt_rows(Newcomer, _NAME_FIELDS, rows)
    return {person_id: person_name(family, given) for person_id, (family, given) in names.items()}


def operator_updates(actor: User, *, limit: int = PANEL_ENTRIES) -> tuple[list[UpdateEntry], int]:
    """The latest referrals with operator news of the agent's office (one entry per referral),
    and how many referrals have unseen news (the badge; ``updates_page(view="new")`` lists them)."""
    counts = update_counts(actor)
    page = updates_page(actor, view="all", per_page=limit, counts=counts)
    return page.items, counts["new"]


def mark_updates_seen(actor: User) -> None:
    """Remember that the agent has seen the operator updates so far."""
    seen = db.session.get(UpdatesSeen, actor.id)
    if seen is None:
        db.session.add(UpdatesSeen(user_id=actor.id, seen_at=utcnow()))
    else:
        seen.seen_at = utcnow()
    db.session.flush()


# E-mail notifications (outbox)

EMAIL_SUBJECTS = {
    "send": _l("New referral %(reference)s"),
    "accept": _l("Referral %(reference)s accepted"),
    "decline": _l("Referral %(reference)s declined"),
    "start": _l("Referral %(reference)s started"),
    "complete": _l("Referral %(reference)s completed"),
    "abandon": _l("Referral %(reference)s abandoned"),
    "withdraw": _l("Referral %(reference)s withdrawn"),
}


def queue_email(referral: Referral, action: str) -> None:
    """Queue an e-mail when the organisation asked for notifications: reference only, no person data."""
    if action not in EMAIL_SUBJECTS or action == "attendance":
        return
    if action in ("send", "withdraw"):
        profile = get_profile(referral.operator_id)
        recipient = profile.contact_email if profile is not None and profile.notify_by_email else None
    else:
        recipient = None  # agents read operator updates on their dashboard
    if not recipient:
        return
    subject = str(EMAIL_SUBJECTS[action]) % {"reference": referral.reference}
    body = _(
        "Referral %(reference)s: %(what)s. Open the operator portal to see it; no personal data is sent by e-mail.",
        reference=referral.reference,
        what=str(EMAIL_SUBJECTS[action]) % {"reference": referral.reference},
    )
    db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body))
