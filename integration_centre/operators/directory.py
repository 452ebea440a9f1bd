"""The partner directory: service types, organisations' directory entries, search and suggestions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.extensions import db
from integration_centre.operators.errors import NotFound, ReferralInvalid
from integration_centre.operators.labels import FORMAT_LABELS, SERVICE_LABELS
from integration_centre.operators.models import OperatorProfile, Referral
from integration_centre.operators.referrals import OPEN_STATES
from integration_centre.pathway import reference as pathway_reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import registry
from integration_centre.pathway.models import Case


def service_types() -> list[str]:
    """Service types operators can deliver, from the pathway definitions (sorted)."""
    found = set()
    for definition in registry().all():
        for step in definition.steps:
            for rule in step.confirmable_by:
                if rule.get("role") == "operator" and rule.get("service_type"):
                    found.add(rule["service_type"])
    return sorted(found)


def service_label(code: str | None) -> str:
    """The translated label of a service type (the code itself when unknown)."""
    return str(SERVICE_LABELS.get(code, code or "—"))


def step_service_types(case: Case, step_code: str) -> list[str]:
    """The operator service types that can deliver ``step_code`` of ``case`` (empty: not referable)."""
    step_def = pathway.definition_of(case).step(step_code)
    return [r["service_type"] for r in step_def.confirmable_by if r.get("role") == "operator" and r.get("service_type")]


@dataclass
class ProfileData:
    """The editable directory data of an organisation."""

    description: str | None = None
    service_types: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    capacity: int | None = 0
    contact_email: str | None = None
    contact_phone: str | None = None
    website: str | None = None
    accepts_referrals: bool = True
    notify_by_email: bool = False


def get_profile(organisation_id: int) -> OperatorProfile | None:
    """The directory entry of an organisation, None when it has none yet."""
    return db.session.get(OperatorProfile, organisation_id)


def validate_profile(data: ProfileData) -> dict[str, list[str]]:
    """Field errors of ``data`` (empty when valid)."""
    errors: dict[str, list[str]] = {}
    known = set(service_types())
    if not data.service_types:
        errors.setdefault("service_types", []).append(_("Choose at least one service."))
    elif set(data.service_types) - known:
        errors.setdefault("service_types", []).append(_("Choose services from the list."))
    if set(data.municipalities) - set(pathway_reference.municipalities()):
        errors.setdefault("municipalities", []).append(_("Choose municipalities from the list."))
    if any(not pathway_reference.is_valid_language(code) for code in data.languages):
        errors.setdefault("languages", []).append(_("Choose languages from the list."))
    if set(data.formats) - set(FORMAT_LABELS):
        errors.setdefault("formats", []).append(_("Choose formats from the list."))
    if data.capacity is None or not 0 <= data.capacity <= 100000:
        errors.setdefault("capacity", []).append(_("Enter a capacity between 0 and 100,000 places."))
    if data.notify_by_email and not data.contact_email:
        errors.setdefault("contact_email", []).append(_("Enter the e-mail address that receives notifications."))
    return errors


def save_profile(actor: User, organisation: OperatorOrganisation, data: ProfileData) -> OperatorProfile:
    """Create or update the directory entry of ``organisation`` (admins only)."""
    if actor.role != Role.ADMIN:
        raise NotFound()
    errors = validate_profile(data)
    if errors:
        raise ReferralInvalid(_("Correct the highlighted fields."), errors)
    profile = get_profile(organisation.id)
    if profile is None:
        profile = OperatorProfile(organisation_id=organisation.id)
        db.session.add(profile)
    profile.description = (data.description or "").strip() or None
    profile.service_types = sorted(set(data.service_types))
    profile.municipalities = sorted(set(data.municipalities))
    profile.languages = sorted(set(data.languages))
    profile.formats = sorted(set(data.formats))
    profile.capacity = int(data.capacity or 0)
    profile.contact_email = (data.contact_email or "").strip() or None
    profile.contact_phone = (data.contact_phone or "").strip() or None
    profile.website = (data.website or "").strip() or None
    profile.accepts_referrals = bool(data.accepts_referrals)
    profile.notify_by_email = bool(data.notify_by_email)
    db.session.flush()
    return profile


def current_loads(organisation_ids=None) -> dict[int, int]:
    """Open referrals (sent, accepted, in progress) per organisation: the current load."""
    query = select(Referral.operator_id, func.count()).where(Referral.state.in_([s.value for s in OPEN_STATES]))
    if organisation_ids is not None:
        query = query.where(Referral.operator_id.in_(list(organisation_ids)))
    return {row[0]: row[1] for row in db.session.execute(query.group_by(Referral.operator_id))}


@dataclass
class DirectoryEntry:
    """One organisation as the directory shows it."""

    organisation: OperatorOrganisation
    profile: OperatorProfile | None
    load: int

    @property
    def free(self) -> int:
        """Places still free (never below zero)."""
        capacity = self.profile.capacity if self.profile else 0
        return max(capacity - self.load, 0)


@dataclass
class Page:
    """One page of results."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))


def page_number(page) -> int:
    """``page`` as a page number (1 when it is not a positive number)."""
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def search_directory(
    *,
    service_type: str | None = None,
    municipality: str | None = None,
    language: str | None = None,
    course_format: str | None = None,
    name: str | None = None,
    page: int = 1,
    per_page: int = 20,
    include_inactive: bool = False,
) -> Page:
    """Who does what where: organisations filtered by service, municipality, language, format
    (deactivated organisations only when ``include_inactive``, for the admin's list)."""
    query = (
        select(OperatorOrganisation, OperatorProfile)
        .outerjoin(OperatorProfile, OperatorProfile.organisation_id == OperatorOrganisation.id)
        .order_by(OperatorOrganisation.name)
    )
    if not include_inactive:
        query = query.where(OperatorOrganisation.is_active.is_(True))
    rows = db.session.execute(query).all()
    loads = current_loads()
    needle = (name or "").strip().casefold()
    entries = []
    for organisation, profile in rows:
        if needle and needle not in organisation.name.casefold():
            continue
        if service_type and (profile is None or service_type not in profile.service_types):
            continue
        if municipality and (profile is None or municipality not in profile.municipalities):
            continue
        if language and (profile is None or language not in profile.languages):
            continue
        if course_format and (profile is None or course_format not in profile.formats):
            continue
        entries.append(DirectoryEntry(organisation, profile, loads.get(organisation.id, 0)))
    page = page_number(page)
    start = (page - 1) * per_page
    return Page(entries[start : start + per_page], len(entries), page, per_page)


@dataclass
class Suggestion:
    """An operator suggested for a referral, with why."""

    entry: DirectoryEntry
    score: int
    service_type: str
    matches: list[str]


def suggest_operators(
    case: Case, step_code: str, *, municipality: str | None, language: str | None
) -> list[Suggestion]:
    """Operators able to deliver the step, ranked by municipality, language and free capacity.

    Only organisations offering one of the step's service types and accepting referrals are
    listed; the service match is required, the others raise the score.
    """
    services_needed = step_service_types(case, step_code)
    loads = current_loads()
    suggestions = []
    rows = db.session.execute(
        select(OperatorOrganisation, OperatorProfile)
        .join(OperatorProfile, OperatorProfile.organisation_id == OperatorOrganisation.id)
        .where(OperatorOrganisation.is_active.is_(True))
    ).all()
    for organisation, profile in rows:
        offered = [s for s in services_needed if s in profile.service_types]
        if not offered or not profile.accepts_referrals:
            continue
        entry = DirectoryEntry(organisation, profile, loads.get(organisation.id, 0))
        score, matches = 100, ["service"]
        if municipality and municipality in profile.municipalities:
            score += 50
            matches.append("municipality")
        if language and language in profile.languages:
            score += 30
            matches.append("language")
        if entry.free > 0:
            score += 20 + min(entry.free, 20)
            matches.append("capacity")
        suggestions.append(Suggestion(entry, score, offered[0], matches))
    suggestions.sort(key=lambda s: (-s.score, s.entry.organisation.name))
    return suggestions
