"""Reception's part of the data-subject rights: the retention duty after a certificate.

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
from integration_centre.privacy import retention, subject_data
from integration_centre.reception.models import Certificate

CERTIFICATE_SETTING = "RETENTION_CERTIFICATE_YEARS"


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


retention.register_category(
    "certificates", _l("Files with a certificate of attendance"), CERTIFICATE_SETTING, certificate_dates
)
subject_data.register("reception", holds=holds)


def export(person_id: uuid.UUID) -> dict:
    """The reception records of the person for an access request (RIGHTS-A)."""
    from integration_centre.reception.services import subject_export

    return subject_export(person_id)


subject_data.register("reception", export=export)
