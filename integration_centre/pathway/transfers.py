"""Transfers: the successor case a transferred case continues as at the target office."""

from __future__ import annotations

from datetime import date

from integration_centre.accounts.models import Office, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.states import CaseStatus
from integration_centre.pathway.timeline import timeline_entry


def successor_case(actor: User, case: Case, target_office: Office, source: CaseStatus, on: date) -> Case:
    """A copy of ``case`` (steps included) opened at ``target_office``, continuing where it was."""
    successor = Case(
        person_id=case.person_id,
        office_id=target_office.id,
        centre_id=target_office.centre_id,
        definition_code=case.definition_code,
        definition_version=case.definition_version,
        status=CaseStatus.IN_PROGRESS if source == CaseStatus.SUSPENDED else source,
        participation=case.participation,
        needs=list(case.needs or []),
        opened_on=case.opened_on,
        started_on=case.started_on,
        agreement_signed_on=case.agreement_signed_on,
        obligation_ended_on=case.obligation_ended_on,
        deadline_extended_months=case.deadline_extended_months,
        entry_channel=case.entry_channel,
        purpose=case.purpose,
        opened_by_id=actor.id,
        last_change_at=utcnow(),
    )
    db.session.add(successor)
    for step in case.steps:
        successor.steps.append(
            StepInstance(
                person_id=step.person_id,
                step_code=step.step_code,
                order=step.order,
                state=step.state,
                state_reason=step.state_reason,
                planned_on=step.planned_on,
                started_on=step.started_on,
                ended_on=step.ended_on,
                hours=step.hours,
                result=step.result,
                evidence=list(step.evidence or []),
                operator_id=step.operator_id,
                service_type=step.service_type,
                confirmed_by_id=step.confirmed_by_id,
                confirmed_at=step.confirmed_at,
            )
        )
    timeline_entry(actor, successor, "case.transfer_in", to_state=successor.status.value)
    return successor
