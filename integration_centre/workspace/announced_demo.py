"""Demo persons announced by the commune (fictitious people) at Namur, with no case yet: two within
their three months (one with an e-mail for a reminder), one whose date is near, and one past its
date with the non-compliance procedure started (a notice sent, the grace period running).

Idempotent: nothing is added when the office already has a procedure without a case.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from integration_centre import clock
from integration_centre.accounts.demo import demo_office
from integration_centre.accounts.models import Role, User
from integration_centre.extensions import db
from integration_centre.pathway import demo_people, registration
from integration_centre.pathway.registration import NewcomerData
from integration_centre.workspace import noncompliance
from integration_centre.workspace.models import NoncomplianceProcedure

# (family name, given names, born, sex, nationality, residence category, days since registration,
#  e-mail, preferred language)
PEOPLE = (
    ("Mansour", "Layla", date(1996, 5, 14), "F", "SY", "refugee", 12, "layla.mansour@demo.example", "ar"),
    ("Diallo", "Mamadou", date(1990, 11, 2), "M", "GN", "subsidiary_protection", 40, None, "fr"),
    ("Tesfaye", "Selam", date(1993, 1, 27), "F", "ER", "family_reunification", 80, "selam.t@demo.example", "en"),
    ("Hakimi", "Farid", date(1988, 7, 9), "M", "AF", "refugee", 130, None, "fr"),  # past its date
)
SERIALS = (811, 813, 815, 817)


def _data(person, today: date, serial: int) -> NewcomerData:
    family, given, born, sex, nationality, category, days, email, language = person
    registered = today - timedelta(days=days)
    return NewcomerData(
        family_name=family,
        given_names=given,
        date_of_birth=born,
        sex=sex,
        nationality=nationality,
        residence_category=category,
        permit_order_date=registered - timedelta(days=10),
        registration_date=registered,
        niss=demo_people.national_number(born, serial + (1 if sex == "F" else 0)),
        municipality_code="92094",
        address="Rue de Fer 1, 5000 Namur",
        phone=None,
        email=email,
        languages=[language],
        preferred_language=language,
        education_level="unknown",
    )


def load(report) -> None:
    """Register the announced persons and start the procedure for the one past its date."""
    office = demo_office()
    if office is None:
        return
    agent = db.session.scalar(
        select(User).where(User.office_id == office.id, User.role == Role.AGENT).order_by(User.id).limit(1)
    )
    if agent is None:
        return
    started = db.session.scalar(
        select(NoncomplianceProcedure.id).where(
            NoncomplianceProcedure.office_id == office.id, NoncomplianceProcedure.case_id.is_(None)
        )
    )
    if started is not None:
        return
    today = clock.today()
    persons = [
        registration.register_newcomer(agent, _data(person, today, serial), office, confirm_duplicate=True, today=today)
        for person, serial in zip(PEOPLE, SERIALS, strict=True)
    ]
    noncompliance.send_notice(agent, persons[-1], today - timedelta(days=5), 30, today=today)
    report.count("announced persons", len(persons))
