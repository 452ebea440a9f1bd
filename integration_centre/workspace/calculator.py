"""Deadline arithmetic: each deadline of a rule version from the clock-start dates (the deadline calculator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integration_centre.pathway.dates import add_months
from integration_centre.pathway.definitions import PathwayDefinition, registry


@dataclass(frozen=True)
class VersionDeadlines:
    """What the calculator shows for one rule version."""

    definition: PathwayDefinition
    applies: bool
    report_by: date | None
    completion: date | None
    report_months: int | None
    completion_months: int | None


def deadlines_for(
    definition: PathwayDefinition,
    *,
    permit_order: date | None,
    registration: date | None,
    agreement: date | None = None,
) -> dict[str, date | None]:
    """Each deadline of ``definition`` (code → date) from the clock-start dates; None when unknown."""
    starts = {"permit_order": permit_order, "registration": registration, "agreement_signature": agreement}
    result = {}
    for deadline in definition.deadlines:
        start = starts.get(deadline.clock_start)
        result[deadline.code] = add_months(start, deadline.months) if start else None
    return result


def calculate(
    permit_order: date, registration: date | None = None, jurisdiction: str | None = None
) -> list[VersionDeadlines]:
    """The deadlines under every rule version (of ``jurisdiction``, else all), marking the one that applies."""
    rows = []
    for definition in registry().all():
        if jurisdiction and definition.jurisdiction != jurisdiction:
            continue
        dates = deadlines_for(definition, permit_order=permit_order, registration=registration)
        report, completion = definition.deadline("report"), definition.deadline("completion")
        rows.append(
            VersionDeadlines(
                definition=definition,
                applies=definition.applies_to_permit(permit_order),
                report_by=dates.get("report"),
                completion=dates.get("completion"),
                report_months=report.months if report else None,
                completion_months=completion.months if completion else None,
            )
        )
    return rows
