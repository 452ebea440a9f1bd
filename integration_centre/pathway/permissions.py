"""Per-object access rules of the pathway, built on ``accounts.permissions`` (deny by default).

Agents reach the cases of their own office, and a person's file when the person has a case at
their office or was registered there. Operators reach only steps referred to their organisation.
Callers turn a False into 404 with ``accounts.permissions.require``.
"""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, can_see_operator_item
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer, StepInstance, TransferRequest


def can_see_case(user: User, case: Case | None) -> bool:
    """Agents of the case's office."""
    return case is not None and can_see_office(user, case.office_id)


def person_visible_to(user: User, newcomer: Newcomer | None) -> bool:
    """Agents of the office that registered the person or holds one of the person's cases, or
    to which a pending transfer of one of the person's cases is addressed (their future case)."""
    if newcomer is None or user.role != Role.AGENT:
        return False
    if can_see_office(user, newcomer.registered_by_office_id):
        return True
    offices = db.session.scalars(select(Case.office_id).where(Case.person_id == newcomer.id))
    if any(can_see_office(user, office_id) for office_id in offices):
        return True
    incoming = db.session.scalar(
        select(TransferRequest.id).where(
            TransferRequest.person_id == newcomer.id,
            TransferRequest.to_office_id == user.office_id,
            TransferRequest.status == "pending",
        )
    )
    return incoming is not None


def can_act_on_step(user: User, step: StepInstance) -> bool:
    """Agents of the case's office, or the operator the step is referred to."""
    if user.role == Role.AGENT:
        return can_see_case(user, step.case)
    return can_see_operator_item(user, step.operator_id)
