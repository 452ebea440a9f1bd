"""The needs analysis (issue 16, rule 4): recorded with its reasons, it decides whether French and
orientation (Wallonia, 2018 and 2025 rules) or the participation pathway (Flanders) are
compulsory; the reception agreement and the certificate's "still to do" follow it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from integration_centre.extensions import db
from integration_centre.i18n import current_language
from integration_centre.pathway import services as pathway
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import TimelineEntry
from integration_centre.pathway.services import StepChange
from integration_centre.privacy.access import access
from integration_centre.reception import services
from tests.reception.helpers import do_reception

ON = date(2025, 3, 5)
FRENCH_FR = "Formation à la langue française (FLE)"
ORIENTATION_FR = "Orientation socioprofessionnelle (ISP)"


def agreement_steps(agent, case) -> list[str]:
    return [s["label"] for s in services.agreement_content(agent, case, "fr")["steps"]]


def still_to_do(case) -> list[str]:
    """The certificate's "still to do", as step codes (the labels are in the user's language)."""
    definition = pathway.definition_of(case)
    labels = {s.label(current_language()): s.code for s in definition.steps}
    return [labels[label] for label in services.certificate_missing_steps(case)]


def record(agent, case, needs, note=None):
    pathway.set_needs(agent, case, needs, expected_version=case.version, note=note)
    db.session.commit()


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({}, "wallonia-2025"),  # permit ordered 2025-02-03
        ({"permit_order_date": date(2020, 6, 1), "registration_date": date(2020, 6, 10)}, "wallonia-2018"),
    ],
)
def test_needs_decide_french_and_orientation_in_wallonia(agent, started_case, overrides, key):
    case = started_case(**overrides)
    assert pathway.definition_of(case).key == key
    do_reception(agent, case, level="A1", on=ON)
    # Before the analysis: A1 is below A2, the positioning suggests French; orientation is not
    # needed (the case page says so) and, never started, it is not "still to do" either.
    assert FRENCH_FR in agreement_steps(agent, case)
    assert ORIENTATION_FR not in agreement_steps(agent, case)
    assert still_to_do(case) == ["french_course", "citizenship"]

    record(agent, case, ["french"], note="Lit peu, souhaite un cours du soir.")
    assert case.needs == ["french"]
    assert FRENCH_FR in agreement_steps(agent, case)
    assert ORIENTATION_FR not in agreement_steps(agent, case)
    assert still_to_do(case) == ["french_course", "citizenship"]  # orientation left out

    record(agent, case, [])
    assert FRENCH_FR not in agreement_steps(agent, case)  # A1, yet the analysis says no French
    assert still_to_do(case) == ["citizenship"]

    record(agent, case, ["orientation"])
    assert ORIENTATION_FR in agreement_steps(agent, case)
    assert FRENCH_FR not in agreement_steps(agent, case)
    assert still_to_do(case) == ["citizenship", "orientation"]


def test_without_french_the_certificate_is_issued_with_french_never_done(agent, started_case):
    case = started_case()
    do_reception(agent, case, level="A1", on=ON)
    record(agent, case, [])
    on = date(2025, 9, 1)
    pathway.transition_step(agent, case, "citizenship", "start", on=on)
    change = StepChange(hours="60", evidence=("attendance_record",), result="aoc")
    pathway.transition_step(agent, case, "citizenship", "complete", change, on=on)
    db.session.commit()
    assert still_to_do(case) == []
    certificate = services.issue_certificate(agent, case, on=on)
    db.session.commit()
    assert certificate.code
    assert case.step("french_course").state == "pending" and case.step("orientation").state == "pending"


def test_a_recorded_need_makes_the_step_compulsory_before_the_certificate(agent, started_case):
    case = started_case()
    do_reception(agent, case, level="B1", on=ON)  # B1: the positioning alone would not ask for French
    assert FRENCH_FR not in agreement_steps(agent, case)
    record(agent, case, ["french"])
    assert FRENCH_FR in agreement_steps(agent, case)
    with pytest.raises(PathwayError) as error:  # needed now: no exemption for "condition not met"
        pathway.transition_step(agent, case, "french_course", "exempt", StepChange(reason="condition_not_met"))
    assert "needed for this person" in error.value.message
    db.session.rollback()


def test_flanders_participation_follows_the_analysis(agent, register):
    newcomer = register(permit_order_date=date(2024, 5, 2), registration_date=date(2024, 5, 10))
    case = pathway.open_case(agent, newcomer, jurisdiction="flanders", on=date(2024, 6, 1))
    pathway.transition_case(agent, case, "start", on=date(2024, 6, 1))
    db.session.commit()
    assert pathway.definition_of(case).key == "flanders-2022"
    participation = "Parcours de participation (40 h)"
    assert participation not in agreement_steps(agent, case)
    record(agent, case, ["participation"], note="Sans emploi ni formation.")
    assert participation in agreement_steps(agent, case)
    assert "participation" in still_to_do(case)
    record(agent, case, [])
    assert participation not in agreement_steps(agent, case)
    assert "participation" not in still_to_do(case)


def test_reasons_are_an_encrypted_note_and_the_choice_is_on_the_timeline(agent, started_case):
    case = started_case()
    record(agent, case, ["orientation", "french"], note="Zqxreason: cherche un emploi dans la logistique.")
    [entry] = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.case_id == case.id, TimelineEntry.action == "case.needs")
    ).all()
    assert entry.reason == "french,orientation"
    dump = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM pathway_timeline_entry")).all())
    assert "Zqxreason" not in dump
    with access(agent, "test", [case.person_id]):
        assert entry.note.startswith("Zqxreason")


def test_refusals(agent, other_agent, started_case):
    from werkzeug.exceptions import NotFound

    case = started_case()
    with pytest.raises(PathwayError) as error:
        pathway.set_needs(agent, case, ["participation"])
    assert "Unknown need" in error.value.message
    db.session.rollback()
    with pytest.raises(NotFound):
        pathway.set_needs(other_agent, case, ["french"])
    stale = case.version
    record(agent, case, ["french"])
    with pytest.raises(PathwayError):
        pathway.set_needs(agent, case, [], expected_version=stale)
    db.session.rollback()
    pathway.transition_case(agent, case, "close", reason="moved_away")
    db.session.commit()
    with pytest.raises(PathwayError) as error:
        pathway.set_needs(agent, case, [])
    assert "can no longer change" in error.value.message
    db.session.rollback()


def test_a_step_exempted_as_not_needed_is_reopened_when_the_analysis_asks_for_it(agent, started_case):
    case = started_case()
    do_reception(agent, case, level="B1", on=ON)
    record(agent, case, [])
    pathway.transition_step(agent, case, "orientation", "exempt", StepChange(reason="condition_not_met"))
    db.session.commit()
    assert "orientation" not in still_to_do(case)
    record(agent, case, ["orientation"])
    assert case.step("orientation").state == "pending" and case.step("orientation").ended_on is None
    assert ORIENTATION_FR in agreement_steps(agent, case)
    assert still_to_do(case) == ["citizenship", "orientation"]


def test_a_need_cannot_be_added_once_a_later_step_started(agent, started_case):
    case = started_case()
    do_reception(agent, case, level="B1", on=ON)
    record(agent, case, [])
    on = date(2025, 9, 1)
    pathway.transition_step(agent, case, "citizenship", "start", on=on)
    change = StepChange(hours="60", evidence=("attendance_record",), result="aoc")
    pathway.transition_step(agent, case, "citizenship", "complete", change, on=on)
    pathway.transition_step(agent, case, "certificate", "start", on=on)  # French and orientation left out
    db.session.commit()
    with pytest.raises(PathwayError) as error:
        pathway.set_needs(agent, case, ["orientation"])
    assert "has already started" in error.value.message
    db.session.rollback()
    assert case.needs == []
