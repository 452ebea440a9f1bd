"""The person's pathway as they read it: the steps done and to come with their hours, and the
deadlines in plain words.

Reuses the case page's reading (``workspace.casefile.step_rows``: what each step still needs)
and the pathway's deadline rule (``pathway.deadlines.deadline_date``). Every function takes the
person's audit actor and the session's person id; personal fields are read only inside an
audited ``access`` under the caller's purpose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from integration_centre import clock
from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.operators.models import Referral
from integration_centre.operators.referrals import OPEN_STATES
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES, DONE_STEP_STATES, StepState
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space import labels
from integration_centre.workspace.casefile import step_rows


def cases_of(person_id: uuid.UUID) -> list[Case]:
    """The person's cases, the active ones first, then the newest."""
    cases = list(db.session.scalars(select(Case).where(Case.person_id == person_id).order_by(Case.opened_on.desc())))
    return sorted(cases, key=lambda c: c.status not in ACTIVE_CASE_STATUSES)


def current_case(person_id: uuid.UUID) -> Case | None:
    """The case the space shows: the active one, else the latest."""
    cases = cases_of(person_id)
    return cases[0] if cases else None


def step_name(code: str, definition_label: str) -> str:
    """A step in plain words (the definition's label when the space has none for it)."""
    label = labels.STEP_NAMES.get(code)
    return str(label) if label is not None else definition_label


def _hours_text(done: Decimal, target: Decimal | None) -> str | None:
    if target is not None:
        return _("%(done)s of %(total)s hours", done=_number(done), total=_number(target))
    if done:
        return _("%(hours)s hours", hours=_number(done))
    return None


def _number(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


@dataclass(frozen=True)
class StepLine:
    """One step as the person reads it."""

    code: str
    name: str
    state: str
    state_label: str
    done: bool
    hours: str | None
    ended_on: date | None


@dataclass(frozen=True)
class Steps:
    done: list[StepLine]
    to_come: list[StepLine]

    @property
    def next(self) -> StepLine | None:
        return self.to_come[0] if self.to_come else None


def steps_of(actor: Actor, person_id: uuid.UUID, purpose: str) -> Steps:
    """The steps of the person's current case, done and to come (steps not needed are left out)."""
    case = current_case(person_id)
    if case is None:
        return Steps([], [])
    with access(actor, purpose, [person_id]):
        definition = pathway.definition_of(case)
        rows = step_rows(case, definition, current_language())
    done, to_come = [], []
    for row in rows:
        state = StepState(row.step.state)
        if (
            row.not_to_do
            or state == StepState.CANCELLED
            or (row.definition.ends_pathway and state not in DONE_STEP_STATES)
        ):
            continue
        line = StepLine(
            code=row.step.step_code,
            name=step_name(row.step.step_code, row.label),
            state=state.value,
            state_label=str(labels.STEP_STATES.get(state.value, state.value)),
            done=state in DONE_STEP_STATES,
            hours=_hours_text(row.hours_done, row.hours_target),
            ended_on=row.step.ended_on,
        )
        (done if line.done else to_come).append(line)
    return Steps(done, to_come)


@dataclass(frozen=True)
class DeadlineLine:
    """One deadline in plain words."""

    due_on: date
    sentence: str
    passed: bool


def long_date(value: date) -> str:
    """A date written out in the person's language, for the middle or end of a sentence (without
    the final dot some locales end it with — "12 березня 2027 р." — which the sentence adds)."""
    return format_date(value, "long").rstrip(".")


def _sentence(code: str, when: str, label: str) -> str:
    if code == "report":
        return _("You must come to your reception office before %(date)s.", date=when)
    if code == "completion":
        return _("You must finish your integration pathway before %(date)s.", date=when)
    return _("%(what)s: before %(date)s.", what=label, date=when)


def deadlines_of(actor: Actor, person_id: uuid.UUID, purpose: str, *, today: date | None = None) -> list[DeadlineLine]:
    """The deadlines of the person's active case (the pathway's and the open referrals'), soonest
    first. A person who is not obliged has none (``pathway.deadlines.deadline_date``)."""
    today = today or clock.today()
    case = current_case(person_id)
    if case is None or case.status not in ACTIVE_CASE_STATUSES:
        return []
    language = current_language()
    definition = pathway.definition_of(case)
    newcomer = db.session.get(Newcomer, person_id)
    with access(actor, purpose, [person_id]):
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    lines = []
    for deadline in definition.deadlines:
        if deadline.code == "report":
            continue  # the person has a case: they came, the duty to present is behind them
        due = pathway.deadline_date(case, dates, deadline.code)
        if due is not None:
            sentence = _sentence(deadline.code, long_date(due), deadline.label(language))
            lines.append(DeadlineLine(due, sentence, due < today))
    referrals = db.session.scalars(
        select(Referral).where(
            Referral.case_id == case.id, Referral.state.in_(list(OPEN_STATES)), Referral.deadline.is_not(None)
        )
    )
    for referral in referrals:
        try:
            label = definition.step(referral.step_code).label(language)
        except KeyError:
            continue
        name = step_name(referral.step_code, label)
        when = long_date(referral.deadline)
        sentence = _("You must finish “%(step)s” before %(date)s.", step=name, date=when)
        lines.append(DeadlineLine(referral.deadline, sentence, referral.deadline < today))
    return sorted(lines, key=lambda line: line.due_on)
