"""Demo agenda (fictitious people): two rooms at Namur and next week's appointments of the
office's open cases — receptions, social assessments, evaluation interviews; two with an Arabic
interpreter requested from the social-interpreting service, one of them confirmed — and a group
session on rights and duties with a few seats. The office writes its address in Arabic script
for its Arabic convocation letters (every appointment's letter can be downloaded).

Idempotent: nothing is added when the office already has appointments. A time the office's
hours refuse is skipped (the rules decide, as for an agent).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from integration_centre import clock
from integration_centre.accounts.demo import demo_office
from integration_centre.agenda import interpreters, services
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import INDIVIDUAL_KINDS, Appointment
from integration_centre.extensions import db
from integration_centre.pathway.models import Case
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES

ROOMS = ("Salle Meuse", "Salle Sambre")
HOURS = (time(9), time(10, 30), time(14))
INTERPRETED = (1, 4)  # the appointments (by number) with an Arabic interpreter; the first one confirmed
# Rue de Fer 42, 5000 Namur, as the office writes it for Arabic readers: the street's name in
# Arabic letters and in Latin ones (to match the street sign), the town's Arabic name.
ADDRESS_AR = "٤٢ شارع دو فير (Rue de Fer)، ٥٠٠٠ نامور"
SESSION_TIMES = ((2, time(13, 30)), (3, time(11, 30)), (1, time(12)), (0, time(15)))  # (day of the week, start)


def load(report) -> None:
    """Book next week's demo agenda at the demo office."""
    office = demo_office()
    if office is None:
        return
    agents = services.office_agents(office.id)
    if not agents:
        return
    if db.session.scalar(select(func.count(Appointment.id)).where(Appointment.office_id == office.id)):
        return
    actor = agents[0]
    settings = services.settings_of(office.id)
    services.set_settings(
        actor,
        slot_minutes=settings.slot_minutes,
        no_show_threshold=settings.no_show_threshold,
        letter_addresses={"ar": ADDRESS_AR},
    )
    rooms = [services.add_room(actor, name) for name in ROOMS]
    cases = db.session.scalars(
        select(Case).where(Case.office_id == office.id, Case.status.in_(ACTIVE_CASE_STATUSES)).order_by(Case.opened_on)
    ).all()[:12]
    today = clock.today()
    monday = today + timedelta(days=7 - today.weekday())
    booked = 0
    for number, case in enumerate(cases):
        day = monday + timedelta(days=number % 5)
        at = datetime.combine(day, HOURS[number % len(HOURS)], tzinfo=clock.zone())
        try:
            appointment = services.book(
                actor,
                kind=INDIVIDUAL_KINDS[number % len(INDIVIDUAL_KINDS)],
                person_id=case.person_id,
                agent_id=agents[number % len(agents)].id,
                starts_at=at,
                room_id=rooms[number % len(rooms)].id,
                case_id=case.id,
                interpreter_required=number in INTERPRETED,
                interpreter_language="ar" if number in INTERPRETED else None,
            )
            booked += 1
            if number == INTERPRETED[0]:
                interpreters.record_answer(actor, appointment, True)
        except AgendaError:
            continue
    session = None
    for day, start in SESSION_TIMES:  # the first time the agent and the room are free
        try:
            session = services.schedule_session(
                actor,
                agent_id=actor.id,
                starts_at=datetime.combine(monday + timedelta(days=day), start, tzinfo=clock.zone()),
                capacity=12,
                room_id=rooms[0].id,
            )
            break
        except AgendaError:
            continue
    if session is not None:
        for case in cases[-3:]:
            try:
                services.book_seat(actor, session, person_id=case.person_id, case_id=case.id)
                booked += 1
            except AgendaError:
                continue
    report.count("appointments", booked)
