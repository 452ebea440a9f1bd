"""The needs analysis: which conditional steps a case needs, and whether it was recorded.

It ends the reception module: the agent records which of the definition's ``needs`` apply
(``cases.set_needs``, e.g. French and socio-professional orientation in Wallonia, the
participation pathway in Flanders). A step with a ``needs_analysis`` condition is required
when its need is recorded and not required when it is not. Before any analysis is recorded,
a condition may name what suggests it meanwhile (``until_recorded``, e.g. the French
positioning result below the exempting level).
"""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway.definitions import PathwayDefinition, StepDefinition
from integration_centre.pathway.models import Case, TimelineEntry

NEEDS_ACTION = "case.needs"
MAX_TRANSFER_CHAIN = 50


def needs_recorded(case: Case) -> bool:
    """Whether a needs analysis was recorded on ``case`` or on a case it continues (transfers)."""
    if case.id is None:
        return False
    ids = [case.id]
    frontier = [case.id]
    for _hop in range(MAX_TRANSFER_CHAIN):
        frontier = [
            i for i in db.session.scalars(select(Case.id).where(Case.successor_case_id.in_(frontier))) if i not in ids
        ]
        if not frontier:
            break
        ids.extend(frontier)
    entry = db.session.scalar(
        select(TimelineEntry.id).where(TimelineEntry.case_id.in_(ids), TimelineEntry.action == NEEDS_ACTION).limit(1)
    )
    return entry is not None


def need_condition(step_def: StepDefinition) -> str | None:
    """The need that decides ``step_def`` (None when its condition is not a need)."""
    condition = step_def.condition or {}
    return condition.get("need") if condition.get("type") == "needs_analysis" else None


def steps_of_need(definition: PathwayDefinition, need: str) -> list[StepDefinition]:
    """The steps a need makes compulsory."""
    return [s for s in definition.steps if need_condition(s) == need]


def left_out_by_needs(case: Case, step_def: StepDefinition) -> bool:
    """True when the recorded needs analysis leaves ``step_def`` out (its need is not recorded):
    the step is then not to do — neither in the agreement nor before the certificate."""
    need = need_condition(step_def)
    return need is not None and need not in (case.needs or []) and needs_recorded(case)
