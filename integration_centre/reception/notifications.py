"""The notifications to third parties (municipality, CPAS): the office's outbox and what is sent."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.registration import ensure_writable
from integration_centre.privacy.access import access
from integration_centre.reception.certificates import active_certificate
from integration_centre.reception.common import ReceptionInvalid, case_in_reach
from integration_centre.reception.labels import RECIPIENTS
from integration_centre.reception.models import ThirdPartyNotification


def queue_notification(actor: User, case: Case, recipient: str) -> ThirdPartyNotification:
    """Put a notification to the municipality or the CPAS in the office's outbox.

    Minimal data only, frozen when queued: name, NISS, agreement signed (yes/no), certificate
    issued (yes/no).
    """
    case_in_reach(actor, case)
    if recipient not in RECIPIENTS:
        raise ReceptionInvalid({"recipient": _("Choose the municipality or the CPAS.")})
    ensure_writable(case.person_id)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.notification", [case.person_id], action="update"):
        payload = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "niss": newcomer.niss,
            "agreement": case.agreement_signed_on is not None,
            "certificate": active_certificate(case) is not None,
        }
        notification = ThirdPartyNotification(
            person_id=case.person_id,
            case_id=case.id,
            office_id=case.office_id,
            recipient=recipient,
            created_by_id=actor.id,
            queued_at=utcnow(),
        )
        notification.payload = payload
    db.session.add(notification)
    pathway.add_timeline_entry(actor, case, "notification.queue", reason=recipient)
    pathway.flush_or_conflict()
    return notification


def outbox(actor: User, *, recipient: str | None = None, sent: bool = False, page: int = 1, per_page: int = 25):
    """The office's notifications (pending or sent), newest first, paginated: (rows, total)."""
    require(actor.office_id is not None)
    query = select(ThirdPartyNotification).where(ThirdPartyNotification.office_id == actor.office_id)
    if recipient in RECIPIENTS:
        query = query.where(ThirdPartyNotification.recipient == recipient)
    query = query.where(
        ThirdPartyNotification.sent_at.is_not(None) if sent else ThirdPartyNotification.sent_at.is_(None)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(ThirdPartyNotification.queued_at.desc(), ThirdPartyNotification.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return rows, total


def notification_rows(actor: User, notifications: list[ThirdPartyNotification]) -> list[dict]:
    """The decrypted minimal data of ``notifications`` (agents of their office; audited)."""
    for item in notifications:
        require(item.office_id == actor.office_id and actor.office_id is not None)
    if not notifications:
        return []
    with access(actor, "reception.notification", list({n.person_id for n in notifications}), action="export"):
        return [
            {
                "id": n.id,
                "case_id": n.case_id,
                "recipient": n.recipient,
                "queued_at": n.queued_at,
                "sent_at": n.sent_at,
                **n.payload,
            }
            for n in notifications
        ]


def pending_for(actor: User, recipient: str) -> list[ThirdPartyNotification]:
    """Every pending notification of the office for ``recipient`` (oldest first)."""
    require(actor.office_id is not None and recipient in RECIPIENTS)
    return list(
        db.session.scalars(
            select(ThirdPartyNotification)
            .where(
                ThirdPartyNotification.office_id == actor.office_id,
                ThirdPartyNotification.recipient == recipient,
                ThirdPartyNotification.sent_at.is_(None),
            )
            .order_by(ThirdPartyNotification.queued_at, ThirdPartyNotification.id)
        )
    )


def mark_sent(actor: User, notifications: list[ThirdPartyNotification]) -> int:
    """Mark pending notifications as sent (timeline entry on each case); returns how many."""
    count = 0
    for item in notifications:
        require(item.office_id == actor.office_id and actor.office_id is not None)
        if item.sent_at is not None:
            continue
        item.sent_at = utcnow()
        item.sent_by_id = actor.id
        case = db.session.get(Case, item.case_id)
        pathway.timeline_entry(actor, case, "notification.sent", reason=item.recipient)
        count += 1
    pathway.flush_or_conflict()
    return count


def notifications_of(actor: User, case: Case) -> list[ThirdPartyNotification]:
    """The case's notifications, newest first."""
    case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(ThirdPartyNotification)
            .where(ThirdPartyNotification.case_id == case.id)
            .order_by(ThirdPartyNotification.queued_at.desc())
        )
    )
