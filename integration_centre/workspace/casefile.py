"""What the case page reads besides the schedule: the case's timeline, the person's evidence
documents, its steps as a task list (what each still needs, what comes first) and its case moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.certification import RESULT_LABELS
from integration_centre.pathway.definitions import CEFR_LEVELS, PathwayDefinition, StepDefinition
from integration_centre.pathway.labels import EVIDENCE_LABELS
from integration_centre.pathway.models import Case, Newcomer, StepInstance, TimelineEntry
from integration_centre.pathway.states import CaseStatus, StepState, case_actions_from, step_actions_from


def timeline_of(case: Case) -> list[TimelineEntry]:
    """The case's timeline, latest first, actors loaded in the same round trip."""
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case.id)
            .options(selectinload(TimelineEntry.actor))
            .order_by(TimelineEntry.at.desc())
        )
    )


def documents_of(actor: User, case: Case) -> list[dict]:
    """The person's evidence documents ``actor`` may read (names decrypted, audited): a medical
    certificate only for the agents of an office holding one of the person's cases."""
    return pathway.documents_of(actor, db.session.get(Newcomer, case.person_id))


# The step states from which an agent can mark a step done in one move (``pathway.complete_step``).
OPEN_STEP_STATES = (StepState.PENDING, StepState.PLANNED, StepState.REFERRED, StepState.IN_PROGRESS)
# Moves an agent makes from the case page (referrals to operators have their own panel).
AGENT_STEP_ACTIONS = ("plan", "start", "complete", "fail", "retry", "exempt", "cancel")
# Case moves that restate their consequence on a confirmation page before they happen.
CONFIRMED_CASE_ACTIONS = ("suspend", "close")


@dataclass
class StepRow:
    """One step of the case page's task list: its state, what it still needs, the moves it offers.

    ``waiting`` lists the steps that must come first (each with its anchor on the page); while it
    is not empty, "mark done" is shown disabled with that reason instead of being refused.
    """

    step: StepInstance
    definition: StepDefinition
    label: str
    anchor: str
    required: bool | None
    not_to_do: bool
    hours_done: Decimal
    hours_target: Decimal | None
    evidence: list[tuple[str, str, bool]]
    result_options: list[tuple[str, str]]
    result_value: str
    result_suggested: bool
    result_label: str | None
    actions: list[str]
    waiting: list[tuple[str, str]] = field(default_factory=list)
    can_complete: bool = False

    @property
    def evidence_missing(self) -> list[tuple[str, str, bool]]:
        return [item for item in self.evidence if not item[2]]

    @property
    def hours_input(self) -> str:
        """The hours recorded, as typed in the form (``12.5``, never ``1.25E+1``)."""
        return f"{self.hours_done.normalize():f}" if self.hours_done else ""

    @property
    def hours_missing(self) -> bool:
        return self.hours_target is not None and self.hours_done < self.hours_target


def step_anchor(code: str) -> str:
    """The id of a step's row on the case page (``#step-<code>``): saves return there."""
    return f"step-{code}"


def _result_label(value: str | None) -> str | None:
    if not value:
        return None
    return str(pathway.CIVIC_FORMAT_LABELS.get(value) or RESULT_LABELS.get(value) or value.replace("_", " "))


def result_choices(case: Case, step_def: StepDefinition) -> tuple[list[tuple[str, str]], str | None]:
    """The results a step expects, labelled, and the one the person's positioning suggests."""
    expected = step_def.result or {}
    options = {"cefr": CEFR_LEVELS, "pass_fail": pathway.PASS_FAIL}.get(
        expected.get("type"), tuple(expected.get("options", ()))
    )
    choices = [(o, _result_label(o)) for o in options]
    suggested = None
    if set(options) & set(pathway.CIVIC_FORMAT_LABELS):
        fitting = pathway.fitting_civic_format(pathway.last_positioning_level(case))
        suggested = fitting if fitting in options else None
    return choices, suggested


def step_rows(case: Case, definition: PathwayDefinition, language: str) -> list[StepRow]:
    """The case's steps as the case page lists them, each stating before any submit what marking
    it done needs: hours target and hours done, evidence expected and received, result expected."""
    in_progress = case.status == CaseStatus.IN_PROGRESS
    labels = {s.code: s.label(language) for s in definition.steps}
    rows = []
    for step in case.steps:
        step_def = definition.step(step.step_code)
        state = StepState(step.state)
        options, suggested = result_choices(case, step_def)
        waiting = []
        if state in OPEN_STEP_STATES and state != StepState.IN_PROGRESS:
            waiting = [(s.code, labels[s.code]) for s in pathway.waiting_for(case, step_def, definition)]
        received = set(step.evidence or [])
        rows.append(
            StepRow(
                step=step,
                definition=step_def,
                label=labels[step.step_code],
                anchor=step_anchor(step.step_code),
                required=pathway.step_required(case, step_def, definition),
                not_to_do=pathway.not_to_do(case, step_def, definition),
                hours_done=Decimal(step.hours or 0),
                hours_target=Decimal(str(step_def.min_hours)) if step_def.min_hours is not None else None,
                evidence=[(code, str(EVIDENCE_LABELS.get(code, code)), code in received) for code in step_def.evidence],
                result_options=options,
                result_value=step.result or suggested or "",
                result_suggested=bool(suggested) and not step.result,
                result_label=_result_label(step.result),
                actions=[a for a in step_actions_from(state) if a in AGENT_STEP_ACTIONS] if in_progress else [],
                waiting=waiting,
                can_complete=in_progress and state in OPEN_STEP_STATES and step_def.confirmable_by_role("agent", None),
            )
        )
    return rows


@dataclass
class CaseMove:
    """A case-level move on the case page: offered, or shown disabled with the reason and a link
    to what comes first; ``confirm`` when it goes through a confirmation page."""

    action: str
    enabled: bool
    reason: str | None = None
    first: str | None = None  # the anchor of what comes first
    confirm: bool = False


def case_moves(case: Case, definition: PathwayDefinition) -> list[CaseMove]:
    """The case moves from the case's status, each with whether it can happen now."""
    moves = []
    for action in case_actions_from(CaseStatus(case.status)):
        if action == "transfer":  # the caseload panel asks for transfers
            continue
        move = CaseMove(action=action, enabled=True, confirm=action in CONFIRMED_CASE_ACTIONS)
        if action == "complete":
            problem = pathway.case_completion_problem(case)
            if problem:
                final = next((s.code for s in definition.steps if s.ends_pathway), None)
                move.enabled, move.reason = False, problem
                move.first = step_anchor(final) if final else "steps-title"
        moves.append(move)
    return moves
