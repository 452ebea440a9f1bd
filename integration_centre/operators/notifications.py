"""Telling people about referral moves: the agents' operator updates and the organisations' e-mails (outbox)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select

from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators.directory import get_profile
from integration_centre.operators.models import OutboxMessage, Referral, ReferralEvent, UpdatesSeen

_OPERATOR_EVENT = (ReferralEvent.office_id == bindparam("office_id"), ReferralEvent.actor_role == Role.OPERATOR.value)
_SEEN_AT = select(UpdatesSeen.seen_at).where(UpdatesSeen.user_id == bindparam("user_id")).scalar_subquery()
# Built once (the dashboard shows this panel on every page load): only the values are bound per call.
_UNSEEN_COUNT = (
    select(func.count())
    .select_from(ReferralEvent)
    .where(*_OPERATOR_EVENT, or_(_SEEN_AT.is_(None), ReferralEvent.at > _SEEN_AT))
)
_LATEST_UPDATES = (
    select(ReferralEvent, Referral, OperatorOrganisation)
    .join(Referral, Referral.id == ReferralEvent.referral_id)
    .join(OperatorOrganisation, OperatorOrganisation.id == Referral.operator_id)
    .where(*_OPERATOR_EVENT)
    .order_by(ReferralEvent.at.desc())
    .limit(bindparam("limit"))
)


def operator_updates(actor: User, *, limit: int = 10) -> tuple[list[tuple[ReferralEvent, Referral]], int]:
    """The latest operator updates on referrals of the agent's office, and how many are unseen."""
    if actor.role != Role.AGENT or actor.office_id is None:
        return [], 0
    unseen = db.session.scalar(_UNSEEN_COUNT, {"office_id": actor.office_id, "user_id": actor.id}) or 0
    rows = db.session.execute(_LATEST_UPDATES, {"office_id": actor.office_id, "limit": limit}).all()
    # The organisation is loaded with the row, so ``referral.operator`` needs no further query.
    return [(event, referral) for event, referral, _organisation in rows], unseen


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
