"""Who the person can contact: their reception office, and the partner organisations their
steps were referred to (the organisation's name, address, phone, e-mail and website — never a
staff member's name)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from integration_centre.accounts.models import Office, OperatorOrganisation
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.operators.models import OperatorProfile, Referral
from integration_centre.operators.referrals import ReferralState
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space.pathway_view import cases_of, current_case, step_name

# Referrals the person may still need to contact the organisation about.
SHOWN_STATES = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.COMPLETED)


@dataclass
class Contact:
    """An organisation the person deals with."""

    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    steps: list[str] = field(default_factory=list)  # what it is for, in plain words


def office_contact(person_id: uuid.UUID) -> Contact | None:
    """The reception office of the person's current case."""
    case = current_case(person_id)
    office = db.session.get(Office, case.office_id) if case is not None else None
    return Contact(name=office.name, address=office.address) if office is not None else None


def contacts_of(actor: Actor, person_id: uuid.UUID, purpose: str) -> tuple[Contact | None, list[Contact]]:
    """(the reception office, the partner organisations of the person's referrals), audited."""
    case_ids = [case.id for case in cases_of(person_id)]
    with access(actor, purpose, [person_id]):
        office = office_contact(person_id)
        if not case_ids:
            return office, []
        referrals = list(
            db.session.scalars(
                select(Referral)
                .where(Referral.case_id.in_(case_ids), Referral.state.in_([s.value for s in SHOWN_STATES]))
                .order_by(Referral.sent_at.desc())
            )
        )
        language = current_language()
        partners: dict[int, Contact] = {}
        for referral in referrals:
            contact = partners.get(referral.operator_id)
            if contact is None:
                organisation = db.session.get(OperatorOrganisation, referral.operator_id)
                profile = db.session.get(OperatorProfile, referral.operator_id)
                contact = Contact(
                    name=organisation.name,
                    address=organisation.address,
                    phone=profile.contact_phone if profile else None,
                    email=profile.contact_email if profile else None,
                    website=profile.website if profile else None,
                )
                partners[referral.operator_id] = contact
            case = db.session.get(Case, referral.case_id)
            label = referral.step_code
            if case is not None:
                with contextlib.suppress(KeyError):  # a step the definition no longer has: its code
                    label = pathway.definition_of(case).step(referral.step_code).label(language)
            name = step_name(referral.step_code, label)
            if name not in contact.steps:
                contact.steps.append(name)
        return office, list(partners.values())
