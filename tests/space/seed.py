"""Seeding a person whose space has something on every page: a case through the reception module
(agreement signed), a step referred to a partner with contact details, a coming appointment with
an interpreter, a certificate when asked — and markers in every field the space must never show
(national number, assessment content, notes, health-related reasons)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from integration_centre import clock
from integration_centre.accounts.models import OperatorOrganisation
from integration_centre.agenda import booking
from integration_centre.agenda.errors import AgendaError
from integration_centre.extensions import db
from integration_centre.operators import moves
from integration_centre.operators.models import OperatorProfile
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from integration_centre.pathway.services import StepChange
from integration_centre.reception import services as reception
from integration_centre.reception.models import ASSESSMENT_DOMAINS
from integration_centre.workspace.deadlines import extend_deadline
from tests.pathway.conftest import newcomer_data

ON = date(2025, 3, 5)


def valid_niss(birth: date, serial: int) -> str:
    """A national register number (11 digits) with valid check digits for ``birth``."""
    base = f"{birth:%y%m%d}{serial:03d}"
    number = int(("2" if birth.year >= 2000 else "") + base)
    return f"{base}{97 - number % 97:02d}"


def formatted_niss(niss: str) -> str:
    return f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}"


@dataclass
class Seeded:
    """What was seeded for one person, and the markers that must never be shown in their space."""

    person: object
    case: object
    appointment: object
    referral: object
    certificate: object | None
    markers: list[str] = field(default_factory=list)


def next_week(hour: int = 10, days: int = 7) -> datetime:
    return datetime.combine(clock.today() + timedelta(days=days), time(hour, 0), tzinfo=clock.zone())


def partner_profile(organisation: OperatorOrganisation, *, phone: str, email: str) -> None:
    """The partner's contact details in the directory (written directly: the admin form is not the point)."""
    profile = db.session.get(OperatorProfile, organisation.id)
    if profile is None:
        profile = OperatorProfile(organisation_id=organisation.id, service_types=["citizenship"])
        db.session.add(profile)
    organisation.address = organisation.address or "Rue des Partenaires 3, 5000 Namur"
    profile.contact_phone, profile.contact_email = phone, email


def seed_person(
    agent,
    office,
    operator: OperatorOrganisation,
    *,
    birth_date: date,
    given_names: str = "Amira Nour",
    family_name: str | None = None,
    certificate: bool = False,
    hour: int = 10,
    preferred_language: str = "en",
) -> Seeded:
    """A person registered at ``office`` with every page of their space filled (committed)."""
    tag = secrets.token_hex(4)
    niss = valid_niss(birth_date, int(tag, 16) % 997 + 1)
    notes = f"MkNotes{tag}"
    details = {domain: f"Mk{domain}{tag}" for domain in ASSESSMENT_DOMAINS}
    health = f"MkHealth{tag}"
    step_note = f"MkStepNote{tag}"
    person = registration.register_newcomer(
        agent,
        newcomer_data(
            date_of_birth=birth_date,
            given_names=given_names,
            family_name=family_name or f"Family{tag}",
            niss=niss,
            preferred_language=preferred_language,
        ),
        office,
        confirm_duplicate=True,
        today=date(2025, 3, 1),
    )
    case = pathway.open_case(agent, person, on=date(2025, 3, 1))
    pathway.transition_case(agent, case, "start", on=date(2025, 3, 1))
    data = {domain: {"level": "urgent", "detail": value} for domain, value in details.items()}
    data["notes"] = notes
    reception.record_assessment(agent, case, data, on=ON)
    reception.record_session(
        agent, case, held_on=ON, format="group", themes=["fundamental_rights"], language="fr",
        interpreter=True, hours="3", today=ON,
    )  # fmt: skip
    reception.record_positioning_test(agent, case, tested_on=ON, level="B1", today=ON)
    task = reception.add_task(agent, case, kind="health_insurance", title=None, due_on=ON, today=ON)
    reception.complete_task(agent, task, on=ON)
    reception.sign_agreement(agent, case, signed_on=ON, today=ON)
    db.session.commit()
    extend_deadline(agent, case, "no_places", 3, note=health, on=ON)
    db.session.commit()
    partner_profile(operator, phone="+32 81 11 22 33", email="contact@partner.example")
    referral = moves.refer(agent, case, "citizenship", operator.id, on=ON, deadline=date(2027, 3, 12))
    db.session.commit()
    seeded_certificate = None
    if certificate:
        pathway.transition_step(agent, case, "citizenship", "start", on=date(2025, 9, 1))
        pathway.transition_step(
            agent, case, "citizenship", "complete",
            StepChange(hours="60", evidence=("attendance_record",), result="aoc", note=step_note),
            on=date(2025, 9, 1),
        )  # fmt: skip
        for code in ("french_course", "orientation"):
            definition = pathway.definition_of(case)
            if (
                case.step(code).state == "pending"
                and pathway.step_required(case, definition.step(code), definition) is False
            ):
                pathway.transition_step(
                    agent, case, code, "exempt", StepChange(reason="condition_not_met"), on=date(2025, 9, 1)
                )
        seeded_certificate = reception.issue_certificate(agent, case, on=date(2025, 9, 2))
        db.session.commit()
    appointment = None
    for days in range(7, 60):  # the first free slot at ``hour`` from next week (a demo agent is busy)
        if (clock.today() + timedelta(days=days)).weekday() >= 5:
            continue
        try:
            appointment = booking.book(
                agent,
                kind="evaluation_interview",
                person_id=person.id,
                agent_id=agent.id,
                starts_at=next_week(hour, days),
                case_id=case.id,
                interpreter_required=True,
                interpreter_language="ar",
            )
            break
        except AgendaError:
            continue
    db.session.commit()
    markers = [niss, formatted_niss(niss), notes, health, step_note, *details.values()]
    return Seeded(person, case, appointment, referral, seeded_certificate, markers)
