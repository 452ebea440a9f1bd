"""From pathway event payloads to anonymous facts.

The payload is the plain data of ``integration_centre.pathway.events.DomainEvent`` (a dataclass,
or its ``as_dict()``; a plain mapping with the same keys works too). Read here:

- ``type`` (required; also ``event_type``; dots read as underscores);
- ``event_date`` (required; also ``occurred_on``/``occurred_at``) — only its month and ISO week
  are kept; ``cohort_month`` (month the case was opened);
- ``step_code``, ``office_id``, ``centre_id``, ``operator_id``, ``duration_days`` (for referral
  events: whole days since the referral was sent — response and waiting times);
- ``reason`` (closure, exemption, dispensation…) kept as the fact's ``outcome`` (a health reason
  folded into ``personal_circumstances``); ``result`` kept
  as the CEFR level when it is one (placement test, French course);
- ``person``: ``age_band``, ``sex``, ``nationality`` (ISO code: only OUR regional group is kept,
  see ``data/nationality_groups.yaml``; the payload's coarse EU/non-EU group is ignored),
  ``municipality_code``, ``status`` (``obliged``, ``voluntary``, ``dispensed:<reason>``,
  ``excluded:<reason>``), ``residence_category``, ``cefr_level``, ``education_level``,
  ``entry_channel``, ``purpose``, ``file_kind`` (codes of ``data/labels.yaml``; any other value
  is kept as unknown);
- ``first_for_case`` (optional) — overrides whether the fact counts a person (see the package
  docstring); ``retraction`` (optional) — the event cancels an earlier one.

The ISO nationality itself is kept only when it is one of the frequent nationalities listed in
``data/nationalities.yaml`` (the "top nationalities" table); any other becomes ``other``.
Anything else (hours, definition version, ids of persons or cases should one ever appear) is
ignored and never stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from integration_centre.extensions import db
from integration_centre.stats.models import Fact
from integration_centre.stats.reference import UNKNOWN, age_band, category_labels, kept_nationality, nationality_group

# Health-related reasons (illness, pregnancy, death…) are folded into one coarse outcome.
HEALTH_OUTCOMES = frozenset({"illness", "pregnancy", "deceased", "health"})
COARSE_OUTCOME = "personal_circumstances"

MILESTONE_EVENTS = frozenset(
    {
        "case_opened",
        "case_completed",
        "case_closed",
        "step_completed",
        "step_exempted",
        "step_referred",
        "step_started",
        "step_declined",
        "dispensation_recorded",
        # Events added by the operators, workspace and reception packages (one per referral,
        # extension, notice, agreement, certificate or assessment: each happens once).
        "referral_sent",
        "referral_accepted",
        "referral_declined",
        "referral_started",
        "referral_completed",
        "referral_abandoned",
        "referral_withdrawn",
        "deadline_extended",
        "noncompliance_notice",
        "noncompliance_referred",
        "agreement_signed",
        "certificate_issued",
        "certificate_revoked",
        "assessment_recorded",
        # Announced persons and the agenda (issue 18): outcome = within_deadline/late, the wait's
        # days band, the appointment kind, the interpreter's ISO 639 language code.
        "presentation_recorded",
        "first_appointment_booked",
        "appointment_no_show",
        "interpreter_requested",
    }
)
CONTENT_FREE_EVENTS = frozenset({"assessment_recorded"})  # special-category data: the fact only
STATUSES = frozenset({"obliged", "voluntary", "dispensed", "excluded", "unknown"})
SEXES = {"F": "F", "W": "F", "FEMALE": "F", "M": "M", "MALE": "M", "X": "X", "OTHER": "X"}
CEFR_LEVELS = frozenset({"pre-A1", "A0", "A1", "A2", "B1", "B2", "C1", "C2"})
PERSON_KEYS = ("person", "attributes", "subject")
CODED_ATTRIBUTES = ("entry_channel", "purpose", "file_kind", "education_level")


class InvalidEvent(ValueError):
    """The payload lacks what a fact needs (event type, date) or carries an impossible value."""


def _as_mapping(payload: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        payload = dataclasses.asdict(payload)
    elif not isinstance(payload, Mapping):
        for method in ("as_dict", "to_dict"):
            if hasattr(payload, method):
                payload = getattr(payload, method)()
                break
    if not isinstance(payload, Mapping):
        raise InvalidEvent("an event payload must be a mapping or a dataclass")
    flat = dict(payload)
    for key in PERSON_KEYS:
        nested = flat.get(key)
        if isinstance(nested, Mapping):
            for name, value in nested.items():
                flat.setdefault(name, value)
    return flat


def _first(data: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return value
    return None


def _day(value: Any, what: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InvalidEvent(f"{what} must be a date")


def _month(value: Any, what: str) -> str | None:
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":
        return value
    day = _day(value, what)
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def _text(value: Any, limit: int = 40) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "value", value)).strip()
    return text[:limit] or None


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEvent(f"{what} must be a whole number")
    return value


def _cefr(value: Any) -> str | None:
    text = _text(value, 6)
    if text is None:
        return None
    if text in CEFR_LEVELS:
        return text
    return text.upper() if text.upper() in CEFR_LEVELS else None


def _code(dimension: str, value: Any) -> str | None:
    """A category code of ``data/labels.yaml`` for ``dimension``; None for anything else."""
    text = _text(value)
    return text if text is not None and text in category_labels().get(dimension, {}) else None


def fact_from_event(payload: Any) -> Fact:
    """Build the anonymous fact of one event payload (not added to the session).

    Raises :class:`InvalidEvent` when the event type or the date is missing or a value is
    impossible (unknown status, negative duration).
    """
    data = _as_mapping(payload)
    event_type = _text(data.get("event_type") or data.get("type"))
    if not event_type:
        raise InvalidEvent("the event type is missing")
    event_type = event_type.replace(".", "_").lower()
    occurred = _day(_first(data, "event_date", "occurred_on", "date", "occurred_at"), "the event date")
    if occurred is None:
        raise InvalidEvent("the event date is missing")
    year, week, _ = occurred.isocalendar()

    band = _text(data.get("age_band"), 8)
    if band is None:
        age = data.get("age")
        band = age_band(age if isinstance(age, int) and not isinstance(age, bool) else None)
    group = nationality_group(_text(data.get("nationality"), 3))
    sex = SEXES.get((_text(data.get("sex") or data.get("gender"), 10) or "").upper(), "X")
    status, _, status_reason = (_text(data.get("status"), 60) or "unknown").lower().partition(":")
    if status not in STATUSES:
        raise InvalidEvent(f"unknown status {status!r}")
    cefr = _cefr(data.get("result")) or _cefr(data.get("cefr_level"))
    duration = _int(data.get("duration_days"), "duration_days")
    if duration is not None and duration < 0:
        raise InvalidEvent("duration_days cannot be negative")
    first = data.get("first_for_case")
    milestone = event_type in MILESTONE_EVENTS if first is None else bool(first)
    municipality = _text(_first(data, "municipality_code", "municipality"), 5)
    outcome = _text(_first(data, "outcome", "reason"))
    if outcome in HEALTH_OUTCOMES:  # the pathway sends the coarse code already: never keep a health reason
        outcome = COARSE_OUTCOME
    if event_type in CONTENT_FREE_EVENTS:
        # Only the fact that it happened: no level, no reason, nothing of its content.
        cefr, outcome = None, None

    return Fact(
        event_type=event_type,
        step_code=_text(data.get("step_code")),
        period_month=f"{occurred.year:04d}-{occurred.month:02d}",
        iso_week=f"{year:04d}-W{week:02d}",
        cohort_month=_month(_first(data, "cohort_month", "case_opened_on"), "the case opening date"),
        age_band=band or UNKNOWN,
        sex=sex,
        nationality_group=group,
        municipality_code=municipality,
        office_id=_int(data.get("office_id"), "office_id"),
        centre_id=_int(data.get("centre_id"), "centre_id"),
        operator_id=_int(data.get("operator_id"), "operator_id"),
        status=status,
        dispensation_reason=(_text(data.get("dispensation_reason")) or status_reason or None)
        if status == "dispensed"
        else None,
        residence_category=_text(data.get("residence_category")),
        cefr_level=cefr,
        outcome=outcome,
        duration_days=duration,
        nationality=kept_nationality(_text(data.get("nationality"), 3)),
        **{name: _code(name, data.get(name)) for name in CODED_ATTRIBUTES},
        milestone=milestone,
        weight=-1 if data.get("retraction") else 1,
    )


def record_event(payload: Any) -> Fact:
    """The listener: add the fact of ``payload`` to the current session (same transaction).

    Flushes nothing and commits nothing: the fact is written with the change that emitted the
    event, or not at all.
    """
    fact = fact_from_event(payload)
    db.session.add(fact)
    return fact
