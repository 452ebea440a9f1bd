"""The reception module's rules: social assessment, information session, positioning test,
procedure tasks, agreement signature, certificate of attendance, third-party notifications.

Every public function checks permission (404 when the case is out of reach: agents of the case's
office only), validates its input (``ReceptionInvalid`` with one translated message per field,
raised before anything is written), writes one timeline entry (codes only) and moves the
matching pathway step through ``pathway.services`` so the case stays consistent. Functions
flush, never commit; when one raises, the caller rolls back.

The social assessment is special-category data: its content is read only through
``assessment_for`` (agents of the case's office, audited); events and the timeline only say that
it was recorded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.models import Centre, Office, User
from integration_centre.accounts.permissions import require
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.pathway import reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.definitions import CEFR_LEVELS, PathwayDefinition
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.models import Case, Newcomer, StepInstance
from integration_centre.pathway.permissions import can_see_case
from integration_centre.pathway.registration import ensure_writable
from integration_centre.pathway.states import DONE_STEP_STATES, FINAL_STEP_STATES, CaseStatus, StepState
from integration_centre.privacy.access import access
from integration_centre.reception.models import (
    ASSESSMENT_DOMAINS,
    NEED_LEVELS,
    Certificate,
    InformationSession,
    PositioningTest,
    ProcedureTask,
    SocialAssessment,
    ThirdPartyNotification,
)

DOMAIN_LABELS = {
    "housing": _l("Housing"),
    "health": _l("Health"),
    "children": _l("Children"),
    "employment": _l("Employment"),
    "training": _l("Training"),
    "diplomas": _l("Diplomas and equivalence"),
    "family": _l("Family"),
    "legal": _l("Legal matters"),
    "leisure": _l("Leisure"),
}
NEED_LABELS = {
    "none": _l("No need"),
    "to_follow": _l("Need to follow up"),
    "urgent": _l("Urgent need"),
}
SESSION_FORMATS = {"individual": _l("Individual"), "group": _l("Group")}
SESSION_THEMES = {
    "fundamental_rights": _l("Fundamental rights and freedoms"),
    "equality": _l("Equality between women and men, non-discrimination"),
    "residence": _l("Residence rights and obligations"),
    "work_social_security": _l("Work and social security"),
    "housing": _l("Housing: tenants' rights and duties"),
    "health_system": _l("Health care system"),
    "education": _l("Education and compulsory schooling"),
    "institutions": _l("Belgian institutions"),
    "pathway": _l("The integration pathway and its obligations"),
}
TASK_KINDS = {
    "municipality": _l("Registration at the municipality"),
    "health_insurance": _l("Health insurance fund (mutuelle)"),
    "bank_account": _l("Bank account"),
    "cpas": _l("CPAS social aid"),
    "school": _l("School enrolment of the children"),
    "diploma_equivalence": _l("Diploma equivalence"),
    "employment_office": _l("Registration at the employment office"),
    "driving_licence": _l("Driving licence exchange"),
    "housing": _l("Housing search"),
    "other": _l("Other procedure"),
}
REVOCATION_REASONS = {
    "issued_in_error": _l("Issued in error"),
    "fraud": _l("Fraud or false information"),
    "replaced": _l("Replaced by a corrected certificate"),
    "other": _l("Other reason"),
}
RECIPIENTS = {"municipality": _l("Municipality"), "cpas": _l("CPAS")}
MAX_DETAIL = 2000
MAX_NOTES = 10000
MAX_TITLE = 200

# Which step of the definitions each record moves (the Brussels pathway combines the social
# assessment and the language test in one step, completed when both are recorded).
ASSESSMENT_STEPS = ("social_assessment", "social_language_assessment")
LANGUAGE_STEPS = ("language_test", "social_language_assessment")
COMBINED_STEP = "social_language_assessment"
RIGHTS_STEPS = ("rights_and_duties",)
ADMIN_HELP_STEPS = ("admin_help",)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


class ReceptionInvalid(PathwayError):
    """Input refused; ``errors`` maps field names to translated messages. Nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Correct the errors below: nothing was saved."), code="invalid")
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Helpers


def _case_in_reach(actor: User, case: Case | None) -> Case:
    require(can_see_case(actor, case))
    return case


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise PathwayConflict(pathway.conflict_message())


def _check_case_active(case: Case) -> None:
    """Reception records need a case open or in progress (an open case is started) and a file
    that is not restricted (GDPR Art. 18)."""
    ensure_writable(case.person_id)
    if case.status not in (CaseStatus.OPEN, CaseStatus.IN_PROGRESS):
        raise PathwayError(
            _(
                "The case is %(status)s: nothing can be recorded on it.",
                status=pathway.STATUS_LABELS[CaseStatus(case.status)],
            )
        )


def _ensure_started(actor: User, case: Case, on: date) -> None:
    if case.status == CaseStatus.OPEN:
        pathway.transition_case(actor, case, "start", on=max(on, case.opened_on))


def _check_date(errors: dict, field: str, value, case: Case, *, today: date, allow_future: bool = False) -> None:
    if not isinstance(value, date):
        errors[field] = _("Enter a valid date.")
    elif not allow_future and value > today:
        errors[field] = _("The date cannot be in the future.")
    elif value < case.opened_on:
        errors[field] = _("The date cannot be before the case was opened.")


def _step(case: Case, codes: tuple[str, ...]) -> StepInstance | None:
    for code in codes:
        try:
            return case.step(code)
        except KeyError:
            continue
    return None


def _advance(
    actor: User, case: Case, step: StepInstance | None, on: date, *, complete: bool, change=None
) -> str | None:
    """Start (and complete) ``step``; returns the translated reason when a guard refused a move.

    Guards are checked before the step changes, so a refusal leaves it as it was; a conflict
    (someone else saved the case) is raised.
    """
    if step is None or step.state in DONE_STEP_STATES:
        return None
    try:
        if step.state in (StepState.PENDING, StepState.PLANNED, StepState.REFERRED):
            pathway.transition_step(actor, case, step.step_code, "start", on=on)
        if complete:
            pathway.transition_step(actor, case, step.step_code, "complete", change, on=on)
    except PathwayConflict:
        raise
    except PathwayError as exc:
        return exc.message
    return None


def _emit(actor: User, case: Case, event_type: str, on: date, *, reason: str | None = None) -> None:
    pathway.emit_case_event(actor, case, event_type, on=on, reason=reason)


def _parse_hours(value, field: str, errors: dict, *, maximum: Decimal) -> Decimal | None:
    try:
        hours = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = _("Hours must be a number, like 2 or 2.5.")
        return None
    if not hours.is_finite() or hours <= 0 or hours > maximum:
        errors[field] = _("Hours must be more than 0 and at most %(maximum)s.", maximum=f"{maximum.normalize():f}")
        return None
    return hours.quantize(Decimal("0.01"))


def _today(on: date | None) -> date:
    return on or clock.today()


# ---------------------------------------------------------------------------------------------
# Social assessment


def _domain_value(value) -> dict | None:
    """Normalise one domain's input: a mapping ``{level, detail}`` or a plain text (to follow)."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        return {"level": "to_follow", "detail": value.strip()}
    if isinstance(value, dict):
        return {"level": value.get("level") or "none", "detail": (value.get("detail") or "").strip()}
    raise TypeError


def validate_assessment(data: dict, case: Case, *, today: date) -> tuple[dict, dict]:
    """Check an assessment's input; returns (clean values, errors by field)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    unknown = set(data) - set(ASSESSMENT_DOMAINS) - {"notes", "assessed_on"}
    if unknown:
        errors["__all__"] = _("Unknown assessment field: %(fields)s.", fields=", ".join(sorted(unknown)))
    for domain in ASSESSMENT_DOMAINS:
        try:
            value = _domain_value(data.get(domain))
        except TypeError:
            errors[domain] = _("Invalid value.")
            continue
        if value is None:
            clean[domain] = None
            continue
        if value["level"] not in NEED_LEVELS:
            errors[f"{domain}_level"] = _("Choose a level from the list.")
        if len(value["detail"]) > MAX_DETAIL:
            errors[f"{domain}_detail"] = _("At most %(count)s characters.", count=MAX_DETAIL)
        if value["level"] == "none" and not value["detail"]:
            value = None
        clean[domain] = value
    notes = (data.get("notes") or "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = _("At most %(count)s characters.", count=MAX_NOTES)
    clean["notes"] = notes or None
    assessed_on = data.get("assessed_on") or today
    _check_date(errors, "assessed_on", assessed_on, case, today=today)
    clean["assessed_on"] = assessed_on
    if not errors and all(clean[d] is None for d in ASSESSMENT_DOMAINS) and not clean["notes"]:
        errors["__all__"] = _("Record at least one need or a note.")
    return clean, errors


def record_assessment(
    actor: User, case: Case, data: dict, *, on: date | None = None, expected_version: int | None = None
) -> SocialAssessment:
    """Record (or update) the social assessment of ``case``.

    ``data`` maps domains (``ASSESSMENT_DOMAINS``) to ``{"level": "none"|"to_follow"|"urgent",
    "detail": str}`` or to a plain text (level "to_follow"), plus ``notes`` (free text) and
    ``assessed_on`` (date, default today). The first recording starts an open case, completes the
    social-assessment step and emits ``assessment_recorded`` (no content in the event).
    ``ReceptionInvalid`` on bad input, ``PathwayError`` when the case is not active.
    """
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    today = _today(on)
    clean, errors = validate_assessment(data, case, today=today)
    if errors:
        raise ReceptionInvalid(errors)
    _check_case_active(case)
    assessment = db.session.scalar(select(SocialAssessment).where(SocialAssessment.case_id == case.id))
    first = assessment is None
    if first:
        assessment = SocialAssessment(person_id=case.person_id, case_id=case.id, office_id=case.office_id)
        db.session.add(assessment)
    assessment.assessed_on = clean["assessed_on"]
    assessment.recorded_by_id = actor.id
    with access(actor, "reception.assessment", [case.person_id], action="update"):
        for domain in ASSESSMENT_DOMAINS:
            setattr(assessment, domain, clean[domain])
        assessment.notes = clean["notes"]
    _ensure_started(actor, case, clean["assessed_on"])
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "assessment.record" if first else "assessment.update")
    pathway.flush_or_conflict()
    step = _step(case, ASSESSMENT_STEPS)
    test = _latest_test(case)
    complete = step is not None and (step.step_code != COMBINED_STEP or test is not None)
    change = pathway.StepChange(result=test.level) if complete and step.step_code == COMBINED_STEP else None
    assessment.step_message = _advance(actor, case, step, clean["assessed_on"], complete=complete, change=change)
    if first:
        _emit(actor, case, "assessment_recorded", clean["assessed_on"])
    return assessment


def get_assessment(actor: User, case: Case) -> SocialAssessment | None:
    """The assessment row of ``case`` (content still encrypted), for agents of the case's office."""
    _case_in_reach(actor, case)
    return db.session.scalar(select(SocialAssessment).where(SocialAssessment.case_id == case.id))


def assessment_for(actor: User, case: Case) -> dict | None:
    """The decrypted assessment (audited read), only for agents of the case's office."""
    assessment = get_assessment(actor, case)
    if assessment is None:
        return None
    with access(actor, "reception.assessment", [case.person_id]):
        values = {domain: getattr(assessment, domain) for domain in ASSESSMENT_DOMAINS}
        values["notes"] = assessment.notes
    values["assessed_on"] = assessment.assessed_on
    values["recorded_by"] = assessment.recorded_by
    values["updated_at"] = assessment.updated_at
    return values


# ---------------------------------------------------------------------------------------------
# Rights-and-duties session


def record_session(
    actor: User,
    case: Case,
    *,
    held_on: date | None,
    format: str,
    themes: list[str],
    language: str | None,
    interpreter: bool,
    hours,
    today: date | None = None,
    expected_version: int | None = None,
) -> InformationSession:
    """Record a rights-and-duties information session attended by the person.

    The step's hours are the total of the sessions; it is completed once the definition's
    minimum hours (if any) are reached, otherwise the hours are recorded on the step in progress.
    """
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    today = _today(today)
    errors: dict[str, str] = {}
    _check_date(errors, "held_on", held_on, case, today=today)
    if format not in SESSION_FORMATS:
        errors["format"] = _("Choose individual or group.")
    themes = list(dict.fromkeys(themes or []))
    if not themes:
        errors["themes"] = _("Choose at least one theme.")
    elif any(theme not in SESSION_THEMES for theme in themes):
        errors["themes"] = _("Choose themes from the list.")
    if not language or not reference.is_valid_language(language):
        errors["language"] = _("Choose the language of the session.")
    parsed = _parse_hours(hours, "hours", errors, maximum=Decimal(12))
    if errors:
        raise ReceptionInvalid(errors)
    _check_case_active(case)
    session = InformationSession(
        person_id=case.person_id,
        case_id=case.id,
        held_on=held_on,
        format=format,
        themes=themes,
        hours=parsed,
        recorded_by_id=actor.id,
    )
    with access(actor, "reception.session", [case.person_id], action="update"):
        session.language = language
        session.interpreter = bool(interpreter)
    db.session.add(session)
    _ensure_started(actor, case, held_on)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "session.record", reason=format)
    pathway.flush_or_conflict()
    step = _step(case, RIGHTS_STEPS)
    message = None
    if step is not None and step.state not in DONE_STEP_STATES:
        total = _session_hours(case)
        minimum = pathway.definition_of(case).step(step.step_code).min_hours
        enough = minimum is None or total >= Decimal(str(minimum))
        if enough:
            message = _advance(actor, case, step, held_on, complete=True, change=pathway.StepChange(hours=total))
        else:
            message = _advance(actor, case, step, held_on, complete=False)
            if message is None:
                pathway.record_attendance(actor, case, step.step_code, total)
    session.step_message = message
    return session


def _session_hours(case: Case) -> Decimal:
    total = db.session.scalar(select(func.sum(InformationSession.hours)).where(InformationSession.case_id == case.id))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def sessions_of(actor: User, case: Case) -> list[dict]:
    """The case's information sessions (language decrypted, audited)."""
    _case_in_reach(actor, case)
    rows = db.session.scalars(
        select(InformationSession).where(InformationSession.case_id == case.id).order_by(InformationSession.held_on)
    ).all()
    if not rows:
        return []
    with access(actor, "reception.session", [case.person_id]):
        return [
            {
                "held_on": r.held_on,
                "format": r.format,
                "themes": r.themes,
                "hours": r.hours,
                "language": r.language,
                "interpreter": r.interpreter,
            }
            for r in rows
        ]


# ---------------------------------------------------------------------------------------------
# Positioning test


def _latest_test(case: Case) -> PositioningTest | None:
    return db.session.scalar(
        select(PositioningTest)
        .where(PositioningTest.case_id == case.id)
        .order_by(PositioningTest.tested_on.desc(), PositioningTest.created_at.desc())
        .limit(1)
    )


def record_positioning_test(
    actor: User,
    case: Case,
    *,
    tested_on: date | None,
    level: str,
    note: str | None = None,
    today: date | None = None,
    expected_version: int | None = None,
) -> PositioningTest:
    """Record the French positioning test result (CEFR level); completes the language-test step
    with that level as its result (the Brussels combined step once the assessment exists too)."""
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    today = _today(today)
    errors: dict[str, str] = {}
    _check_date(errors, "tested_on", tested_on, case, today=today)
    if level not in CEFR_LEVELS:
        errors["level"] = _("Choose a CEFR level from the list.")
    note = (note or "").strip() or None
    if note and len(note) > MAX_DETAIL:
        errors["note"] = _("At most %(count)s characters.", count=MAX_DETAIL)
    step = _step(case, LANGUAGE_STEPS)
    if not errors and step is not None and step.state in DONE_STEP_STATES:
        errors["level"] = _("The language test step is already completed (level %(level)s).", level=step.result or "—")
    if errors:
        raise ReceptionInvalid(errors)
    _check_case_active(case)
    test = PositioningTest(
        person_id=case.person_id, case_id=case.id, tested_on=tested_on, level=level, recorded_by_id=actor.id
    )
    if note:
        with access(actor, "reception.test", [case.person_id], action="update"):
            test.note = note
    db.session.add(test)
    _ensure_started(actor, case, tested_on)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "positioning.record", reason=level)
    pathway.flush_or_conflict()
    complete = step is not None and (step.step_code != COMBINED_STEP or _has_assessment(case))
    test.step_message = _advance(
        actor, case, step, tested_on, complete=complete, change=pathway.StepChange(result=level)
    )
    return test


def _has_assessment(case: Case) -> bool:
    return db.session.scalar(select(SocialAssessment.id).where(SocialAssessment.case_id == case.id)) is not None


def tests_of(actor: User, case: Case) -> list[PositioningTest]:
    """The case's positioning tests, newest first (levels only; notes stay encrypted)."""
    _case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(PositioningTest)
            .where(PositioningTest.case_id == case.id)
            .order_by(PositioningTest.tested_on.desc(), PositioningTest.created_at.desc())
        )
    )


# ---------------------------------------------------------------------------------------------
# Procedure tasks


def add_task(
    actor: User,
    case: Case,
    *,
    kind: str,
    title: str | None,
    due_on: date | None,
    today: date | None = None,
    expected_version: int | None = None,
) -> ProcedureTask:
    """Add a help-with-procedures task; starts the administrative-help step."""
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    today = _today(today)
    errors: dict[str, str] = {}
    if kind not in TASK_KINDS:
        errors["kind"] = _("Choose a kind of procedure from the list.")
    title = (title or "").strip()
    if kind == "other" and not title:
        errors["title"] = _("Describe the procedure.")
    if len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)s characters.", count=MAX_TITLE)
    if due_on is not None and due_on < case.opened_on:
        errors["due_on"] = _("The date cannot be before the case was opened.")
    if errors:
        raise ReceptionInvalid(errors)
    _check_case_active(case)
    task = ProcedureTask(person_id=case.person_id, case_id=case.id, kind=kind, due_on=due_on, created_by_id=actor.id)
    if title:
        with access(actor, "reception.task", [case.person_id], action="update"):
            task.title = title
    db.session.add(task)
    _ensure_started(actor, case, today)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "task.add", reason=kind)
    pathway.flush_or_conflict()
    task.step_message = _advance(actor, case, _step(case, ADMIN_HELP_STEPS), today, complete=False)
    return task


def complete_task(
    actor: User, task: ProcedureTask, *, on: date | None = None, expected_version: int | None = None
) -> ProcedureTask:
    """Mark a task done; when no task is left open, the administrative-help step is completed."""
    case = db.session.get(Case, task.case_id)
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    on = _today(on)
    if task.done_on is not None:
        raise PathwayError(_("This task is already done."))
    _check_case_active(case)
    task.done_on = max(on, case.opened_on)
    _ensure_started(actor, case, on)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "task.done", reason=task.kind)
    pathway.flush_or_conflict()
    open_tasks = db.session.scalar(
        select(func.count(ProcedureTask.id)).where(ProcedureTask.case_id == case.id, ProcedureTask.done_on.is_(None))
    )
    step = _step(case, ADMIN_HELP_STEPS)
    task.step_message = _advance(actor, case, step, task.done_on, complete=not open_tasks)
    return task


def tasks_of(actor: User, case: Case) -> list[dict]:
    """The case's tasks: open ones first by due date, then done ones (titles decrypted, audited)."""
    _case_in_reach(actor, case)
    rows = db.session.scalars(select(ProcedureTask).where(ProcedureTask.case_id == case.id)).all()
    rows.sort(key=lambda t: (t.done_on is not None, t.due_on or date.max, t.created_at))
    if not rows:
        return []
    with access(actor, "reception.task", [case.person_id]):
        return [{"id": t.id, "kind": t.kind, "title": t.title, "due_on": t.due_on, "done_on": t.done_on} for t in rows]


def get_task(actor: User, task_id) -> ProcedureTask:
    """The task ``task_id`` if its case is in reach, else 404."""
    task = db.session.get(ProcedureTask, task_id)
    require(task is not None)
    _case_in_reach(actor, db.session.get(Case, task.case_id))
    return task


# ---------------------------------------------------------------------------------------------
# Agreement


def agreement_step(definition: PathwayDefinition) -> str | None:
    """The step whose completion is the agreement signature."""
    return pathway.agreement_step(definition)


def sign_agreement(
    actor: User, case: Case, *, signed_on: date | None, today: date | None = None, expected_version: int | None = None
) -> Case:
    """Record the signature of the reception agreement: completes the agreement step (with the
    signed agreement as evidence), sets ``case.agreement_signed_on`` and emits ``agreement_signed``.
    Refused (``PathwayError``) while the steps it depends on are not done."""
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    today = _today(today)
    errors: dict[str, str] = {}
    _check_date(errors, "signed_on", signed_on, case, today=today)
    if errors:
        raise ReceptionInvalid(errors)
    code = agreement_step(pathway.definition_of(case))
    if code is None:
        raise PathwayError(_("This pathway has no reception agreement."))
    if case.agreement_signed_on is not None:
        raise PathwayError(_("The agreement was already signed on %(date)s.", date=case.agreement_signed_on))
    _check_case_active(case)
    _ensure_started(actor, case, signed_on)
    step = case.step(code)
    if step.state in (StepState.PENDING, StepState.PLANNED):
        pathway.transition_step(actor, case, code, "start", on=signed_on)
    pathway.transition_step(
        actor, case, code, "complete", pathway.StepChange(evidence=("signed_agreement",)), on=signed_on
    )
    case.agreement_signed_on = signed_on
    pathway.timeline_entry(actor, case, "agreement.sign", step=step)
    pathway.flush_or_conflict()
    _emit(actor, case, "agreement_signed", signed_on)
    return case


def agreement_content(actor: User, case: Case, language: str) -> dict:
    """What the agreement PDF shows: person, office, steps that apply with hours and deadlines."""
    _case_in_reach(actor, case)
    definition = pathway.definition_of(case)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.agreement", [case.person_id], action="export"):
        person = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "date_of_birth": newcomer.date_of_birth,
            "niss": newcomer.niss,
        }
        dates = {"permit_order": newcomer.permit_order_date, "registration": newcomer.registration_date}
    steps = []
    for step_def in definition.steps:
        instance = case.step(step_def.code)
        required = pathway.step_required(case, step_def, definition)
        if required is False or instance.state in (StepState.EXEMPTED, StepState.CANCELLED):
            continue
        steps.append(
            {
                "label": step_def.label(language),
                "mandatory": step_def.mandatory,
                "conditional": required is None,
                "min_hours": step_def.min_hours,
                "max_months": step_def.max_duration_months,
                "state": instance.state,
            }
        )
    deadlines = []
    for deadline in definition.deadlines:
        deadlines.append({"label": deadline.label(language), "date": pathway.deadline_date(case, dates, deadline.code)})
    office = db.session.get(Office, case.office_id)
    centre = db.session.get(Centre, case.centre_id)
    return {
        "person": person,
        "office": office.name if office else "",
        "centre": centre.name if centre else "",
        "definition": definition.label(language),
        "legal_basis": definition.legal_basis,
        "steps": steps,
        "deadlines": deadlines,
        "signed_on": case.agreement_signed_on,
        "opened_on": case.opened_on,
    }


# ---------------------------------------------------------------------------------------------
# Certificate of attendance


def certificate_missing_steps(case: Case) -> list[str]:
    """Labels of the steps that still stop the certificate: mandatory steps not completed or
    exempted, and optional steps still open (the pathway wants them done, exempted or cancelled)."""
    definition = pathway.definition_of(case)
    language = pathway.current_language()
    missing = []
    for step_def in definition.steps:
        if step_def.ends_pathway:
            continue
        state = case.step(step_def.code).state
        if state not in FINAL_STEP_STATES or (step_def.mandatory and state not in DONE_STEP_STATES):
            missing.append(step_def.label(language))
    return missing


def active_certificate(case: Case) -> Certificate | None:
    """The case's certificate that is not revoked, if any."""
    return db.session.scalar(
        select(Certificate).where(Certificate.case_id == case.id, Certificate.revoked_at.is_(None))
    )


def certificates_of(actor: User, case: Case) -> list[Certificate]:
    """Every certificate of the case, newest first."""
    _case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.case_id == case.id).order_by(Certificate.created_at.desc())
        )
    )


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def format_code(code: str) -> str:
    """The verification code in groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(value: str) -> str:
    """A typed or scanned code back to its stored form (dashes, spaces, case ignored)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def issue_certificate(
    actor: User, case: Case, *, on: date | None = None, expected_version: int | None = None
) -> Certificate:
    """Issue the certificate of attendance once every mandatory step is completed or exempted.

    Completes the certificate step (the pathway refuses while optional steps that apply are still
    open), stores the encrypted snapshot printed on the PDF, emits ``certificate_issued``.
    """
    _case_in_reach(actor, case)
    _check_version(case, expected_version)
    on = _today(on)
    ensure_writable(case.person_id)
    missing = certificate_missing_steps(case)
    if missing:
        raise PathwayError(_("The certificate needs first: %(steps)s.", steps=", ".join(missing)))
    if active_certificate(case) is not None:
        raise PathwayError(_("A valid certificate already exists for this case: revoke it first to issue another."))
    if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.COMPLETED):
        raise PathwayError(
            _(
                "The case is %(status)s: no certificate can be issued.",
                status=pathway.STATUS_LABELS[CaseStatus(case.status)],
            )
        )
    definition = pathway.definition_of(case)
    final = next((s for s in definition.steps if s.ends_pathway), None)
    if final is not None and case.step(final.code).state not in DONE_STEP_STATES:
        step = case.step(final.code)
        if step.state in (StepState.PENDING, StepState.PLANNED):
            pathway.transition_step(actor, case, final.code, "start", on=on)
        pathway.transition_step(actor, case, final.code, "complete", on=on)
    certificate = Certificate(
        person_id=case.person_id,
        code=_new_code(),
        case_id=case.id,
        office_id=case.office_id,
        centre_id=case.centre_id,
        issued_on=on,
        issued_by_id=actor.id,
    )
    snapshot = _certificate_snapshot(actor, case, definition)
    with access(actor, "reception.certificate", [case.person_id], action="update"):
        certificate.snapshot = snapshot
    db.session.add(certificate)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "certificate.issue")
    pathway.flush_or_conflict()
    _emit(actor, case, "certificate_issued", on)
    return certificate


def _certificate_snapshot(actor: User, case: Case, definition: PathwayDefinition) -> dict:
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.certificate", [case.person_id]):
        person = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "date_of_birth": newcomer.date_of_birth.isoformat() if newcomer.date_of_birth else None,
            "nationality": newcomer.nationality,
        }
    modules = []
    for step_def in definition.steps:
        if step_def.ends_pathway:
            continue
        step = case.step(step_def.code)
        if step.state not in DONE_STEP_STATES or step.state_reason == "condition_not_met":
            continue
        modules.append(
            {
                "code": step_def.code,
                "labels": dict(step_def.labels),
                "state": step.state.value if hasattr(step.state, "value") else str(step.state),
                "hours": f"{Decimal(step.hours or 0).normalize():f}",
                "started_on": step.started_on.isoformat() if step.started_on else None,
                "ended_on": step.ended_on.isoformat() if step.ended_on else None,
                "result": step.result,
            }
        )
    office = db.session.get(Office, case.office_id)
    return {
        "person": person,
        "office": office.name if office else "",
        "definition": dict(definition.labels),
        "modules": modules,
    }


def certificate_content(actor: User, certificate: Certificate) -> dict:
    """The decrypted snapshot with the clear metadata, for the PDF (audited export)."""
    case = db.session.get(Case, certificate.case_id)
    _case_in_reach(actor, case)
    with access(actor, "reception.certificate", [certificate.person_id], action="export"):
        snapshot = dict(certificate.snapshot)
    snapshot["code"] = certificate.code
    snapshot["issued_on"] = certificate.issued_on
    snapshot["centre"] = certificate.centre.name if certificate.centre else ""
    snapshot["revoked"] = certificate.is_revoked
    return snapshot


def get_certificate(actor: User, certificate_id) -> Certificate:
    """The certificate ``certificate_id`` if its case is in reach, else 404."""
    certificate = db.session.get(Certificate, certificate_id)
    require(certificate is not None)
    _case_in_reach(actor, db.session.get(Case, certificate.case_id))
    return certificate


def revoke_certificate(actor: User, certificate: Certificate, *, reason: str, note: str | None = None) -> Certificate:
    """Revoke a certificate with a reason; /verify then shows it as revoked."""
    case = db.session.get(Case, certificate.case_id)
    _case_in_reach(actor, case)
    errors: dict[str, str] = {}
    if reason not in REVOCATION_REASONS:
        errors["reason"] = _("Choose why the certificate is revoked.")
    note = (note or "").strip() or None
    if reason == "other" and not note:
        errors["note"] = _("Explain the reason.")
    if note and len(note) > MAX_DETAIL:
        errors["note"] = _("At most %(count)s characters.", count=MAX_DETAIL)
    if errors:
        raise ReceptionInvalid(errors)
    if certificate.is_revoked:
        raise PathwayError(_("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    if note:
        with access(actor, "reception.certificate", [certificate.person_id], action="update"):
            certificate.revocation_note = note
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "certificate.revoke", reason=reason)
    pathway.flush_or_conflict()
    _emit(actor, case, "certificate_revoked", clock.today(), reason=reason)
    return certificate


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: nothing personal."""

    code: str
    valid: bool
    issued_on: date
    centre: str
    revoked_on: date | None


def verify(code: str) -> Verification | None:
    """Look a certificate up by its verification code (public: no personal data returned)."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return None
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == normalised))
    if certificate is None:
        return None
    return Verification(
        code=certificate.code,
        valid=not certificate.is_revoked,
        issued_on=certificate.issued_on,
        centre=certificate.centre.name if certificate.centre else "",
        revoked_on=certificate.revoked_at.date() if certificate.revoked_at else None,
    )


# ---------------------------------------------------------------------------------------------
# Third-party notifications


def queue_notification(actor: User, case: Case, recipient: str) -> ThirdPartyNotification:
    """Put a notification to the municipality or the CPAS in the office's outbox.

    Minimal data only, frozen when queued: name, NISS, agreement signed (yes/no), certificate
    issued (yes/no).
    """
    _case_in_reach(actor, case)
    if recipient not in RECIPIENTS:
        raise ReceptionInvalid({"recipient": _("Choose the municipality or the CPAS.")})
    ensure_writable(case.person_id)
    newcomer = db.session.get(Newcomer, case.person_id)
    with access(actor, "reception.notification", [case.person_id], action="update"):
        payload = {
            "family_name": newcomer.family_name,
            "given_names": newcomer.given_names,
            "niss": newcomer.niss,
            "agreement": case.agreement_signed_on is not None,
            "certificate": active_certificate(case) is not None,
        }
        notification = ThirdPartyNotification(
            person_id=case.person_id,
            case_id=case.id,
            office_id=case.office_id,
            recipient=recipient,
            created_by_id=actor.id,
            queued_at=utcnow(),
        )
        notification.payload = payload
    db.session.add(notification)
    pathway.touch_case(case)
    pathway.timeline_entry(actor, case, "notification.queue", reason=recipient)
    pathway.flush_or_conflict()
    return notification


def outbox(actor: User, *, recipient: str | None = None, sent: bool = False, page: int = 1, per_page: int = 25):
    """The office's notifications (pending or sent), newest first, paginated: (rows, total)."""
    require(actor.office_id is not None)
    query = select(ThirdPartyNotification).where(ThirdPartyNotification.office_id == actor.office_id)
    if recipient in RECIPIENTS:
        query = query.where(ThirdPartyNotification.recipient == recipient)
    query = query.where(
        ThirdPartyNotification.sent_at.is_not(None) if sent else ThirdPartyNotification.sent_at.is_(None)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(ThirdPartyNotification.queued_at.desc(), ThirdPartyNotification.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return rows, total


def notification_rows(actor: User, notifications: list[ThirdPartyNotification]) -> list[dict]:
    """The decrypted minimal data of ``notifications`` (agents of their office; audited)."""
    for item in notifications:
        require(item.office_id == actor.office_id and actor.office_id is not None)
    if not notifications:
        return []
    with access(actor, "reception.notification", list({n.person_id for n in notifications}), action="export"):
        return [
            {
                "id": n.id,
                "case_id": n.case_id,
                "recipient": n.recipient,
                "queued_at": n.queued_at,
                "sent_at": n.sent_at,
                **n.payload,
            }
            for n in notifications
        ]


def pending_for(actor: User, recipient: str) -> list[ThirdPartyNotification]:
    """Every pending notification of the office for ``recipient`` (oldest first)."""
    require(actor.office_id is not None and recipient in RECIPIENTS)
    return list(
        db.session.scalars(
            select(ThirdPartyNotification)
            .where(
                ThirdPartyNotification.office_id == actor.office_id,
                ThirdPartyNotification.recipient == recipient,
                ThirdPartyNotification.sent_at.is_(None),
            )
            .order_by(ThirdPartyNotification.queued_at, ThirdPartyNotification.id)
        )
    )


def mark_sent(actor: User, notifications: list[ThirdPartyNotification]) -> int:
    """Mark pending notifications as sent (timeline entry on each case); returns how many."""
    count = 0
    for item in notifications:
        require(item.office_id == actor.office_id and actor.office_id is not None)
        if item.sent_at is not None:
            continue
        item.sent_at = utcnow()
        item.sent_by_id = actor.id
        case = db.session.get(Case, item.case_id)
        pathway.timeline_entry(actor, case, "notification.sent", reason=item.recipient)
        count += 1
    pathway.flush_or_conflict()
    return count


def notifications_of(actor: User, case: Case) -> list[ThirdPartyNotification]:
    """The case's notifications, newest first."""
    _case_in_reach(actor, case)
    return list(
        db.session.scalars(
            select(ThirdPartyNotification)
            .where(ThirdPartyNotification.case_id == case.id)
            .order_by(ThirdPartyNotification.queued_at.desc())
        )
    )


# ---------------------------------------------------------------------------------------------
# Data-subject access (GDPR Art. 15 and 20)


def subject_export(person_id) -> dict:
    """Everything the reception module holds about the person, decrypted, as plain data.

    Called by the privacy core's access export inside an access context naming the person.
    """

    def day(value) -> str | None:
        return value.isoformat() if value is not None else None

    def rows(model, order):
        return db.session.scalars(select(model).where(model.person_id == person_id).order_by(order)).all()

    assessments = [
        {
            "case_id": str(a.case_id),
            "assessed_on": day(a.assessed_on),
            "needs": {domain: getattr(a, domain) for domain in ASSESSMENT_DOMAINS if getattr(a, domain)},
            "notes": a.notes,
        }
        for a in rows(SocialAssessment, SocialAssessment.assessed_on)
    ]
    sessions = [
        {
            "held_on": day(s.held_on),
            "format": s.format,
            "themes": list(s.themes or []),
            "hours": str(s.hours),
            "language": s.language,
            "interpreter": s.interpreter,
        }
        for s in rows(InformationSession, InformationSession.held_on)
    ]
    tests = [
        {"tested_on": day(t.tested_on), "level": t.level, "note": t.note}
        for t in rows(PositioningTest, PositioningTest.tested_on)
    ]
    tasks = [
        {"kind": t.kind, "title": t.title, "due_on": day(t.due_on), "done_on": day(t.done_on)}
        for t in rows(ProcedureTask, ProcedureTask.created_at)
    ]
    certificates = [
        {
            "verification_code": format_code(c.code),
            "issued_on": day(c.issued_on),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revocation_reason": c.revocation_reason,
            "content": c.snapshot,
        }
        for c in rows(Certificate, Certificate.issued_on)
    ]
    notifications = [
        {
            "recipient": n.recipient,
            "queued_at": n.queued_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            "data_sent": n.payload,
        }
        for n in rows(ThirdPartyNotification, ThirdPartyNotification.queued_at)
    ]
    found = {
        "social_assessments": assessments,
        "information_sessions": sessions,
        "positioning_tests": tests,
        "procedure_tasks": tasks,
        "certificates": certificates,
        "third_party_notifications": notifications,
    }
    return {key: value for key, value in found.items() if value}
