"""The register of data-subject requests (GDPR Art. 12): one month to answer, extendable.

The DPO is represented by the admin role: admins record and handle the requests. Free text
(details, extension reason, answer) is encrypted under the person's key. Every change is
audited (object type ``subject_request``). Services flush, never commit.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from integration_centre import clock
from integration_centre.extensions import db
from integration_centre.privacy import audit, subject_data
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import PrivacyRefusal
from integration_centre.rights.errors import RequestInvalid
from integration_centre.rights.models import (
    OPEN_STATUSES,
    REQUEST_CHANNELS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    SubjectRequest,
)

ANSWER_MONTHS = 1
MAX_EXTENSION_MONTHS = 2  # Art. 12(3): "extended by two further months where necessary"
PURPOSE = "rights.register"

KIND_LABELS = {
    "access": _l("Access (Art. 15)"),
    "rectification": _l("Rectification (Art. 16)"),
    "erasure": _l("Erasure (Art. 17)"),
    "restriction": _l("Restriction (Art. 18)"),
    "portability": _l("Portability (Art. 20)"),
    "objection": _l("Objection (Art. 21)"),
}
STATUS_LABELS = {
    "received": _l("Received"),
    "in_progress": _l("In progress"),
    "extended": _l("Extended"),
    "answered": _l("Answered"),
    "refused": _l("Refused"),
}


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _next_reference(year: int) -> str:
    prefix = f"DSR-{year}-"
    count = db.session.scalar(select(func.count()).where(SubjectRequest.reference.like(prefix + "%"))) or 0
    return f"{prefix}{count + 1:04d}"


def record_request(
    actor: Any,
    person_id: uuid.UUID,
    kind: str,
    received_on: date,
    *,
    details: str | None = None,
    today: date | None = None,
    channel: str | None = None,
) -> SubjectRequest:
    """Record a request received on ``received_on``; its deadline is one month later.

    ``channel``: None when recorded at the desk, ``"space"`` when the person filed it in their own
    space."""
    today = today or clock.today()
    errors = {}
    if kind not in REQUEST_KINDS:
        errors["kind"] = _("Choose the kind of request.")
    if received_on is None:
        errors["received_on"] = _("Enter the date the request was received.")
    elif received_on > today:
        errors["received_on"] = _("The date of receipt cannot be in the future.")
    elif received_on < add_months(today, -12):
        errors["received_on"] = _("The date of receipt is more than a year ago: check the year.")
    if channel is not None and channel not in REQUEST_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if details and len(details) > 4000:
        errors["details"] = _("The details are too long (4000 characters at most).")
    if errors:
        raise RequestInvalid(errors)
    item = SubjectRequest(
        id=uuid.uuid4(),
        person_id=person_id,
        reference=_next_reference(received_on.year),
        kind=kind,
        status="received",
        received_on=received_on,
        due_on=add_months(received_on, ANSWER_MONTHS),
        recorded_by_id=_actor_id(actor),
        channel=channel,
    )
    db.session.add(item)
    if details and details.strip():
        with access(actor, PURPOSE, [person_id], action="create"):
            item.details = details.strip()
    db.session.flush()
    audit.record("create", "subject_request", str(item.id), purpose=PURPOSE, actor=actor)
    return item


def start(actor: Any, item: SubjectRequest) -> SubjectRequest:
    """Mark a received request as being handled."""
    if item.status != "received":
        raise PrivacyRefusal(_("Only a request just received can be started."))
    item.status = "in_progress"
    audit.record("update", "subject_request", str(item.id), purpose=PURPOSE, actor=actor)
    db.session.flush()
    return item


def extend(actor: Any, item: SubjectRequest, months: int, reason: str) -> SubjectRequest:
    """Extend the deadline by ``months`` (two months at most in all), with a reason."""
    errors = {}
    if not item.is_open:
        raise PrivacyRefusal(_("This request is closed: its deadline cannot be extended."))
    if months not in (1, 2) or item.extended_months + months > MAX_EXTENSION_MONTHS:
        errors["months"] = _(
            "The deadline can be extended by two further months at most (already extended by %(months)s).",
            months=item.extended_months,
        )
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the extension (it is told to the person).")
    if errors:
        raise RequestInvalid(errors)
    item.extended_months += months
    item.due_on = add_months(item.received_on, ANSWER_MONTHS + item.extended_months)
    item.status = "extended"
    with access(actor, PURPOSE, [item.person_id], action="update"):
        previous = item.extension_reason
        item.extension_reason = (previous + "\n" if previous else "") + reason.strip()
    audit.record("extend", "subject_request", str(item.id), purpose=PURPOSE, actor=actor)
    db.session.flush()
    return item


def close(actor: Any, item: SubjectRequest, status: str, answer: str, *, today: date | None = None) -> SubjectRequest:
    """Close the request as answered or refused, with the answer given to the person."""
    errors = {}
    if not item.is_open:
        raise PrivacyRefusal(_("This request is already closed."))
    if status not in ("answered", "refused"):
        errors["status"] = _("Choose whether the request was answered or refused.")
    if not (answer or "").strip():
        errors["answer"] = _("Write the answer given to the person (for a refusal, the reason).")
    if errors:
        raise RequestInvalid(errors)
    item.status = status
    item.closed_on = today or clock.today()
    from integration_centre.privacy.erasure import erased_on

    if erased_on(item.person_id) is None:  # an erased person's key is gone: no answer is kept then
        with access(actor, PURPOSE, [item.person_id], action="update"):
            item.answer = answer.strip()
    audit.record("close", "subject_request", str(item.id), purpose=PURPOSE, actor=actor)
    db.session.flush()
    return item


@dataclass
class RequestFilter:
    """Filters of the register."""

    status: str | None = None  # a status, "open" or "overdue"
    kind: str | None = None
    sort: str = "due_on"  # "due_on" | "received_on" | "reference"


def filtered_query(filters: RequestFilter, *, today: date | None = None) -> Select:
    """The register's query: filtered and sorted (by deadline: open requests first, the most urgent on top)."""
    today = today or clock.today()
    query = select(SubjectRequest)
    if filters.status == "open":
        query = query.where(SubjectRequest.status.in_(OPEN_STATUSES))
    elif filters.status == "overdue":
        query = query.where(SubjectRequest.status.in_(OPEN_STATUSES), SubjectRequest.due_on < today)
    elif filters.status in REQUEST_STATUSES:
        query = query.where(SubjectRequest.status == filters.status)
    if filters.kind in REQUEST_KINDS:
        query = query.where(SubjectRequest.kind == filters.kind)
    order = {
        "received_on": (SubjectRequest.received_on.desc(), SubjectRequest.reference.desc()),
        "reference": (SubjectRequest.reference.desc(),),
    }.get(filters.sort, (case((SubjectRequest.status.in_(OPEN_STATUSES), 0), else_=1), SubjectRequest.due_on,
                         SubjectRequest.reference))  # fmt: skip
    return query.order_by(*order)


def overdue_count(today: date | None = None) -> int:
    """How many open requests are past their deadline."""
    today = today or clock.today()
    return db.session.scalar(
        select(func.count()).where(SubjectRequest.status.in_(OPEN_STATUSES), SubjectRequest.due_on < today)
    )


def find_persons(actor: Any, **inputs) -> list[tuple[uuid.UUID, str]]:
    """Persons matching a NISS or names and date of birth exactly (blind indexes, audited)."""
    finder = subject_data.person_hooks.find
    if finder is None:
        return []
    return finder(actor, **inputs)


def person_label(actor: Any, person_id: uuid.UUID, purpose: str = PURPOSE) -> str | None:
    """ "Name, Given names (date of birth)" of the person (audited read), or None (erased, unknown)."""
    hook = subject_data.person_hooks.label
    return hook(actor, person_id, purpose) if hook else None


def _actor_id(actor: Any) -> int | None:
    value = getattr(actor, "id", None)
    return value if isinstance(value, int) else None
