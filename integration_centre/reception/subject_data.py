"""Reception's part of the data-subject rights: certificate retention, legal hold, access export.

A certificate of attendance is kept (with the file) ``RETENTION_CERTIFICATE_YEARS`` after it was
issued; until then an erasure is refused and the retention run leaves the file alone. The
encrypted reception rows (assessment, tests, notifications, certificate snapshot) are emptied by
the privacy core's generic scrubbing; a certificate keeps only what ``/verify/<code>`` shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.dates import add_months
from integration_centre.privacy import person_merge, retention, subject_data
from integration_centre.reception.certificates import format_code
from integration_centre.reception.models import (
    ASSESSMENT_DOMAINS,
    Certificate,
    InformationSession,
    PositioningTest,
    ProcedureTask,
    SocialAssessment,
    ThirdPartyNotification,
)

CERTIFICATE_SETTING = "RETENTION_CERTIFICATE_YEARS"


def register() -> None:
    """Register the certificates' retention category, the legal hold and the access export."""
    retention.register_category(
        "certificates", _l("Files with a certificate of attendance"), CERTIFICATE_SETTING, certificate_dates
    )
    subject_data.register("reception", holds=holds, export=subject_export)
    person_merge.register_person_merge("reception", merge_person)


def merge_person(_actor, removed_id: uuid.UUID, kept_id: uuid.UUID) -> dict[str, int]:
    """Move the reception rows of a merged-away file to the kept one (re-encrypted)."""
    moved = 0
    for model in (SocialAssessment, InformationSession, PositioningTest, ProcedureTask, Certificate):
        moved += person_merge.move_rows(model, removed_id, kept_id)
    notifications = person_merge.move_rows(ThirdPartyNotification, removed_id, kept_id)
    return {"reception": moved, "notifications": notifications}


def _kept_until(issued_on):
    return add_months(issued_on, 12 * retention.period(CERTIFICATE_SETTING))


def certificate_dates() -> Iterator[retention.RetentionItem]:
    """Persons with a valid certificate: kept a number of years after its issue."""
    rows = db.session.execute(
        select(Certificate.person_id, Certificate.issued_on).where(Certificate.revoked_at.is_(None))
    ).all()
    for person_id, issued_on in rows:
        reason = _(
            "Certificate of attendance issued on %(date)s; files are kept %(years)s years.",
            date=format_date(issued_on),
            years=retention.period(CERTIFICATE_SETTING),
        )
        yield retention.RetentionItem(person_id, "certificate", _kept_until(issued_on), reason)


def holds(person_id: uuid.UUID) -> list[str]:
    """A valid certificate whose retention period is still running forbids erasure."""
    today = utcnow().date()
    issued = db.session.scalars(
        select(Certificate.issued_on).where(Certificate.person_id == person_id, Certificate.revoked_at.is_(None))
    ).all()
    until = max((_kept_until(day) for day in issued), default=None)
    if until is None or until <= today:
        return []
    return [_("A certificate of attendance was issued: the centre must keep this file until %(date)s.",
              date=format_date(until))]  # fmt: skip


def subject_export(person_id) -> dict:
    """Everything the reception module holds about the person, decrypted, as plain data.

    Called by the privacy core's access export inside an access context naming the person.
    """

    def day(value) -> str | None:
        return value.isoformat() if value is not None else None

    def rows(model, order):
        return db.session.scalars(select(model).where(model.person_id == person_id).order_by(order)).all()

    assessments = [
        {
            "case_id": str(a.case_id),
            "assessed_on": day(a.assessed_on),
            "needs": {domain: getattr(a, domain) for domain in ASSESSMENT_DOMAINS if getattr(a, domain)},
            "notes": a.notes,
        }
        for a in rows(SocialAssessment, SocialAssessment.assessed_on)
    ]
    sessions = [
        {
            "held_on": day(s.held_on),
            "format": s.format,
            "themes": list(s.themes or []),
            "hours": str(s.hours),
            "language": s.language,
            "interpreter": s.interpreter,
        }
        for s in rows(InformationSession, InformationSession.held_on)
    ]
    tests = [
        {"tested_on": day(t.tested_on), "level": t.level, "note": t.note}
        for t in rows(PositioningTest, PositioningTest.tested_on)
    ]
    tasks = [
        {"kind": t.kind, "title": t.title, "due_on": day(t.due_on), "done_on": day(t.done_on)}
        for t in rows(ProcedureTask, ProcedureTask.created_at)
    ]
    certificates = [
        {
            "verification_code": format_code(c.code),
            "issued_on": day(c.issued_on),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revocation_reason": c.revocation_reason,
            "content": c.snapshot,
        }
        for c in rows(Certificate, Certificate.issued_on)
    ]
    notifications = [
        {
            "recipient": n.recipient,
            "queued_at": n.queued_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            "data_sent": n.payload,
        }
        for n in rows(ThirdPartyNotification, ThirdPartyNotification.queued_at)
    ]
    found = {
        "social_assessments": assessments,
        "information_sessions": sessions,
        "positioning_tests": tests,
        "procedure_tasks": tasks,
        "certificates": certificates,
        "third_party_notifications": notifications,
    }
    return {key: value for key, value in found.items() if value}
