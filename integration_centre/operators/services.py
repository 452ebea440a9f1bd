"""Partner directory, referrals and what operators report: every rule, callable without HTTP.

The web views and the REST API (``integration_centre.api``) call these functions with the acting
``User``. Reads out of reach raise ``NotFound`` (a 404, also when guessing ids). Writes check the
move (``referrals.MOVES``), apply it with the matching pathway step transition, write the
referral's own history, ONE case timeline entry and ONE ``referral_*`` domain event, then flush;
they never commit (the caller commits once). A concurrent change of the same referral raises
``Conflict`` (row lock + optimistic version), a move not possible from the current state raises
``InvalidTransition`` (also a ``Conflict``: the state changed meanwhile), bad values raise
``ReferralInvalid`` with field errors. Nothing is written when an error is raised.

``operator_view`` is the ONE place that defines what an operator may see of a person.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound as HTTPNotFound

from integration_centre import clock
from integration_centre.accounts.models import OperatorOrganisation, Role, User
from integration_centre.accounts.permissions import can_see_office, can_see_operator_item
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators.models import (
    OperatorProfile,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralSequence,
    UpdatesSeen,
)
from integration_centre.operators.referrals import (
    EVENT_OF,
    OPEN_STATES,
    REASONS,
    TABS,
    ReferralState,
    role_of,
    target_of,
)
from integration_centre.pathway import reference as pathway_reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import CEFR_LEVELS, registry
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.states import CaseStatus, StepState
from integration_centre.privacy.access import access

PER_PAGE = 25
MAX_PER_PAGE = 100
SERVICE_LABELS = {
    "french_course": _l("French course"),
    "dutch_course": _l("Dutch course"),
    "citizenship": _l("Citizenship training"),
    "orientation": _l("Socio-professional orientation"),
}
FORMAT_LABELS = {
    "day": _l("Daytime"),
    "evening": _l("Evening"),
    "weekend": _l("Weekend"),
    "intensive": _l("Intensive"),
    "remote": _l("Remote"),
    "aoc": _l("AOC (formal course)"),
    "fic": _l("FIC (individual pathway)"),
}
MAX_HOURS = Decimal(10000)
MAX_SESSIONS = 1000


# ---------------------------------------------------------------------------------------------
# Errors


class ReferralError(Exception):
    """A refused operation (the message is translated and shown as is)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ReferralInvalid(ReferralError):
    """Bad values: ``errors`` maps field names to messages (HTTP 422)."""


class Conflict(ReferralError):
    """The referral changed meanwhile (HTTP 409): reload and try again."""


class InvalidTransition(Conflict):
    """The move does not exist from the referral's current state (HTTP 409)."""


class NotFound(HTTPNotFound):
    """The referral does not exist or is out of the actor's reach (HTTP 404, never 403)."""


def _conflict() -> Conflict:
    # Lazy, like pathway.conflict_message: raised from a failed flush, turned into text after the rollback.
    return Conflict(_l("This referral was changed meanwhile by someone else. Reload it: nothing was saved."))


# ---------------------------------------------------------------------------------------------
# Reference data


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


# ---------------------------------------------------------------------------------------------
# Directory


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


def _page_number(page) -> int:
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
    page = _page_number(page)
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


# ---------------------------------------------------------------------------------------------
# Reading referrals


def _visible(actor: User, referral: Referral | None) -> bool:
    if referral is None:
        return False
    if actor.role == Role.OPERATOR:
        return can_see_operator_item(actor, referral.operator_id)
    return can_see_office(actor, referral.office_id)


def _as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def get_referral(actor: User, referral_id, *, for_update: bool = False) -> Referral:
    """The referral ``referral_id`` if ``actor`` may see it (its operator or its office), else ``NotFound``."""
    if isinstance(referral_id, Referral):
        referral_id = referral_id.id
    key = _as_uuid(referral_id)
    if key is None:
        raise NotFound()
    if for_update:
        referral = db.session.execute(
            select(Referral).where(Referral.id == key).with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()
    else:
        referral = db.session.get(Referral, key)
    if not _visible(actor, referral):
        raise NotFound()
    return referral


def list_referrals(
    actor: User,
    state: str | None = None,
    updated_since: datetime | None = None,
    page: int = 1,
    *,
    tab: str | None = None,
    reference: str | None = None,
    service_type: str | None = None,
    per_page: int | None = None,
    known_total: int | None = None,
    summaries: bool = False,
) -> Page:
    """The operator's referrals (their organisation only), newest change first, one page.

    Filters: ``state`` (one referral state), ``tab`` (new, accepted, in_progress, done),
    ``updated_since`` (changed at or after), ``reference`` (exact, case-insensitive),
    ``service_type``. Agents get the referrals of their office. ``known_total`` (the number of
    matching referrals, when the caller already counted them) saves the count query. With
    ``summaries`` the items are ``referral_summary`` dicts read as plain rows, each with its
    step label (the case's rule version joined), instead of ``Referral`` entities.
    """
    if actor.role == Role.OPERATOR and actor.operator_id is not None:
        query = select(Referral).where(Referral.operator_id == actor.operator_id)
    elif actor.role == Role.AGENT and actor.office_id is not None:
        query = select(Referral).where(Referral.office_id == actor.office_id)
    else:
        raise NotFound()
    if state:
        query = query.where(Referral.state == str(state))
    if tab in TABS:
        query = query.where(Referral.state.in_([s.value for s in TABS[tab]]))
    if updated_since is not None:
        query = query.where(Referral.updated_at >= updated_since)
    if reference:
        query = query.where(Referral.reference == reference.strip().upper())
    if service_type:
        query = query.where(Referral.service_type == service_type)
    per_page = max(1, min(int(per_page or PER_PAGE), MAX_PER_PAGE))
    page = _page_number(page)
    if known_total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    else:
        total = known_total
    # The page's ids come from the listing index alone, in its order (newest change first, ties by
    # id, both descending: a backward scan, no sort; deep pages skip index entries, not rows); the
    # rows are joined to them in the same statement.
    order = (Referral.updated_at.desc(), Referral.id.desc())
    page_ids = query.with_only_columns(Referral.id).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    page_ids = page_ids.subquery()
    if summaries:
        rows = db.session.execute(
            select(*_SUMMARY_COLUMNS, Case.definition_code, Case.definition_version)
            .select_from(Referral)
            .join(page_ids, page_ids.c.id == Referral.id)
            .join(Case, Case.id == Referral.case_id)
            .order_by(*order)
        )
        locale = pathway.current_language()
        items = [
            _summary(row, _step_label(row.definition_code, row.definition_version, row.step_code, locale))
            for row in rows
        ]
    else:
        items = list(db.session.scalars(select(Referral).join(page_ids, page_ids.c.id == Referral.id).order_by(*order)))
    return Page(items, total, page, per_page)


def tab_counts(actor: User) -> dict[str, int]:
    """Number of referrals per inbox tab for the operator's organisation."""
    rows = db.session.execute(
        select(Referral.state, func.count()).where(Referral.operator_id == actor.operator_id).group_by(Referral.state)
    ).all()
    by_state = dict(rows)
    return {tab: sum(by_state.get(s.value, 0) for s in states) for tab, states in TABS.items()}


def step_label(referral: Referral, locale: str | None = None) -> str:
    """The label of the referred step in the case's definition version."""
    case = db.session.get(Case, referral.case_id)
    version = (case.definition_code, case.definition_version) if case else (None, None)
    return _step_label(*version, referral.step_code, locale or pathway.current_language())


def _step_label(code: str | None, version: str | None, step_code: str, locale: str) -> str:
    """The label of ``step_code`` in rule version (``code``, ``version``); the code when unknown."""
    try:
        return registry().get(code, version).step(step_code).label(locale)
    except (KeyError, LookupError):
        return step_code


def history_of(referral: Referral) -> list[dict]:
    """The referral's own history (no personal data)."""
    return [
        {
            "at": event.at,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "reason": event.reason,
            "hours": event.hours,
            "sessions": event.sessions,
            "result": event.result,
            "actor_role": event.actor_role,
        }
        for event in referral.history
    ]


# What a referral says about itself in a list (no person data at all), in this order.
SUMMARY_FIELDS = (
    "id", "reference", "state", "service_type", "step_code", "deadline", "sent_on", "accepted_at",
    "started_on", "ended_on", "sessions", "hours", "attended_from", "attended_until", "result",
    "course_format", "reason", "updated_at", "version",
)  # fmt: skip
_SUMMARY_COLUMNS = tuple(getattr(Referral, name) for name in SUMMARY_FIELDS)


def _summary(source: Any, label: str) -> dict:
    """The summary fields of a referral entity or row, with its step label."""
    return {**{name: getattr(source, name) for name in SUMMARY_FIELDS}, "step_label": label}


def referral_summary(referral: Referral) -> dict:
    """What a referral says about itself: no person data at all (lists, API list items)."""
    return _summary(referral, step_label(referral))


# Referrals whose person the operator no longer sees: at once for these, after the grace period
# (``OPERATOR_DATA_GRACE_DAYS`` from the completion) for completed ones.
CLOSED_AT_ONCE = frozenset({ReferralState.DECLINED, ReferralState.WITHDRAWN, ReferralState.ABANDONED})
DEFAULT_GRACE_DAYS = 30


def person_closed(referral: Referral, now: datetime | None = None) -> bool:
    """True when the operator may no longer read the person of ``referral``: it was declined,
    withdrawn or abandoned, or completed more than ``OPERATOR_DATA_GRACE_DAYS`` ago (the time
    the completion was recorded: a finished referral changes no more)."""
    if referral.state in CLOSED_AT_ONCE:
        return True
    if referral.state != ReferralState.COMPLETED:
        return False
    grace = timedelta(days=current_app.config.get("OPERATOR_DATA_GRACE_DAYS", DEFAULT_GRACE_DAYS))
    return (now or utcnow()) - referral.updated_at > grace


def operator_view(referral: Referral, actor: User | None = None) -> dict:
    """Everything an operator may see of a referral — the ONE definition of it.

    The person: name, preferred language, interpreter need, phone and e-mail. Never the date of
    birth, NISS, address, nationality, residence status, assessment or the case's other steps.
    The decryption is audited under ``actor`` (default: the logged-in user).

    Once the referral is finished (``person_closed``), ``person`` is None and nothing is
    decrypted: the operator keeps the reference, the dates and its own records (what it
    reported, its own history entries), not the agent's (e.g. the reason of a withdrawal).
    """
    view = referral_summary(referral)
    if person_closed(referral):
        view["person"] = None
        view["history"] = [event for event in history_of(referral) if event["actor_role"] == Role.OPERATOR.value]
        if referral.state == ReferralState.WITHDRAWN:
            view["reason"] = None
        return view
    if actor is None:
        from flask_login import current_user

        actor = current_user._get_current_object()
    newcomer = db.session.get(Newcomer, referral.person_id)
    with access(actor, "referral.operator_view", [referral.person_id]):
        person = {
            "given_names": newcomer.given_names,
            "family_name": newcomer.family_name,
            "preferred_language": newcomer.preferred_language,
            "interpreter_language": newcomer.interpreter_language,
            "phone": newcomer.phone,
            "email": newcomer.email,
        }
    person["name"] = " ".join(p for p in (person["given_names"], person["family_name"]) if p)
    person["interpreter_needed"] = bool(person["interpreter_language"])
    view["person"] = person
    view["history"] = history_of(referral)
    return view


def case_referrals(actor: User, case: Case) -> list[Referral]:
    """The referrals of a case (agents of its office), newest first."""
    if not can_see_office(actor, case.office_id):
        raise NotFound()
    return list(
        db.session.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.sent_at.desc()))
    )


# ---------------------------------------------------------------------------------------------
# Writing referrals


def next_reference(year: int) -> str:
    row = db.session.execute(
        select(ReferralSequence).where(ReferralSequence.year == year).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = ReferralSequence(year=year, last=0)
        db.session.add(row)
    row.last += 1
    return f"R-{year}-{row.last:06d}"


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _conflict() from exc


def _pathway(call, *args, **kwargs):
    """Run a pathway transition, turning its refusals into referral errors."""
    try:
        return call(*args, **kwargs)
    except PathwayConflict as exc:
        raise _conflict() from exc
    except PathwayError as exc:
        raise ReferralError(exc.message) from exc


def _record(
    actor: User,
    referral: Referral,
    case: Case,
    action: str,
    *,
    from_state: str | None,
    on: date,
    reason: str | None = None,
) -> None:
    """History row, one case timeline entry, one domain event (contract 2 and 3)."""
    referral.updated_at = utcnow()
    _flush()  # the version check, before loading the history would autoflush it (a 500)
    referral.history.append(
        ReferralEvent(
            office_id=referral.office_id,
            at=referral.updated_at,
            actor_id=actor.id,
            actor_role=actor.role.value,
            action=action,
            from_state=from_state,
            to_state=referral.state,
            reason=reason,
            hours=referral.hours if action in ("attendance", "complete") else None,
            sessions=referral.sessions if action in ("attendance", "complete") else None,
            result=referral.result if action == "complete" else None,
        )
    )
    if action in EVENT_OF:
        pathway.add_timeline_entry(
            actor,
            case,
            "referral." + EVENT_OF[action].removeprefix("referral_"),
            step_code=referral.step_code,
            from_state=from_state,
            to_state=referral.state,
            reason=reason,
        )
    _flush()
    if action in EVENT_OF:
        pathway.emit_case_event(
            actor,
            case,
            EVENT_OF[action],
            on=on,
            step_code=referral.step_code,
            reason=reason,
            operator_id=referral.operator_id,
            duration_days=max((on - referral.sent_on).days, 0),
            hours=float(referral.hours) if action == "complete" else None,
            result=referral.result if action == "complete" else None,
        )
    _queue_email(referral, action)


def refer(
    actor: User,
    case: Case,
    step_code: str,
    operator_id: int,
    *,
    service_type: str | None = None,
    deadline: date | None = None,
    on: date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Refer step ``step_code`` of ``case`` to an operator organisation (agents of the case's office).

    The step moves to "referred"; the deadline is the one given, else the case's completion
    deadline. One open referral per step.
    """
    if actor.role != Role.AGENT or not can_see_office(actor, case.office_id):
        raise NotFound()
    on = on or clock.today()
    try:
        step = case.step(step_code)
    except KeyError as exc:
        raise NotFound() from exc
    operator = db.session.get(OperatorOrganisation, operator_id) if operator_id else None
    if operator is None or not operator.is_active:
        raise ReferralInvalid(_("Choose the operator."), {"operator_id": [_("Choose the operator.")]})
    offered = step_service_types(case, step_code)
    if not offered:
        raise ReferralError(_("This step is not done by operators."))
    profile = get_profile(operator.id)
    if service_type is None and profile is not None:
        service_type = next((s for s in offered if s in profile.service_types), None)
    service_type = service_type or offered[0]
    if service_type not in offered:
        raise ReferralInvalid(_("This service cannot deliver the step."), {"service_type": [_("Choose a service.")]})
    if profile is not None and not profile.accepts_referrals:
        raise ReferralInvalid(
            _("This operator does not accept referrals at the moment."),
            {"operator_id": [_("This operator does not accept referrals at the moment.")]},
        )
    open_one = db.session.scalar(
        select(Referral.id).where(Referral.step_id == step.id, Referral.state.in_([s.value for s in OPEN_STATES]))
    )
    if open_one is not None:
        raise InvalidTransition(_("This step already has an open referral: withdraw it first."))
    if deadline is None:
        deadline = case_deadline(actor, case)
    elif deadline < on:
        raise ReferralInvalid(
            _("The deadline cannot be in the past."), {"deadline": [_("The deadline cannot be in the past.")]}
        )
    _pathway(
        pathway.transition_step,
        actor,
        case,
        step_code,
        "refer",
        pathway.StepChange(operator_id=operator.id, service_type=service_type),
        expected_version=expected_version,
        on=on,
    )
    referral = Referral(
        reference=next_reference(on.year),
        case_id=case.id,
        step_id=step.id,
        person_id=case.person_id,
        office_id=case.office_id,
        operator_id=operator.id,
        step_code=step_code,
        service_type=service_type,
        state=ReferralState.SENT.value,
        deadline=deadline,
        sent_on=on,
        sent_at=utcnow(),
        created_by_id=actor.id,
    )
    db.session.add(referral)
    _record(actor, referral, case, "send", from_state=None, on=on)
    return referral


def case_deadline(actor: User, case: Case) -> date | None:
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "referral.deadline", [case.person_id]):
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    return pathway.deadline_date(case, dates)


def _begin(actor: User, referral, action: str, expected_version: int | None) -> tuple[Referral, Case, str]:
    """Load and lock the referral, check the actor's role and the move; nothing written yet."""
    referral = get_referral(actor, referral, for_update=True)
    if expected_version is not None and int(expected_version) != referral.version:
        raise _conflict()
    role = role_of(action)
    if actor.role.value != role:
        raise NotFound()
    source = referral.state
    if target_of(action, source) is None:
        from integration_centre.operators.referrals import STATE_LABELS

        raise InvalidTransition(
            _("This referral is %(state)s: this is no longer possible.", state=STATE_LABELS[ReferralState(source)])
        )
    case = db.session.get(Case, referral.case_id)
    return referral, case, source


def _check_reason(action: str, reason: str | None) -> str:
    if reason not in REASONS[action]:
        message = _("Choose a reason from the list.")
        raise ReferralInvalid(message, {"reason": [message]})
    return reason


def accept(actor: User, referral, *, expected_version: int | None = None, on: date | None = None) -> Referral:
    """The operator accepts a sent referral."""
    referral, case, source = _begin(actor, referral, "accept", expected_version)
    on = on or clock.today()
    referral.state = ReferralState.ACCEPTED.value
    referral.accepted_at = utcnow()
    _record(actor, referral, case, "accept", from_state=source, on=on)
    return referral


def decline(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The operator declines a sent referral (with a reason); the step goes back to the office."""
    reason = _check_reason("decline", reason)
    referral, case, source = _begin(actor, referral, "decline", expected_version)
    on = on or clock.today()
    _step_move(actor, case, referral, "decline", on, reason="referral_declined")
    referral.state = ReferralState.DECLINED.value
    referral.reason = reason
    referral.ended_on = on
    _record(actor, referral, case, "decline", from_state=source, on=on, reason=reason)
    return referral


def start(actor: User, referral, *, on: date | None = None, expected_version: int | None = None) -> Referral:
    """The operator reports that the person started (the step moves to in progress)."""
    referral, case, source = _begin(actor, referral, "start", expected_version)
    return _start(actor, referral, case, source, on or clock.today())


def _start(actor: User, referral: Referral, case: Case, source: str, on: date) -> Referral:
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        _step_move(actor, case, referral, "start", on)
    referral.state = ReferralState.IN_PROGRESS.value
    referral.started_on = on
    _record(actor, referral, case, "start", from_state=source, on=on)
    return referral


def _step_move(actor: User, case: Case, referral: Referral, action: str, on: date, **change) -> StepInstance:
    if case.status != CaseStatus.IN_PROGRESS:
        raise ReferralError(
            _("The case is not in progress at the reception office: contact the office before going on.")
        )
    change_values = pathway.StepChange(**change)
    return _pathway(pathway.transition_step, actor, case, referral.step_code, action, change_values, on=on)


def parse_hours(value) -> Decimal:
    """Hours as a decimal number between 0 and 10,000 (``ReferralInvalid`` otherwise)."""
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, AttributeError) as exc:
        message = _("Enter the hours as a number.")
        raise ReferralInvalid(message, {"hours": [message]}) from exc
    if not hours.is_finite() or not 0 <= hours <= MAX_HOURS:
        message = _("Hours must be between 0 and 10,000.")
        raise ReferralInvalid(message, {"hours": [message]})
    return hours.quantize(Decimal("0.01"))


def record_attendance(
    actor: User,
    referral,
    *,
    sessions: int,
    hours,
    attended_from: date | None = None,
    attended_until: date | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Referral:
    """The operator records attendance so far (totals); an accepted referral starts with it."""
    errors: dict[str, list[str]] = {}
    try:
        total = parse_hours(hours)
    except ReferralInvalid as exc:
        errors.update(exc.errors)
        total = None
    if not isinstance(sessions, int) or isinstance(sessions, bool) or not 0 <= sessions <= MAX_SESSIONS:
        errors["sessions"] = [_("Enter a number of sessions between 0 and 1,000.")]
    on = on or clock.today()
    if attended_from and attended_until and attended_until < attended_from:
        errors["attended_until"] = [_("The last date is before the first date.")]
    for name, value in (("attended_from", attended_from), ("attended_until", attended_until)):
        if value is not None and value > on:
            errors.setdefault(name, []).append(_("This date is in the future."))
    if errors:
        raise ReferralInvalid(_("Correct the highlighted fields."), errors)
    referral = get_referral(actor, referral, for_update=True)
    if expected_version is not None and int(expected_version) != referral.version:
        raise _conflict()
    if actor.role != Role.OPERATOR:
        raise NotFound()
    case = db.session.get(Case, referral.case_id)
    if referral.state == ReferralState.ACCEPTED:
        _start(actor, referral, case, referral.state, attended_from or on)
    elif referral.state != ReferralState.IN_PROGRESS:
        raise InvalidTransition(_("Attendance can be recorded only on an accepted referral or one in progress."))
    step = db.session.get(StepInstance, referral.step_id)
    if step.state in (StepState.IN_PROGRESS, StepState.REFERRED):
        _pathway(pathway.record_attendance, actor, case, referral.step_code, total)
    referral.sessions = sessions
    referral.hours = total
    referral.attended_from = attended_from or referral.attended_from
    referral.attended_until = attended_until or referral.attended_until
    _record(actor, referral, case, "attendance", from_state=referral.state, on=on)
    return referral


def result_options(referral: Referral) -> tuple[str, tuple[str, ...]]:
    """What result the step expects: (kind, options); kind is "" when it expects none."""
    case = db.session.get(Case, referral.case_id)
    expected = pathway.definition_of(case).step(referral.step_code).result
    if not expected:
        return "", ()
    kind = expected["type"]
    options = {"cefr": CEFR_LEVELS, "choice": tuple(expected.get("options", ())), "pass_fail": pathway.PASS_FAIL}[kind]
    return kind, tuple(options)


def complete(
    actor: User,
    referral,
    *,
    result: str | None = None,
    course_format: str | None = None,
    hours=None,
    sessions: int | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Referral:
    """The operator confirms completion (with the result the step expects); the step completes.

    Exactly one completion is recorded even when confirmations race: the row lock and the
    version make the others raise ``Conflict``/``InvalidTransition``.
    """
    referral, case, source = _begin(actor, referral, "complete", expected_version)
    on = on or clock.today()
    kind, options = result_options(referral)
    errors = {}
    if kind and result not in options:
        errors["result"] = [_("Choose the result (%(options)s).", options=", ".join(options))]
    if not kind and result:
        errors["result"] = [_("This step records no result.")]
    if course_format and course_format not in FORMAT_LABELS:
        errors["course_format"] = [_("Choose a format from the list.")]
    total = None
    if hours is not None and hours != "":
        try:
            total = parse_hours(hours)
        except ReferralInvalid as exc:
            errors.update(exc.errors)
    if sessions is not None and (not isinstance(sessions, int) or not 0 <= sessions <= MAX_SESSIONS):
        errors["sessions"] = [_("Enter a number of sessions between 0 and 1,000.")]
    if errors:
        raise ReferralInvalid(_("Correct the highlighted fields."), errors)
    if total is not None:
        referral.hours = total
    if sessions is not None:
        referral.sessions = sessions
    step_def = pathway.definition_of(case).step(referral.step_code)
    evidence = tuple(code for code in step_def.evidence if code == "attendance_record")
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        _step_move(actor, case, referral, "start", on)
    _step_move(actor, case, referral, "complete", on, hours=referral.hours, result=result or None, evidence=evidence)
    referral.state = ReferralState.COMPLETED.value
    referral.result = result or None
    referral.course_format = course_format or (result if kind == "choice" else None)
    referral.ended_on = on
    _record(actor, referral, case, "complete", from_state=source, on=on)
    return referral


def abandon(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The operator reports that the person abandoned; the step is recorded as failed (or returned)."""
    reason = _check_reason("abandon", reason)
    referral, case, source = _begin(actor, referral, "abandon", expected_version)
    on = on or clock.today()
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        _step_move(actor, case, referral, "decline", on, reason="referral_abandoned")
    elif step.state == StepState.IN_PROGRESS:
        _step_move(actor, case, referral, "fail", on, reason="referral_abandoned")
    referral.state = ReferralState.ABANDONED.value
    referral.reason = reason
    referral.ended_on = on
    _record(actor, referral, case, "abandon", from_state=source, on=on, reason=reason)
    return referral


def withdraw(
    actor: User, referral, reason: str | None, *, expected_version: int | None = None, on: date | None = None
) -> Referral:
    """The agent withdraws an open referral; the step returns to "pending" so it can be referred again."""
    reason = _check_reason("withdraw", reason)
    referral, case, source = _begin(actor, referral, "withdraw", expected_version)
    on = on or clock.today()
    step = db.session.get(StepInstance, referral.step_id)
    if step.state == StepState.REFERRED:
        _step_move(actor, case, referral, "decline", on, reason="referral_withdrawn")
    elif step.state == StepState.IN_PROGRESS:
        _step_move(actor, case, referral, "fail", on, reason="referral_withdrawn")
        _step_move(actor, case, referral, "retry", on)
    referral.state = ReferralState.WITHDRAWN.value
    referral.reason = reason
    referral.ended_on = on
    _record(actor, referral, case, "withdraw", from_state=source, on=on, reason=reason)
    return referral


# ---------------------------------------------------------------------------------------------
# Agent notifications


_OPERATOR_EVENT = (ReferralEvent.office_id == bindparam("office_id"), ReferralEvent.actor_role == Role.OPERATOR.value)
_SEEN_AT = select(UpdatesSeen.seen_at).where(UpdatesSeen.user_id == bindparam("user_id")).scalar_subquery()
# Built once (the dashboard shows this panel on every page load): only the values are bound per call.
_UNSEEN_COUNT = (
    select(func.count())
    .select_from(ReferralEvent)
    .where(*_OPERATOR_EVENT, or_(_SEEN_AT.is_(None), ReferralEvent.at > _SEEN_AT))
)
_LATEST_UPDATES = (
    select(ReferralEvent, Referral, OperatorOrganisation)
    .join(Referral, Referral.id == ReferralEvent.referral_id)
    .join(OperatorOrganisation, OperatorOrganisation.id == Referral.operator_id)
    .where(*_OPERATOR_EVENT)
    .order_by(ReferralEvent.at.desc())
    .limit(bindparam("limit"))
)


def operator_updates(actor: User, *, limit: int = 10) -> tuple[list[tuple[ReferralEvent, Referral]], int]:
    """The latest operator updates on referrals of the agent's office, and how many are unseen."""
    if actor.role != Role.AGENT or actor.office_id is None:
        return [], 0
    unseen = db.session.scalar(_UNSEEN_COUNT, {"office_id": actor.office_id, "user_id": actor.id}) or 0
    rows = db.session.execute(_LATEST_UPDATES, {"office_id": actor.office_id, "limit": limit}).all()
    # The organisation is loaded with the row, so ``referral.operator`` needs no further query.
    return [(event, referral) for event, referral, _organisation in rows], unseen


def mark_updates_seen(actor: User) -> None:
    """Remember that the agent has seen the operator updates so far."""
    seen = db.session.get(UpdatesSeen, actor.id)
    if seen is None:
        db.session.add(UpdatesSeen(user_id=actor.id, seen_at=utcnow()))
    else:
        seen.seen_at = utcnow()
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# E-mail notifications (outbox)

EMAIL_SUBJECTS = {
    "send": _l("New referral %(reference)s"),
    "accept": _l("Referral %(reference)s accepted"),
    "decline": _l("Referral %(reference)s declined"),
    "start": _l("Referral %(reference)s started"),
    "complete": _l("Referral %(reference)s completed"),
    "abandon": _l("Referral %(reference)s abandoned"),
    "withdraw": _l("Referral %(reference)s withdrawn"),
}


def _queue_email(referral: Referral, action: str) -> None:
    """Queue an e-mail when the organisation asked for notifications: reference only, no person data."""
    if action not in EMAIL_SUBJECTS or action == "attendance":
        return
    if action in ("send", "withdraw"):
        profile = get_profile(referral.operator_id)
        recipient = profile.contact_email if profile is not None and profile.notify_by_email else None
    else:
        recipient = None  # agents read operator updates on their dashboard
    if not recipient:
        return
    subject = str(EMAIL_SUBJECTS[action]) % {"reference": referral.reference}
    body = _(
        "Referral %(reference)s: %(what)s. Open the operator portal to see it; no personal data is sent by e-mail.",
        reference=referral.reference,
        what=str(EMAIL_SUBJECTS[action]) % {"reference": referral.reference},
    )
    db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body))
