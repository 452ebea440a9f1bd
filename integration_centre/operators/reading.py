"""Reading referrals: lookup within the actor's reach, lists, summaries and what an operator may see.

``operator_view`` is the ONE place that defines what an operator may see of a person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from integration_centre.accounts.models import Role, User
from integration_centre.accounts.permissions import can_see_office, can_see_operator_item
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.operators.directory import Page, page_number
from integration_centre.operators.errors import NotFound
from integration_centre.operators.models import Referral
from integration_centre.operators.referrals import OPEN_STATES, TABS, ReferralState
from integration_centre.pathway.definitions import cefr_rank, registry
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.states import StepState
from integration_centre.privacy.access import access

PER_PAGE = 25
MAX_PER_PAGE = 100


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
    overdue_on: date | None = None,
    only_ids: list | None = None,
) -> Page:
    """The operator's referrals (their organisation only), newest change first, one page.

    Filters: ``state`` (one referral state), ``tab`` (new, accepted, in_progress, done),
    ``updated_since`` (changed at or after), ``reference`` (exact, case-insensitive),
    ``service_type``, ``overdue_on`` (open referrals whose deadline is before that day),
    ``only_ids`` (among these referrals: e.g. ``ready_to_confirm``). Agents
    get the referrals of their office. ``known_total`` (the number of matching referrals, when
    the caller already counted them) saves the count query. With
    ``summaries`` the items are ``referral_summary`` dicts read as plain rows, each with its
    step label (the case's rule version joined), instead of ``Referral`` entities.
    """
    query = _referral_query(
        actor,
        state=state,
        tab=tab,
        updated_since=updated_since,
        reference=reference,
        service_type=service_type,
        only_ids=only_ids,
        overdue_on=overdue_on,
    )
    per_page = max(1, min(int(per_page or PER_PAGE), MAX_PER_PAGE))
    page = page_number(page)
    total = _total(query) if known_total is None else known_total
    page_ids = _page_ids(query, page, per_page)
    if summaries:
        rows = db.session.execute(
            select(*_SUMMARY_COLUMNS, Case.definition_code, Case.definition_version)
            .select_from(Referral)
            .join(page_ids, page_ids.c.id == Referral.id)
            .join(Case, Case.id == Referral.case_id)
            .order_by(*_LISTING_ORDER)
        )
        locale = current_language()
        items = [
            _summary(row, _step_label(row.definition_code, row.definition_version, row.step_code, locale))
            for row in rows
        ]
    else:
        items = list(
            db.session.scalars(select(Referral).join(page_ids, page_ids.c.id == Referral.id).order_by(*_LISTING_ORDER))
        )
    return Page(items, total, page, per_page)


def inbox_page(
    actor: User,
    page: int = 1,
    *,
    tab: str | None = None,
    state: str | None = None,
    service_type: str | None = None,
    overdue_on: date | None = None,
    only_ids: list | None = None,
    known_total: int | None = None,
    now: datetime | None = None,
) -> Page:
    """One page of the operator's inbox (``list_referrals``' filters and order): its items are
    ``(row, progress)`` pairs, a row holding the listing's columns with the step's hours and the
    case's rule version joined in the same statement, so a page is two statements (one more for
    the positioning levels), whatever its size."""
    query = _referral_query(
        actor, state=state, tab=tab, service_type=service_type, only_ids=only_ids, overdue_on=overdue_on
    )
    page = page_number(page)
    total = _total(query) if known_total is None else known_total
    page_ids = _page_ids(query, page, PER_PAGE)
    rows = db.session.execute(
        select(*_PROGRESS_COLUMNS, Referral.reference, Referral.sent_on, Referral.deadline)
        .select_from(Referral)
        .join(page_ids, page_ids.c.id == Referral.id)
        .join(StepInstance, StepInstance.id == Referral.step_id)
        .join(Case, Case.id == Referral.case_id)
        .order_by(*_LISTING_ORDER)
    ).all()
    progress = _progress_of(rows, now)
    return Page([(row, progress[row.id]) for row in rows], total, page, PER_PAGE)


# Newest change first, ties by id, both descending: a backward scan of the listing index, no sort.
_LISTING_ORDER = (Referral.updated_at.desc(), Referral.id.desc())


def _referral_query(
    actor: User,
    *,
    state: str | None = None,
    tab: str | None = None,
    updated_since: datetime | None = None,
    reference: str | None = None,
    service_type: str | None = None,
    only_ids: list | None = None,
    overdue_on: date | None = None,
):
    """The referrals ``actor`` sees (their organisation's, or their office's for an agent), filtered."""
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
    if only_ids is not None:
        query = query.where(Referral.id.in_(list(only_ids)))
    if overdue_on is not None:
        query = query.where(Referral.state.in_([s.value for s in OPEN_STATES]), Referral.deadline < overdue_on)
    return query


def _total(query) -> int:
    """The number of referrals ``query`` matches."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _page_ids(query, page: int, per_page: int):
    """The ids of one page of ``query``, from the listing index alone in its order (deep pages skip
    index entries, not rows), as a subquery the page's rows are joined to in the same statement."""
    return (
        query.with_only_columns(Referral.id)
        .order_by(*_LISTING_ORDER)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .subquery()
    )


def tab_counts(actor: User) -> dict[str, int]:
    """Number of referrals per inbox tab for the operator's organisation."""
    return tabs_of(state_counts(actor))


def tabs_of(by_state: dict[str, int]) -> dict[str, int]:
    """Number of referrals per inbox tab, from the numbers per state (``state_counts``)."""
    return {tab: sum(by_state.get(s.value, 0) for s in states) for tab, states in TABS.items()}


def state_counts(actor: User) -> dict[str, int]:
    """Number of the operator organisation's referrals in each state."""
    rows = db.session.execute(
        select(Referral.state, func.count()).where(Referral.operator_id == actor.operator_id).group_by(Referral.state)
    ).all()
    by_state = dict(rows)
    return {state.value: int(by_state.get(state.value, 0)) for state in ReferralState}


def step_label(referral: Referral, locale: str | None = None) -> str:
    """The label of the referred step in the case's definition version."""
    case = db.session.get(Case, referral.case_id)
    version = (case.definition_code, case.definition_version) if case else (None, None)
    return _step_label(*version, referral.step_code, locale or current_language())


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


# The services whose operator needs the person's last French positioning level to place them (a
# language school, the citizenship training whose format — AOC or FIC — follows the level).
LEVEL_SERVICES = frozenset({"french_course", "citizenship"})


@dataclass(frozen=True)
class Progress:
    """Where a referral's step stands: its hours so far against the target, and the person's level.

    ``hours`` is the step's total (every referral of the step, the hours the person attended at an
    earlier operator included: what completion is checked against), ``own_hours`` what this
    referral recorded, ``target`` the step's minimum hours (None when the step has none).
    ``level`` is the last French positioning level (a CEFR code), only for the services that
    place people by level (``LEVEL_SERVICES``) and only while the operator may see the person.
    """

    hours: Decimal
    own_hours: Decimal
    target: Decimal | None
    level: str | None

    @property
    def reached(self) -> bool:
        """True when the step has a target and its hours reach it."""
        return self.target is not None and self.hours >= self.target

    @property
    def meter(self) -> Decimal:
        """The hours to show on a progress bar (never beyond the target)."""
        return min(self.hours, self.target) if self.target is not None else self.hours


def _definition_facts(code: str, version: str, step_code: str) -> tuple[Decimal | None, str | None]:
    """(the step's minimum hours, the code of the definition's positioning step) of a rule version."""
    try:
        definition = registry().get(code, version)
        step_def = definition.step(step_code)
    except (KeyError, LookupError):
        return None, None
    target = Decimal(str(step_def.min_hours)) if step_def.min_hours is not None else None
    positioning = next((s.code for s in definition.steps if (s.result or {}).get("type") == "cefr"), None)
    return target, positioning


def referral_progress(referrals: list[Referral], now: datetime | None = None) -> dict[uuid.UUID, Progress]:
    """The ``Progress`` of each referral (two queries for any number of referrals).

    The caller has checked that the actor sees these referrals.
    """
    if not referrals:
        return {}
    rows = db.session.execute(
        select(*_PROGRESS_COLUMNS)
        .join(StepInstance, StepInstance.id == Referral.step_id)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.id.in_([r.id for r in referrals]))
    ).all()
    return _progress_of(rows, now)


# What a referral's progress is computed from: the referral's own columns, its step's hours, its
# case's rule version.
_PROGRESS_COLUMNS = (
    Referral.id,
    Referral.case_id,
    Referral.step_code,
    Referral.service_type,
    Referral.state,
    Referral.updated_at,
    Referral.hours,
    StepInstance.hours.label("step_hours"),
    Case.definition_code,
    Case.definition_version,
)


def _progress_of(rows, now: datetime | None) -> dict[uuid.UUID, Progress]:
    """The ``Progress`` of each row of ``_PROGRESS_COLUMNS`` (one more query for the levels).

    The level is the result of the case's positioning step (``pathway.last_positioning_level``'s
    rule: the definition's first step recording a CEFR level, once completed), a code: no
    personal field is decrypted.
    """
    facts, wanted = {}, {}
    for row in rows:
        target, positioning = _definition_facts(row.definition_code, row.definition_version, row.step_code)
        facts[row.id] = (row, target)
        if positioning and row.service_type in LEVEL_SERVICES and not person_closed(row, now):
            wanted[row.id] = (row.case_id, positioning)
    levels: dict[tuple, str] = {}
    if wanted:
        steps = db.session.execute(
            select(StepInstance.case_id, StepInstance.step_code, StepInstance.result).where(
                StepInstance.case_id.in_({case_id for case_id, _code in wanted.values()}),
                StepInstance.step_code.in_({code for _case, code in wanted.values()}),
                StepInstance.state == StepState.COMPLETED,
            )
        ).all()
        levels = {(s.case_id, s.step_code): s.result for s in steps if cefr_rank(s.result) is not None}
    result = {}
    for referral_id, (row, target) in facts.items():
        own = Decimal(row.hours or 0)
        step_total = Decimal(row.step_hours or 0)
        result[referral_id] = Progress(
            hours=max(step_total, own),
            own_hours=own,
            target=target,
            level=levels.get(wanted[referral_id]) if referral_id in wanted else None,
        )
    return result


def ready_to_confirm(actor: User) -> list[uuid.UUID]:
    """The operator's referrals in progress whose step's hours reach its target (completion can
    be confirmed). The targets are in the rule versions, not in the database: filtered here."""
    running = db.session.execute(
        select(
            Referral.id, Referral.step_code, Referral.hours, StepInstance.hours,
            Case.definition_code, Case.definition_version,
        )
        .join(StepInstance, StepInstance.id == Referral.step_id)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.operator_id == actor.operator_id, Referral.state == ReferralState.IN_PROGRESS.value)
    ).all()  # fmt: skip
    targets: dict[tuple, Decimal | None] = {}
    ready = []
    for referral_id, step_code, own_hours, step_hours, code, version in running:
        key = (code, version, step_code)
        if key not in targets:
            targets[key] = _definition_facts(code, version, step_code)[0]
        target = targets[key]
        if target is not None and max(Decimal(own_hours or 0), Decimal(step_hours or 0)) >= target:
            ready.append(referral_id)
    return ready


def operator_counts(actor: User, today: date) -> dict[str, int]:
    """The operator's home page counts: per state, overdue (open past their deadline) and "to
    confirm" (``ready_to_confirm``)."""
    own = Referral.operator_id == actor.operator_id
    overdue = db.session.scalar(
        select(func.count()).where(own, Referral.state.in_([s.value for s in OPEN_STATES]), Referral.deadline < today)
    )
    return {**state_counts(actor), "overdue": int(overdue or 0), "to_confirm": len(ready_to_confirm(actor))}


def operator_view(referral: Referral, actor: User | None = None) -> dict:
    """Everything an operator may see of a referral — the ONE definition of it.

    The person: name, preferred language, interpreter need, phone and e-mail; for a French course
    or the citizenship training, the last French positioning level (``progress.level``: the school
    needs it to place the learner). Never the date of birth, NISS, address, nationality, residence
    status, assessment or the case's other steps. ``progress``: the step's hours against its target.
    The decryption is audited under ``actor`` (default: the logged-in user).

    Once the referral is finished (``person_closed``), ``person`` is None and nothing is
    decrypted: the operator keeps the reference, the dates and its own records (what it
    reported, its own history entries), not the agent's (e.g. the reason of a withdrawal).
    """
    view = referral_summary(referral)
    view["progress"] = referral_progress([referral]).get(referral.id)
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
