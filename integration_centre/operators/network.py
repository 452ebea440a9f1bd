"""The network rules that need cases and referrals: deactivating offices and organisations, the
organisations' services and the directory entry derived from them.

Centres, offices and organisations themselves are in ``accounts/network.py``. Services flush,
never commit; every change writes an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from integration_centre.accounts import network
from integration_centre.accounts.models import Office, OperatorOrganisation, User
from integration_centre.accounts.network import NetworkInvalid, NetworkRefused, record_change
from integration_centre.extensions import db
from integration_centre.operators.directory import service_types
from integration_centre.operators.models import OperatorProfile, OperatorService, Referral
from integration_centre.operators.referrals import OPEN_STATES
from integration_centre.pathway import reference
from integration_centre.pathway.models import Case
from integration_centre.pathway.states import CaseStatus

# A suspended case resumes: it still belongs to its office.
OPEN_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)
MAX_PLACES = 100_000


def open_cases(office: Office) -> int:
    """Cases of ``office`` that are not finished (open, in progress, suspended)."""
    return db.session.scalar(
        select(func.count()).select_from(Case).where(Case.office_id == office.id, Case.status.in_(OPEN_CASE_STATUSES))
    )


def open_referrals(*, office: Office | None = None, organisation: OperatorOrganisation | None = None) -> int:
    """Referrals still open (sent, accepted, in progress) from ``office`` or to ``organisation``."""
    query = select(func.count()).select_from(Referral).where(Referral.state.in_([s.value for s in OPEN_STATES]))
    if office is not None:
        query = query.where(Referral.office_id == office.id)
    if organisation is not None:
        query = query.where(Referral.operator_id == organisation.id)
    return db.session.scalar(query)


def open_work_message(cases: int, referrals: int) -> str:
    parts = []
    if cases:
        parts.append(ngettext("%(num)d open case", "%(num)d open cases", cases))
    if referrals:
        parts.append(ngettext("%(num)d open referral", "%(num)d open referrals", referrals))
    return _(
        "It cannot be deactivated: it still has %(work)s. Close or transfer them first.",
        work=_(" and ").join(parts),
    )


def deactivate_office(acting: User, office: Office) -> None:
    """Deactivate an office: refused (with the counts) while it has open cases or referrals.

    A deactivated office is no longer offered for new users; its users and history stay.
    """
    cases, referrals = open_cases(office), open_referrals(office=office)
    if cases or referrals:
        raise NetworkRefused(open_work_message(cases, referrals))
    if office.is_active:
        office.is_active = False
        db.session.flush()
        record_change("office_deactivate", "office", office.id, acting)


def reactivate_office(acting: User, office: Office) -> None:
    """Make a deactivated office available again."""
    if not office.is_active:
        office.is_active = True
        db.session.flush()
        record_change("office_reactivate", "office", office.id, acting)


def deactivate_organisation(acting: User, organisation: OperatorOrganisation) -> None:
    """Deactivate an organisation: refused (with the count) while referrals to it are open.

    A deactivated organisation leaves the directory and the referral suggestions, and is not
    offered for new users.
    """
    referrals = open_referrals(organisation=organisation)
    if referrals:
        raise NetworkRefused(open_work_message(0, referrals))
    if organisation.is_active:
        organisation.is_active = False
        db.session.flush()
        record_change("organisation_deactivate", "operator_organisation", organisation.id, acting)


def reactivate_organisation(acting: User, organisation: OperatorOrganisation) -> None:
    """Make a deactivated organisation available again."""
    if not organisation.is_active:
        organisation.is_active = True
        db.session.flush()
        record_change("organisation_reactivate", "operator_organisation", organisation.id, acting)


def _profile(organisation: OperatorOrganisation) -> OperatorProfile:
    profile = db.session.get(OperatorProfile, organisation.id)
    if profile is None:
        profile = OperatorProfile(
            organisation_id=organisation.id,
            service_types=[],
            municipalities=[],
            languages=[],
            formats=[],
            capacity=0,
            accepts_referrals=True,
            notify_by_email=False,
        )
        db.session.add(profile)
    return profile


def create_organisation(acting: User, data: network.OrganisationData) -> OperatorOrganisation:
    """Create an organisation (and its directory entry with the contact e-mail), audited."""
    organisation = network.create_organisation(acting, data)
    _profile(organisation).contact_email = network.clean_text(data.contact_email) or None
    db.session.flush()
    return organisation


def update_organisation(acting: User, organisation: OperatorOrganisation, data: network.OrganisationData):
    """Change an organisation (name, centre, address, contact e-mail), audited."""
    network.update_organisation(acting, organisation, data)
    profile = _profile(organisation)
    email = network.clean_text(data.contact_email) or None
    if profile.notify_by_email and email is None:
        raise NetworkInvalid({"contact_email": [_("Enter the e-mail address that receives notifications.")]})
    profile.contact_email = email
    db.session.flush()
    return organisation


# --- services ----------------------------------------------------------------------------------


@dataclass
class ServiceData:
    """What an admin types for one service of an organisation."""

    service_type: str = ""
    places: int | None = 0
    languages: list[str] = field(default_factory=list)
    schedule: str = ""
    territory: list[str] = field(default_factory=list)


def _service_errors(data: ServiceData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.service_type not in service_types():
        errors["service_type"] = [_("Choose a service from the list.")]
    if data.places is None:
        errors["places"] = [_("Enter the number of places.")]
    elif not 0 <= data.places <= MAX_PLACES:
        errors["places"] = [_("Enter a number of places between 0 and 100,000.")]
    if not data.languages:
        errors["languages"] = [_("Choose at least one language.")]
    elif any(not reference.is_valid_language(code) for code in data.languages):
        errors["languages"] = [_("Choose languages from the list.")]
    if len(network.clean_text(data.schedule)) > 1000:
        errors["schedule"] = [_("At most 1,000 characters.")]
    if not data.territory:
        errors["territory"] = [_("Choose at least one municipality.")]
    elif problems := network.territory_errors(data.territory):
        errors["territory"] = problems
    return errors


def _apply_service(service: OperatorService, data: ServiceData) -> None:
    service.service_type = data.service_type
    service.places = int(data.places or 0)
    service.languages = sorted(set(data.languages))
    service.schedule = network.clean_text(data.schedule) or None
    service.territory = sorted(set(data.territory))


def services_of(organisation: OperatorOrganisation) -> list[OperatorService]:
    """The organisation's services, by type."""
    return list(
        db.session.scalars(
            select(OperatorService)
            .where(OperatorService.organisation_id == organisation.id)
            .order_by(OperatorService.service_type, OperatorService.id)
        )
    )


def sync_profile(organisation: OperatorOrganisation) -> None:
    """Derive the directory entry's services, places, languages and municipalities from the
    organisation's services (the directory and the referral suggestions read the entry)."""
    rows = services_of(organisation)
    if not rows:
        return
    profile = _profile(organisation)
    profile.service_types = sorted({s.service_type for s in rows})
    profile.capacity = sum(s.places for s in rows)
    profile.languages = sorted({code for s in rows for code in s.languages})
    profile.municipalities = sorted({code for s in rows for code in s.territory})
    db.session.flush()


def create_service(acting: User, organisation: OperatorOrganisation, data: ServiceData) -> OperatorService:
    """Add a service to an organisation; the directory entry follows. Audited on the organisation."""
    if errors := _service_errors(data):
        raise NetworkInvalid(errors)
    service = OperatorService(organisation_id=organisation.id)
    _apply_service(service, data)
    db.session.add(service)
    db.session.flush()
    sync_profile(organisation)
    record_change("service_create", "operator_organisation", organisation.id, acting)
    return service


def update_service(acting: User, service: OperatorService, data: ServiceData) -> OperatorService:
    """Change a service; the directory entry follows. Audited on the organisation."""
    if errors := _service_errors(data):
        raise NetworkInvalid(errors)
    _apply_service(service, data)
    db.session.flush()
    sync_profile(service.organisation)
    record_change("service_update", "operator_organisation", service.organisation_id, acting)
    return service


def delete_service(acting: User, service: OperatorService) -> None:
    """Remove a service; the directory entry follows (an organisation left without services keeps
    its last entry). Audited on the organisation."""
    organisation = service.organisation
    db.session.delete(service)
    db.session.flush()
    sync_profile(organisation)
    profile = db.session.get(OperatorProfile, organisation.id)
    if profile is not None and not services_of(organisation):
        profile.service_types, profile.capacity = [], 0
        profile.languages, profile.municipalities = [], []
    db.session.flush()
    record_change("service_delete", "operator_organisation", organisation.id, acting)
