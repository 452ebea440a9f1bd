"""Demo casework (fictitious people): a second agent at Namur sharing the caseload, an agent of
the Liège office whose case waits for Namur to accept its transfer, and two files of the same
person at Namur (one with a duplicate review for the coordinator) to merge.

Idempotent: nothing is added when a transfer request already exists.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts import services as accounts
from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Office, Role, User
from integration_centre.extensions import db
from integration_centre.pathway import caseload, demo_people, registration, transfers
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case, DuplicateReview, TransferRequest
from integration_centre.pathway.registration import NewcomerData
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES

SECOND_AGENT = ("agent2@demo.example", "Julien Lambert (démo)")
LIEGE_AGENT = ("agent.liege@demo.example", "Nadia Benali (démo)")
LIEGE_OFFICE = "Bureau d'accueil de Liège"
MOVING = ("Rahimi", "Zahra", date(1994, 8, 21), "F", "AF", "refugee", "62063", "Rue Féronstrée 40, 4000 Liège")
TWICE = (
    "Okafor",
    "Blessing",
    date(1991, 3, 9),
    "F",
    "CM",
    "family_reunification",
    "92094",
    "Rue de Bruxelles 9, 5000 Namur",
)


def _agent(email: str, name: str, office: Office, password: str, report) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        user = accounts.create_user(
            email=email,
            display_name=name,
            role=Role.AGENT,
            password=password,
            office_id=office.id,
            centre_id=office.centre_id,
            must_change_password=False,
        )
        report.count("casework demo agents")  # "users" counts the four documented logins
    return user


def _data(person: tuple, today: date, serial: int) -> NewcomerData:
    family, given, born, sex, nationality, category, municipality, address = person
    permit = today - timedelta(days=240)
    return NewcomerData(
        family_name=family,
        given_names=given,
        date_of_birth=born,
        sex=sex,
        nationality=nationality,
        residence_category=category,
        permit_order_date=permit,
        registration_date=permit + timedelta(days=12),
        niss=demo_people.national_number(born, serial),
        municipality_code=municipality,
        address=address,
        phone=None,
        email=None,
        languages=["en"],
        preferred_language="en",
        education_level="higher",
    )


def load(report) -> None:
    """Second agent and shared caseload, a pending incoming transfer, two files to merge."""
    office = demo_office()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    liege = db.session.scalar(select(Office).where(Office.name == LIEGE_OFFICE))
    if office is None or agent is None or liege is None or db.session.scalar(select(TransferRequest.id).limit(1)):
        return
    today = clock.today()
    colleague = _agent(*SECOND_AGENT, office, report.password, report)
    liege_agent = _agent(*LIEGE_AGENT, liege, report.password, report)
    db.session.flush()

    # The caseload: every third active case of Namur is followed by the second agent.
    active = db.session.scalars(
        select(Case)
        .where(Case.office_id == office.id, Case.status.in_(list(ACTIVE_CASE_STATUSES)))
        .order_by(Case.opened_on, Case.id)
    ).all()
    report.count("cases assigned", caseload.assign(agent, active[::3], colleague))

    # Liège asks Namur to take a case over (the person moved to Namur).
    moving = registration.register_newcomer(
        liege_agent, _data(MOVING, today, 701), liege, confirm_duplicate=True, today=today
    )
    case = pathway.open_case(liege_agent, moving, on=today - timedelta(days=200))
    pathway.transition_case(liege_agent, case, "start", on=today - timedelta(days=200))
    transfers.request_transfer(liege_agent, case, office, note="Déménagement à Namur le mois dernier.")
    report.count("transfer requests")

    # The same person registered twice at Namur: one file with a case, a second one without.
    first = registration.register_newcomer(agent, _data(TWICE, today, 703), office, confirm_duplicate=True, today=today)
    twice = pathway.open_case(agent, first, on=today - timedelta(days=150))
    pathway.transition_case(agent, twice, "start", on=today - timedelta(days=150))
    registration.register_newcomer(agent, _data(TWICE, today, 703), office, confirm_duplicate=True, today=today)
    db.session.add(
        DuplicateReview(
            centre_id=office.centre_id,
            office_id=office.id,
            requested_by_id=agent.id,
            person_ids=[str(first.id)],
            status="open",
        )
    )
    report.count("duplicate files")
    db.session.flush()
