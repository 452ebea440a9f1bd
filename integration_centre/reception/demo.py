"""Demo reception records on the pathway demo's cases at the Namur office (fictitious people).

Where the pathway demo completed a reception step, the matching record is added (assessment,
session, positioning test, procedure tasks); cases still at reception get open tasks (one
overdue). Cases whose certificate step is completed get a certificate through the service (one
of them revoked), and a few notifications sit in the outbox (one batch already sent).
Idempotent: nothing is added when the office already has an assessment.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import CaseStatus, StepState
from integration_centre.privacy.access import access
from integration_centre.reception import services
from integration_centre.reception.labels import SESSION_THEMES
from integration_centre.reception.models import (
    ASSESSMENT_DOMAINS,
    InformationSession,
    PositioningTest,
    ProcedureTask,
    SocialAssessment,
)

SEED = 2026
DETAILS = {
    "housing": [
        "Logement social demandé",
        "Vit chez un cousin, cherche un appartement",
        "Bail signé, garantie à payer",
    ],
    "health": ["Suivi médical à organiser", "Pas de médecin traitant"],
    "children": ["Deux enfants à inscrire à l'école", "Crèche recherchée pour le plus jeune"],
    "employment": ["Expérience en maçonnerie", "Souhaite travailler dans la vente"],
    "training": ["Intéressé·e par une formation d'aide-soignant·e", "Formation qualifiante à explorer"],
    "diplomas": ["Diplôme secondaire à faire reconnaître", "Licence en droit, équivalence à demander"],
    "family": ["Regroupement familial en cours", "Conjoint·e resté·e au pays"],
    "legal": ["Recours pendant au CCE", "Questions sur le titre de séjour"],
    "leisure": ["Cherche un club de football", "Intérêt pour la bibliothèque communale"],
}
NOTES = [
    "Première rencontre avec interprète. Personne motivée, disponible en matinée.",
    "Rendez-vous de suivi prévu dans un mois.",
    "Personne orientée vers le CPAS pour l'aide au logement.",
]


def load(report) -> None:
    """Add the reception records to the demo office's cases."""
    office = demo_office()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    if office is None or agent is None or agent.role != Role.AGENT:
        return
    if db.session.scalar(select(SocialAssessment.id).where(SocialAssessment.office_id == office.id).limit(1)):
        return
    cases = db.session.scalars(select(Case).where(Case.office_id == office.id).order_by(Case.opened_on, Case.id)).all()
    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data, not security
    today = clock.today()
    issued = []
    for case in cases:
        if case.status == CaseStatus.TRANSFERRED:
            continue
        with access(agent, "demo.reception", [case.person_id], action="update"):
            _reception_records(agent, case, rng, today, report)
        if _done(case, "certificate") and services.active_certificate(case) is None:
            certificate = services.issue_certificate(agent, case, on=case.step("certificate").ended_on or today)
            issued.append((case, certificate))
            report.count("certificates")
    if issued:
        case, certificate = issued[-1]
        services.revoke_certificate(
            agent, certificate, reason="issued_in_error", note="Attestation émise par erreur (démonstration)."
        )
        report.count("revoked certificates")
    _notifications(agent, [c for c, _ in issued], cases, report)
    db.session.flush()


def _done(case: Case, code: str) -> bool:
    try:
        return case.step(code).state == StepState.COMPLETED
    except KeyError:
        return False


def _reception_records(agent: User, case: Case, rng: random.Random, today: date, report) -> None:
    step_date = {s.step_code: s.ended_on or s.started_on or case.opened_on for s in case.steps}
    if _done(case, "social_assessment"):
        assessment = SocialAssessment(
            person_id=case.person_id,
            case_id=case.id,
            office_id=case.office_id,
            assessed_on=step_date["social_assessment"],
            recorded_by_id=agent.id,
        )
        for domain in rng.sample(ASSESSMENT_DOMAINS, rng.randint(2, 4)):
            setattr(
                assessment,
                domain,
                {"level": rng.choice(["to_follow", "to_follow", "urgent"]), "detail": rng.choice(DETAILS[domain])},
            )
        assessment.notes = rng.choice(NOTES)
        db.session.add(assessment)
        report.count("social assessments")
    if _done(case, "rights_and_duties"):
        newcomer = db.session.get(Newcomer, case.person_id)
        session = InformationSession(
            person_id=case.person_id,
            case_id=case.id,
            held_on=step_date["rights_and_duties"],
            format=rng.choice(["group", "group", "individual"]),
            themes=rng.sample(list(SESSION_THEMES), 4),
            hours=Decimal("3.00"),
            recorded_by_id=agent.id,
        )
        session.language = "fr"
        session.interpreter = bool(newcomer.interpreter_language)
        db.session.add(session)
        report.count("information sessions")
    if _done(case, "language_test"):
        step = case.step("language_test")
        test = PositioningTest(
            person_id=case.person_id,
            case_id=case.id,
            tested_on=step_date["language_test"],
            level=step.result or "A1",
            recorded_by_id=agent.id,
        )
        db.session.add(test)
        report.count("positioning tests")
    if _done(case, "admin_help"):
        done_on = step_date["admin_help"]
        for kind in rng.sample(["municipality", "health_insurance", "bank_account", "cpas", "school"], 2):
            db.session.add(
                ProcedureTask(
                    person_id=case.person_id,
                    case_id=case.id,
                    kind=kind,
                    due_on=done_on,
                    done_on=done_on,
                    created_by_id=agent.id,
                )
            )
            report.count("procedure tasks")
    elif case.status == CaseStatus.IN_PROGRESS:
        overdue = ProcedureTask(
            person_id=case.person_id,
            case_id=case.id,
            kind="diploma_equivalence",
            due_on=today - timedelta(days=rng.randint(3, 12)),
            created_by_id=agent.id,
        )
        overdue.title = "Dossier d'équivalence à déposer à la Fédération Wallonie-Bruxelles"
        upcoming = ProcedureTask(
            person_id=case.person_id,
            case_id=case.id,
            kind="health_insurance",
            due_on=today + timedelta(days=rng.randint(5, 20)),
            created_by_id=agent.id,
        )
        db.session.add_all([overdue, upcoming])
        report.count("procedure tasks", 2)


def _notifications(agent: User, certified: list[Case], cases: list[Case], report) -> None:
    signed = [c for c in cases if c.agreement_signed_on is not None and c not in certified][:3]
    sent = []
    for case in certified[:2]:
        sent.append(services.queue_notification(agent, case, "municipality"))
    for case in certified[2:4] + signed[:1]:
        services.queue_notification(agent, case, "municipality")
    for case in signed[1:3]:
        services.queue_notification(agent, case, "cpas")
    report.count("notifications", len(certified[:4]) + len(signed[:3]))
    if sent:
        services.mark_sent(agent, sent)
