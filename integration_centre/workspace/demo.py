"""Demo workspace for the demo agent (Namur): schedules of every demo case, and a few fictitious
persons whose cases show each situation of the dashboard — overdue deadline, deadline within 30
days (after an extension), evaluation overdue and due soon, a step planned for today, a
non-compliance notice whose grace period has ended, a case referred to the administration.

Idempotent: nothing is added when the demo office already has the demo's deadline extension.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.pathway import demo_people, registration
from integration_centre.pathway import services as pathway
from integration_centre.pathway.dates import add_months
from integration_centre.pathway.models import Case
from integration_centre.pathway.registration import NewcomerData
from integration_centre.pathway.services import StepChange
from integration_centre.workspace import services
from integration_centre.workspace.models import DeadlineExtension

WALLOON_2018_UNTIL = date(2024, 12, 31)
RECEPTION = ("social_assessment", "rights_and_duties", "language_test", "admin_help")
# Fictitious persons (names from common Belgian-register spellings, no real person intended).
# Their national numbers are synthetic (valid check digits; a bis number for the first, whose
# month is the birth month + 40) so that search by national number can be tried.
PEOPLE = {
    "overdue": ("Haidari", "Farid", date(1990, 5, 4), "M", "AF", "refugee", ["prs"]),
    "extended": ("Mukendi", "Grâce", date(1988, 9, 17), "F", "CD", "family_reunification", ["fr", "ln"]),
    "evaluation": ("Tesfay", "Selam", date(1996, 1, 23), "F", "ER", "refugee", ["ti"]),
    "notice": ("Bah", "Mamadou", date(1993, 11, 2), "M", "GN", "regularisation_9bis", ["fr"]),
    "referred": ("Kovalenko", "Oleksandr", date(1985, 7, 30), "M", "SY", "subsidiary_protection", ["ar"]),
    "today": ("El Amrani", "Salma", date(1999, 2, 11), "F", "MA", "family_reunification", ["ar", "fr"]),
}
# (street in Namur, house number) of each person above, in the same order.
ADDRESSES = [
    ("Rue de Fer", 41),
    ("Avenue de la Plante", 12),
    ("Chaussée de Louvain", 87),
    ("Rue des Carmes", 6),
    ("Rue Saint-Nicolas", 23),
    ("Avenue Jean Materne", 140),
]
NAMUR = "92094"


def load(report) -> None:
    """Schedule every demo case, then add the dashboard situations."""
    office = demo_office()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    if office is None or agent is None or agent.role != Role.AGENT:
        return
    # The schedules themselves follow every case change (``schedule_sync``): the marker that this
    # demo ran is its extension, which no other demo writes.
    done = select(DeadlineExtension.id).join(Case, Case.id == DeadlineExtension.case_id)
    if db.session.scalar(done.where(Case.office_id == office.id).limit(1)):
        return
    today = clock.today()
    for index, key in enumerate(PEOPLE):
        _situation(agent, office, key, index, today)
        report.count("workspace situations")
    for case in db.session.scalars(select(Case).where(Case.office_id == office.id)):
        services.sync_schedule(agent, case)
        report.count("case schedules")
    db.session.flush()


def _permit_for_deadline(target: date, months: int) -> date:
    """A permit-order date under the 2018 rules whose deadline (18 + ``months``) is ``target``."""
    permit = add_months(target, -(18 + months))
    return min(permit, WALLOON_2018_UNTIL)


def _situation(agent: User, office, key: str, index: int, today: date) -> None:
    family, given, born, sex, nationality, category, languages = PEOPLE[key]
    if key == "overdue":
        permit = today - timedelta(days=700)  # 2018 rules until end 2024, else 2025 rules: see below
        permit = min(permit, WALLOON_2018_UNTIL)
    elif key == "extended":
        permit = _permit_for_deadline(today + timedelta(days=18), 7)
    else:
        permit = min(today - timedelta(days=300 + 40 * index), today - timedelta(days=200))
    data = NewcomerData(
        family_name=family,
        given_names=given,
        date_of_birth=born,
        sex=sex,
        nationality=nationality,
        residence_category=category,
        permit_order_date=permit,
        registration_date=permit + timedelta(days=10),
        niss=demo_people.national_number(born, 600 + 2 * index + (1 if sex == "M" else 2), bis=index == 0),
        municipality_code=NAMUR,
        address=f"{ADDRESSES[index][0]} {ADDRESSES[index][1]}, {demo_people.POSTCODES[NAMUR]} Namur",
        phone=f"+32 470 00 00 {10 + index}",
        email=f"workspace-demo{index + 1}@example.org",
        languages=languages,
        preferred_language=languages[0],
        education_level="upper_secondary",
    )
    newcomer = registration.register_newcomer(agent, data, office, confirm_duplicate=True, today=today)
    opened = min(permit + timedelta(days=40), today - timedelta(days=60))
    case = pathway.open_case(agent, newcomer, on=opened)
    pathway.transition_case(agent, case, "start", on=opened)
    signed = opened + timedelta(days=20)
    if key == "evaluation":
        signed = add_months(today, -6) + timedelta(days=10)  # first interview due in ten days
    signed = min(signed, today)
    for code in RECEPTION:
        pathway.transition_step(agent, case, code, "start", on=signed)
        pathway.transition_step(
            agent, case, code, "complete", StepChange(result="A1" if code == "language_test" else None), on=signed
        )
    pathway.transition_step(agent, case, "agreement", "start", on=signed)
    pathway.transition_step(agent, case, "agreement", "complete", StepChange(evidence=("signed_agreement",)), on=signed)
    if key == "overdue":
        services.record_evaluation(
            agent, case, signed + timedelta(days=60), "Premier entretien : cours de FLE à trouver."
        )
    elif key == "extended":
        services.extend_deadline(
            agent, case, "no_places", 7, note="Liste d'attente FLE.", on=signed + timedelta(days=90)
        )
    elif key == "notice":
        services.send_notice(agent, case, today - timedelta(days=40), 30, note="Absent aux deux convocations.")
    elif key == "referred":
        services.send_notice(agent, case, today - timedelta(days=80), 30)
        services.refer_to_administration(agent, case, today - timedelta(days=45))
    elif key == "today":
        pathway.transition_step(agent, case, "citizenship", "plan", StepChange(planned_on=today), on=signed)
    services.sync_schedule(agent, case)
