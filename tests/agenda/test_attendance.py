"""A no-show goes to the case's timeline; repeated no-shows make the person eligible for the
non-compliance procedure (recorded once, the threshold per office)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from integration_centre.agenda import services as agenda
from integration_centre.agenda.errors import AgendaError
from integration_centre.agenda.models import AgendaSettings, NoncomplianceSignal
from integration_centre.extensions import db
from integration_centre.pathway.models import TimelineEntry
from tests.agenda.conftest import next_week_at


def _actions(case_id) -> list[str]:
    return list(
        db.session.scalars(
            select(TimelineEntry.action).where(TimelineEntry.case_id == case_id).order_by(TimelineEntry.at)
        )
    )


def _book_three(agent, person_id, case_id=None):
    booked = [
        agenda.book(
            agent,
            kind="reception",
            person_id=person_id,
            agent_id=agent.id,
            starts_at=next_week_at(9 + i),
            case_id=case_id,
        )
        for i in range(3)
    ]
    db.session.commit()
    return booked


def test_attendance_waits_for_the_appointment(agent, register):
    person = register()
    (first, *_) = _book_three(agent, person.id)
    with pytest.raises(AgendaError, match="once the appointment has started"):
        agenda.record_attendance(agent, first, attended=True)
    db.session.rollback()
    with time_machine.travel(first.starts_at + timedelta(minutes=5), tick=False):
        agenda.record_attendance(agent, first, attended=True)
        db.session.commit()
        assert first.status == "attended"
        with pytest.raises(AgendaError, match="only for a booked"):
            agenda.record_attendance(agent, first, attended=False)
        db.session.rollback()


def test_no_show_goes_to_the_timeline_and_repeated_ones_make_the_person_eligible(agent, open_case, org):
    case = open_case()
    first, second, third = _book_three(agent, case.person_id)  # no case given: the person's active case
    office_id = org["office"].id
    with time_machine.travel(third.ends_at + timedelta(hours=1), tick=False):
        agenda.record_attendance(agent, first, attended=False)
        db.session.commit()
        assert _actions(case.id)[-1] == "agenda.no_show"
        assert agenda.no_show_count(case.person_id, office_id) == 1
        assert not agenda.noncompliance_eligible(case.person_id, office_id)
        assert agenda.noncompliance_signal(case.person_id, office_id) is None

        agenda.record_attendance(agent, second, attended=False)
        db.session.commit()
        assert _actions(case.id)[-2:] == ["agenda.no_show", "agenda.noncompliance_eligible"]
        assert agenda.noncompliance_eligible(case.person_id, office_id)
        signal = agenda.noncompliance_signal(case.person_id, office_id)
        assert (signal.no_shows, signal.case_id, signal.appointment_id) == (2, case.id, second.id)

        # A third no-show is on the timeline, the signal stays the one recorded.
        agenda.record_attendance(agent, third, attended=False)
        db.session.commit()
        assert _actions(case.id).count("agenda.noncompliance_eligible") == 1
        assert db.session.query(NoncomplianceSignal).count() == 1


def test_the_threshold_is_the_office_setting(agent, register, org):
    person = register()  # announced, no case yet: no timeline, the count and the signal still hold
    db.session.add(AgendaSettings(office_id=org["office"].id, slot_minutes=30, no_show_threshold=3))
    db.session.commit()
    booked = _book_three(agent, person.id)
    with time_machine.travel(booked[-1].ends_at + timedelta(hours=1), tick=False):
        for number, appointment in enumerate(booked, start=1):
            agenda.record_attendance(agent, appointment, attended=False)
            db.session.commit()
            assert agenda.noncompliance_eligible(person.id, org["office"].id) is (number >= 3)
    signal = agenda.noncompliance_signal(person.id, org["office"].id)
    assert signal is not None and signal.case_id is None and signal.no_shows == 3
