"""The pathway's part of the data-subject rights: legal holds, erasure clean-up, retention.

Registered with the privacy core (``privacy.subject_data``, ``privacy.retention``,
``privacy.erasure``); the privacy package never imports the pathway.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from integration_centre.db import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.models import Case, EvidenceDocument, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, CaseStatus
from integration_centre.privacy import erasure, retention, subject_data
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import DecryptionError

CLOSED_SETTING = "RETENTION_CLOSED_CASE_YEARS"
CERTIFICATE_SETTING = "RETENTION_CERTIFICATE_YEARS"
UNFINISHED_SETTING = "RETENTION_UNFINISHED_MONTHS"


# --- Retention --------------------------------------------------------------------------------


def _end_date(case: Case) -> date:
    return case.ended_on or case.last_change_at.date()


def _keep_until(cases: list[Case]) -> tuple[date, Case] | None:
    """The date the person's file may be erased (all cases ended), with the case that sets it."""
    if not cases or any(c.status in ACTIVE_CASE_STATUSES for c in cases):
        return None
    best = None
    for case in cases:
        setting = CERTIFICATE_SETTING if case.status == CaseStatus.COMPLETED else CLOSED_SETTING
        until = add_months(_end_date(case), 12 * retention.period(setting))
        if best is None or until > best[0]:
            best = (until, case)
    return best


def _cases_by_person() -> dict[uuid.UUID, list[Case]]:
    grouped: dict[uuid.UUID, list[Case]] = {}
    for case in db.session.scalars(select(Case).order_by(Case.person_id)):
        grouped.setdefault(case.person_id, []).append(case)
    return grouped


def ended_cases_due(until: date) -> Iterator[retention.RetentionItem]:
    """Persons whose every case ended and whose longest retention period ends by ``until``."""
    for person_id, cases in _cases_by_person().items():
        kept = _keep_until(cases)
        if kept is None or kept[0] > until:
            continue
        until_date, case = kept
        if case.status == CaseStatus.COMPLETED:
            reason = _(
                "Pathway completed (certificate) on %(date)s; files are kept %(years)s years.",
                date=format_date(_end_date(case)),
                years=retention.period(CERTIFICATE_SETTING),
            )
            category = "certificate"
        else:
            reason = _(
                "Last case ended on %(date)s; files are kept %(years)s years.",
                date=format_date(_end_date(case)),
                years=retention.period(CLOSED_SETTING),
            )
            category = "case_closed"
        yield retention.RetentionItem(person_id, category, until_date, reason)


def unfinished_registrations_due(until: date) -> Iterator[retention.RetentionItem]:
    """Persons registered without any case, whose registration is older than the period."""
    months = retention.period(UNFINISHED_SETTING)
    has_case = select(Case.id).where(Case.person_id == Newcomer.id).exists()
    rows = db.session.execute(select(Newcomer.id, Newcomer.created_at).where(~has_case).order_by(Newcomer.id))
    for person_id, created_at in rows:
        registered: date = created_at.date() if isinstance(created_at, datetime) else created_at
        due_on = add_months(registered, months)
        if due_on <= until:
            reason = _(
                "Registered on %(date)s and no case was ever opened; kept %(months)s months.",
                date=format_date(registered),
                months=months,
            )
            yield retention.RetentionItem(person_id, "unfinished_registration", due_on, reason)


retention.register_category(
    "ended_cases", _l("Files whose cases all ended (closure or certificate)"), CLOSED_SETTING, ended_cases_due
)
retention.register_category(
    "unfinished_registrations", _l("Registrations that never became a case"), UNFINISHED_SETTING,
    unfinished_registrations_due,
)  # fmt: skip


# --- Legal holds and erasure ------------------------------------------------------------------


def holds(person_id: uuid.UUID) -> list[str]:
    """Open cases and the retention duty after a case ended forbid erasure."""
    cases = list(db.session.scalars(select(Case).where(Case.person_id == person_id)))
    reasons = []
    active = [c for c in cases if c.status in ACTIVE_CASE_STATUSES]
    if active:
        reasons.append(
            _("The person has %(count)s case(s) still open: close them before erasing the file.", count=len(active))
        )
    kept = _keep_until(cases)
    if kept is not None and kept[0] > utcnow().date():
        reasons.append(
            _("The centre must keep this file until %(date)s (retention duty).", date=format_date(kept[0]))
        )
    return reasons


def erase(person_id: uuid.UUID) -> None:
    """Delete the person's encrypted evidence documents (the rest is NULLed by the privacy core)."""
    db.session.execute(delete(EvidenceDocument).where(EvidenceDocument.person_id == person_id))


def describe(person_id: uuid.UUID, actor) -> str | None:
    """Name and birth date of the person, for the erasure confirmation page (audited read)."""
    newcomer = db.session.get(Newcomer, person_id)
    if newcomer is None or erasure.erased_on(person_id) is not None:
        return None
    try:
        with access(actor, "erasure.confirm", [person_id]):
            name = " ".join(p for p in (newcomer.given_names, newcomer.family_name) if p)
            born = newcomer.date_of_birth
    except DecryptionError:
        return None
    return f"{name} ({format_date(born)})" if born else name


erasure.register_describer(describe)
subject_data.register("pathway", holds=holds, erase=erase)
