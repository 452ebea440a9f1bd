"""Demo directory entries for the partner operators and referrals in every state (fictitious).

The pathway demo already referred French courses of the Namur office to the demo operator
through the engine; those steps get their referral record (sent, in progress or completed).
Citizenship trainings of other demo cases are then referred to the demo operator through the
services and moved to every other state (accepted, declined, in progress, abandoned, withdrawn,
completed), so the operator's inbox has every tab filled and the agent sees operator updates.
One French course is followed at two schools: 150 h at a literacy school (the person then moved
to the demo school's evening classes) + 250 h at the demo school = 400 h on the step.
Idempotent: nothing is added when the demo operator already has referrals.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts import network as accounts_network
from integration_centre.accounts.demo import DEMO_OPERATOR, demo_office
from integration_centre.accounts.models import Centre, OperatorOrganisation, Role, User
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.operators import network, services
from integration_centre.operators.models import Referral, ReferralEvent
from integration_centre.operators.services import ProfileData
from integration_centre.pathway import reference
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, StepInstance
from integration_centre.pathway.states import CaseStatus, StepState

NAMUR_AREA = ["*"]  # the whole territory of the Namur centre (CAI)
NAMUR_CITY = ["92094", "92003", "92142", "92035", "92137"]
# (name, profile) — the demo operator first; the others exist only in the directory.
ORGANISATIONS = [
    (
        DEMO_OPERATOR,
        ProfileData(
            description="Français langue étrangère (FLE) et citoyenneté, en journée et en soirée.",
            service_types=["french_course", "citizenship"],
            municipalities=NAMUR_AREA,
            languages=["fr", "ar", "en"],
            formats=["day", "evening", "aoc", "fic"],
            capacity=60,
            contact_email="inscriptions@eps-namur.example",
            contact_phone="+32 81 00 00 01",
            website="https://eps-namur.example",
        ),
    ),
    (
        "Lire et Écrire Namur (démo)",
        ProfileData(
            description="Alphabétisation et français oral pour adultes peu scolarisés.",
            service_types=["french_course"],
            municipalities=NAMUR_CITY,
            languages=["fr", "ar", "ti", "prs"],
            formats=["day", "intensive"],
            capacity=25,
            contact_email="namur@lire-ecrire.example",
            contact_phone="+32 81 00 00 02",
        ),
    ),
    (
        "Citoyenneté en Marche (démo)",
        ProfileData(
            description="Formation à la citoyenneté (FIC) avec interprètes.",
            service_types=["citizenship"],
            municipalities=NAMUR_AREA,
            languages=["fr", "ar", "uk", "ru", "ps"],
            formats=["fic", "evening", "weekend"],
            capacity=40,
            contact_email="contact@citoyennete.example",
        ),
    ),
    (
        "Maison de l'emploi de Namur (démo)",
        ProfileData(
            description="Orientation socioprofessionnelle et inscription au Forem.",
            service_types=["orientation"],
            municipalities=NAMUR_AREA,
            languages=["fr", "en", "nl"],
            formats=["day"],
            capacity=100,
            contact_phone="+32 81 00 00 04",
        ),
    ),
]
# Address and weekly schedule of each demo organisation (its services get the schedule).
DETAILS = {
    DEMO_OPERATOR: ("Rue Saint-Nicolas 8, 5000 Namur", "Lundi à jeudi 9:00–12:00 ; mardi et jeudi 18:00–21:00"),
    "Lire et Écrire Namur (démo)": ("Rue Relis Namurwès 1, 5000 Namur", "Lundi, mardi et jeudi 9:00–12:00"),
    "Citoyenneté en Marche (démo)": (
        "Rue des Brasseurs 20, 5000 Namur",
        "Mardi et jeudi 18:00–21:00 ; samedi 9:00–13:00",
    ),
    "Maison de l'emploi de Namur (démo)": ("Avenue Prince de Liège 137, 5100 Jambes", "Lundi à vendredi 8:30–16:30"),
}
# What happens to the citizenship referrals, in order (cycled over the cases available).
CITIZENSHIP_OUTCOMES = ["sent", "accepted", "declined", "in_progress", "abandoned", "withdrawn", "completed"]


def load(report) -> None:
    """Directory entries, then referrals of the Namur demo cases in every state."""
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    operator_user = db.session.scalar(select(User).where(User.email == "operator@demo.example"))
    if admin is None or agent is None or operator_user is None or agent.role != Role.AGENT:
        return
    _directory(admin, report)
    operator = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == DEMO_OPERATOR))
    office = demo_office()
    if operator is None or office is None or operator_user.operator_id != operator.id:
        return
    if db.session.scalar(select(Referral.id).where(Referral.operator_id == operator.id).limit(1)) is not None:
        return
    today = clock.today()
    _adopt_engine_referrals(agent, operator_user, office, operator, report, today)
    _citizenship_referrals(agent, operator_user, office, operator, report, today)
    _french_course_at_two_schools(agent, operator_user, office, operator, report, today)
    db.session.flush()


def _directory(admin: User, report) -> None:
    namur = db.session.scalar(select(Centre).where(Centre.code == "CAI"))
    for name, data in ORGANISATIONS:
        organisation = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == name))
        if organisation is None:
            organisation = OperatorOrganisation(name=name, centre_id=namur.id if namur else None)
            db.session.add(organisation)
            db.session.flush()
            report.count("operator organisations")
        if data.municipalities == NAMUR_AREA:
            area = reference.centre_territories().get("CAI", ())
            data = replace(data, municipalities=sorted(set(area) & accounts_network.selectable_municipalities()))
        if services.get_profile(organisation.id) is None:
            services.save_profile(admin, organisation, data)
            report.count("directory entries")
        if not network.services_of(organisation):
            _services(admin, organisation, data, report)


def _services(admin: User, organisation: OperatorOrganisation, data: ProfileData, report) -> None:
    """One service per service type of the entry, sharing its places, languages and area."""
    address, schedule = DETAILS.get(organisation.name, (None, None))
    organisation.address = organisation.address or address
    types = data.service_types
    for index, service_type in enumerate(types):
        places = data.capacity // len(types) + (data.capacity % len(types) if index == 0 else 0)
        network.create_service(
            admin,
            organisation,
            network.ServiceData(
                service_type=service_type,
                places=places,
                languages=data.languages,
                schedule=schedule or "",
                territory=data.municipalities,
            ),
        )
        report.count("operator services")


def _office_steps(office, operator_id=None, code=None):
    query = select(StepInstance, Case).join(Case, Case.id == StepInstance.case_id).where(Case.office_id == office.id)
    if operator_id is not None:
        query = query.where(StepInstance.operator_id == operator_id)
    if code is not None:
        query = query.where(StepInstance.step_code == code)
    return db.session.execute(query.order_by(Case.opened_on, Case.id)).all()


def _adopt_engine_referrals(agent, operator_user, office, operator, report, today) -> None:
    """Referral records for the steps the pathway demo referred to the demo operator."""
    state_of = {StepState.REFERRED: "sent", StepState.IN_PROGRESS: "in_progress", StepState.COMPLETED: "completed"}
    for step, case in _office_steps(office, operator.id):
        state = state_of.get(step.state)
        if state is None:
            continue
        sent_on = step.started_on - timedelta(days=7) if step.started_on else (step.ended_on or today)
        sent_on = min(max(sent_on, case.opened_on), today)
        referral = Referral(
            reference=services.next_reference(sent_on.year),
            case_id=case.id,
            step_id=step.id,
            person_id=case.person_id,
            office_id=case.office_id,
            operator_id=operator.id,
            step_code=step.step_code,
            service_type=step.service_type or "french_course",
            state=state,
            deadline=services.case_deadline(agent, case),
            sent_on=sent_on,
            sent_at=utcnow(),
            started_on=step.started_on,
            ended_on=step.ended_on if state == "completed" else None,
            hours=step.hours or 0,
            sessions=int((step.hours or 0) // 3),
            result=step.result if state == "completed" else None,
            created_by_id=agent.id,
        )
        if state != "sent":
            referral.accepted_at = utcnow()
        db.session.add(referral)
        trail = {"sent": ["send"], "in_progress": ["send", "accept", "start"], "completed": ["send", "accept", "start"]}
        trail["completed"] = [*trail["completed"], "complete"]
        previous = None
        for action in trail[state]:
            to_state = {"send": "sent", "accept": "accepted", "start": "in_progress", "complete": "completed"}[action]
            referral.history.append(
                ReferralEvent(
                    office_id=case.office_id,
                    actor_id=agent.id if action == "send" else operator_user.id,
                    actor_role=Role.AGENT.value if action == "send" else Role.OPERATOR.value,
                    action=action,
                    from_state=previous,
                    to_state=to_state,
                    hours=referral.hours if action == "complete" else None,
                    sessions=referral.sessions if action == "complete" else None,
                    result=referral.result if action == "complete" else None,
                )
            )
            previous = to_state
        report.count("referrals")


def _citizenship_referrals(agent, operator_user, office, operator, report, today) -> None:
    """Refer pending citizenship steps to the demo operator and move each to one outcome."""
    candidates = [
        (step, case)
        for step, case in _office_steps(office, code="citizenship")
        if step.state == StepState.PENDING and case.status == CaseStatus.IN_PROGRESS
    ]
    for index, (_step, case) in enumerate(candidates):
        outcome = CITIZENSHIP_OUTCOMES[index % len(CITIZENSHIP_OUTCOMES)]
        sent = max(today - timedelta(days=20 - index), case.opened_on)
        try:
            with db.session.begin_nested():
                referral = services.refer(agent, case, "citizenship", operator.id, service_type="citizenship", on=sent)
                _move(agent, operator_user, referral, outcome, today)
        except services.ReferralError:
            continue
        report.count("referrals")


FIRST_SCHOOL = "Lire et Écrire Namur (démo)"


def _french_course_at_two_schools(agent, operator_user, office, operator, report, today) -> None:
    """A French course followed at two schools, whose hours add up on the step (150 + 250 = 400 h).

    The first school has no account in the demo: its attendance report (150 h) is written on the
    referral as it would have sent it, then the agent withdraws the referral (referred elsewhere).
    The demo school then reports 250 h through the services, which sum both referrals.
    """
    first_school = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == FIRST_SCHOOL))
    if first_school is None:
        return
    for step, case in _office_steps(office, code="french_course"):
        if step.state != StepState.PENDING or case.status != CaseStatus.IN_PROGRESS:
            continue
        definition = pathway.definition_of(case)
        if pathway.step_required(case, definition.step("french_course"), definition) is not True:
            continue
        start = max(today - timedelta(days=120), case.opened_on)
        try:
            with db.session.begin_nested():
                first = services.refer(agent, case, "french_course", first_school.id, on=start)
                first.state, first.accepted_at, first.started_on = "in_progress", utcnow(), start
                first.sessions, first.hours = 50, 150
                first.attended_from, first.attended_until = start, today - timedelta(days=30)
                services.withdraw(agent, first, "referred_elsewhere", on=today - timedelta(days=30))
                second = services.refer(agent, case, "french_course", operator.id, on=today - timedelta(days=28))
                services.accept(operator_user, second, on=today - timedelta(days=27))
                services.record_attendance(
                    operator_user,
                    second,
                    sessions=83,
                    hours=250,
                    attended_from=today - timedelta(days=26),
                    attended_until=today,
                    on=today,
                )
        except services.ReferralError:
            continue
        report.count("referrals", 2)
        return


def _move(agent, operator_user, referral, outcome, today) -> None:
    if outcome == "sent":
        return
    if outcome == "declined":
        services.decline(operator_user, referral, "no_places", on=today)
        return
    if outcome == "withdrawn":
        services.withdraw(agent, referral, "person_request", on=today)
        return
    services.accept(operator_user, referral, on=today)
    if outcome == "accepted":
        return
    hours = 60 if outcome == "completed" else 18
    services.record_attendance(
        operator_user,
        referral,
        sessions=hours // 3,
        hours=hours,
        attended_from=today - timedelta(days=10),
        attended_until=today,
        on=today,
    )
    if outcome == "abandoned":
        services.abandon(operator_user, referral, "stopped_attending", on=today)
    elif outcome == "completed":
        services.complete(operator_user, referral, result="fic", on=today)
