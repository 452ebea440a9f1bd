"""Issue 16, the obligation rules: each with dates computed by hand, on both Walloon versions.

Rule 1: the status is kept from the opening (or an explicit re-assessment), never recomputed for
today. Rule 2: a dispensed participant stays ``dispensed:<reason>``. Rule 3: only an obliged
person has deadlines. Rule 5: the 2014 and 2016 regimes. Rule 10: one set of age bands.
Rule 11: the centre's jurisdiction chooses the definition.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import events, services
from integration_centre.pathway.dates import AGE_BANDS, age_band, band_of_age
from integration_centre.pathway.eligibility import Exclusion, Status
from integration_centre.pathway.errors import PathwayConflict, PathwayError
from integration_centre.pathway.models import TimelineEntry
from integration_centre.pathway.services import StepChange, UploadedDocument
from integration_centre.stats import reference as stats_reference
from integration_centre.stats.queries import age_group
from integration_centre.workspace import services as workspace
from tests.conftest import login
from tests.pathway.conftest import RECEPTION

PDF = UploadedDocument("certificat.pdf", "application/pdf", b"%PDF-1.4 certificat medical")

# (version, permit ordered, registered, last day obliged, first day excluded "long stay", deadline)
# 2018 (the example): stay starts on the earlier of the two dates, 2023-06-01;
#   2023-06-01 + 36 months = 2026-06-01, so obliged on 2026-05-31 (and 2026-05-01), excluded from
#   2026-06-01 (and on 2026-07-01); completion 2023-06-01 + 18 months = 2024-12-01.
# 2025: stay starts 2025-01-15; + 36 months = 2028-01-15: obliged on 2028-01-14, excluded from
#   2028-01-15; completion 2025-01-15 + 36 months = 2028-01-15.
LONG_STAY = [
    ("2018", date(2023, 6, 1), date(2023, 6, 5), date(2026, 5, 31), date(2026, 6, 1), date(2024, 12, 1)),
    ("2025", date(2025, 1, 15), date(2025, 1, 20), date(2028, 1, 14), date(2028, 1, 15), date(2028, 1, 15)),
]


def _dates(newcomer_permit, registration):
    return {"permit_order": newcomer_permit, "registration": registration}


def complete_pathway(agent, case, on: date) -> None:
    """Walk a Wallonia 2018/2025 case to its certificate on ``on`` (B1: no French; no orientation)."""
    if case.status == "open":
        services.transition_case(agent, case, "start", on=case.opened_on)
    for code in RECEPTION:
        services.transition_step(agent, case, code, "start", on=on)
        result = "B1" if code == "language_test" else None
        services.transition_step(agent, case, code, "complete", StepChange(result=result), on=on)
    services.transition_step(agent, case, "agreement", "start", on=on)
    services.transition_step(agent, case, "agreement", "complete", StepChange(evidence=("signed_agreement",)), on=on)
    for code in ("french_course", "orientation"):
        services.transition_step(agent, case, code, "exempt", StepChange(reason="condition_not_met"), on=on)
    services.transition_step(agent, case, "citizenship", "start", on=on)
    change = StepChange(hours=60, result="fic", evidence=("attendance_record",))
    services.transition_step(agent, case, "citizenship", "complete", change, on=on)
    services.transition_step(agent, case, "certificate", "start", on=on)
    services.transition_step(agent, case, "certificate", "complete", on=on)


# --- Rule 1: kept status ------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "permit", "registered", "obliged_until", "excluded_from", "deadline"), LONG_STAY)
def test_status_is_kept_from_the_opening_not_recomputed_for_today(
    agent, register, version, permit, registered, obliged_until, excluded_from, deadline
):
    newcomer = register(permit_order_date=permit, registration_date=registered, date_of_birth=date(1990, 1, 1))
    opened = date(permit.year, permit.month + 2, 1)  # two months after the permit: 2023-08-01 / 2025-03-01
    case = services.open_case(agent, newcomer, on=opened)
    db.session.commit()
    assert case.definition_version == version
    assert (case.assessed_status, case.assessed_reason, case.assessed_on) == ("obliged", None, opened)
    # Recomputed for a day (a preview without the case), the status does change with the stay:
    assert services.eligibility_for(agent, newcomer, on=obliged_until).status == Status.OBLIGED
    later = services.eligibility_for(agent, newcomer, on=excluded_from)
    assert later.status == Status.EXCLUDED and later.exclusions == (Exclusion.LONG_STAY,)
    # … but the case keeps its status: the case page explains the kept status,
    assert services.kept_status(case) == ("obliged", None)
    assert services.eligibility_for(agent, newcomer, case=case).status == Status.OBLIGED
    assert services.deadline_date(case, _dates(permit, registered)) == deadline
    # and a completion after the three years is counted as obliged, never as excluded.
    with events.collect() as received:
        complete_pathway(agent, case, excluded_from)
        services.transition_case(agent, case, "complete", on=excluded_from)
        db.session.commit()
    assert received[-1].type == "case_completed"
    assert {e.person["status"] for e in received} == {"obliged"}  # steps and certificate too
    assert received[-1].duration_days == (excluded_from - opened).days


@pytest.mark.parametrize(("version", "permit", "registered", "obliged_until", "excluded_from", "deadline"), LONG_STAY)
def test_explicit_reassessment_changes_the_kept_status_with_its_reason(
    agent, register, version, permit, registered, obliged_until, excluded_from, deadline
):
    newcomer = register(permit_order_date=permit, registration_date=registered, date_of_birth=date(1990, 1, 1))
    case = services.open_case(agent, newcomer, on=date(permit.year, permit.month + 2, 1))
    db.session.commit()
    # On the last obliged day nothing changes but the assessment date; the entry is still written.
    services.reassess_case(agent, case, "file_corrected", expected_version=case.version, on=obliged_until)
    db.session.commit()
    assert (case.assessed_status, case.assessed_on) == ("obliged", obliged_until)
    services.reassess_case(agent, case, "status_changed", on=excluded_from)
    db.session.commit()
    # Excluded (long stay) but participating: voluntary, reason long_stay; no deadline any more.
    assert services.kept_status(case) == ("voluntary", "long_stay")
    assert (case.assessed_on, case.participation) == (excluded_from, "voluntary")
    assert services.deadline_date(case, _dates(permit, registered)) is None
    entries = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case.id, TimelineEntry.action == "case.reassess")
        .order_by(TimelineEntry.at)
    ).all()
    assert [(e.reason, e.from_state, e.to_state) for e in entries] == [
        ("file_corrected", "obliged", "obliged"),
        ("status_changed", "obliged", "voluntary"),
    ]


def test_reassessment_refusals_change_nothing(agent, register):
    newcomer = register(permit_order_date=date(2023, 6, 1), registration_date=date(2023, 6, 5))
    case = services.open_case(agent, newcomer, on=date(2023, 8, 1))
    db.session.commit()
    stale = case.version
    services.reassess_case(agent, case, "file_corrected", on=date(2024, 1, 1))
    db.session.commit()
    with pytest.raises(PathwayConflict):
        services.reassess_case(agent, case, "file_corrected", expected_version=stale, on=date(2026, 7, 1))
    db.session.rollback()
    with pytest.raises(PathwayError, match="why"):
        services.reassess_case(agent, case, "", on=date(2026, 7, 1))
    db.session.rollback()
    assert (case.assessed_status, case.assessed_on) == ("obliged", date(2024, 1, 1))
    services.transition_case(agent, case, "close", reason="moved_away", on=date(2024, 2, 1))
    db.session.commit()
    with pytest.raises(PathwayError, match="active"):
        services.reassess_case(agent, case, "file_corrected", on=date(2026, 7, 1))
    db.session.rollback()
    assert case.assessed_on == date(2024, 1, 1)


def test_older_case_without_stored_status_reads_the_opening_day(agent, register):
    # Permit 2023-06-01: obliged on the opening day 2023-08-01; excluded (long stay) from 2026-06-01.
    newcomer = register(permit_order_date=date(2023, 6, 1), registration_date=date(2023, 6, 5))
    case = services.open_case(agent, newcomer, on=date(2023, 8, 1))
    case.assessed_status = case.assessed_reason = case.assessed_on = None  # a case opened before 0009
    db.session.commit()
    assert services.kept_status(case, agent) == ("obliged", None)
    assert services.is_obliged(case)
    with events.collect() as received:
        services.transition_case(agent, case, "start", on=date(2026, 7, 1))
        db.session.commit()
    assert received[0].person["status"] == "obliged"


# --- Rule 2: dispensed participants stay dispensed ------------------------------------------------

# 2018: permit 2024-03-01, opened 2024-04-01; 2025: permit 2025-02-03, opened 2025-03-01.
VERSIONS = [("2018", date(2024, 3, 1), date(2024, 4, 1)), ("2025", date(2025, 2, 3), date(2025, 3, 1))]


@pytest.mark.parametrize(("version", "permit", "opened"), VERSIONS)
def test_dispensed_participant_is_counted_dispensed_by_reason(agent, register, version, permit, opened):
    facts = {"permit_order_date": permit, "registration_date": permit}
    turkish = register(nationality="TR", **facts)
    medical = register(family_name="Medical", **facts)
    services.record_dispensation(agent, medical, "medical", permit, document=PDF)
    worker = register(family_name="Worker", **facts)
    services.record_dispensation(agent, worker, "work", permit, document=PDF)
    # 66 on the opening day: born (opened - 66 years); the obligation covers ages 18–64.
    older = register(family_name="Older", date_of_birth=date(opened.year - 66, 1, 1), **facts)
    french = register(family_name="Dupont", nationality="FR", **facts)
    obliged = register(family_name="Obliged", **facts)
    db.session.commit()
    expected = {
        turkish.id: ("dispensed", "association_agreement", "dispensed:association_agreement"),
        medical.id: ("dispensed", "medical", "dispensed:medical"),
        worker.id: ("dispensed", "work", "dispensed:work"),
        older.id: ("dispensed", "age", "dispensed:age"),
        french.id: ("voluntary", "nationality", "voluntary"),  # excluded who joins: voluntary
        obliged.id: ("obliged", None, "obliged"),
    }
    with events.collect() as received:
        cases = [services.open_case(agent, p, on=opened) for p in (turkish, medical, worker, older, french, obliged)]
        db.session.commit()
    assert {c.definition_version for c in cases} == {version}
    by_person = {c.person_id: c for c in cases}
    statuses = sorted(e.person["status"] for e in received if e.type == "case_opened")
    assert statuses == sorted(status for _s, _r, status in expected.values())
    for person_id, (status, reason, _stat) in expected.items():
        case = by_person[person_id]
        assert (case.assessed_status, case.assessed_reason) == (status, reason)
        assert case.participation == ("obliged" if status == "obliged" else "voluntary")
    shown = services.eligibility_for(agent, turkish, case=by_person[turkish.id])
    assert shown.status == Status.DISPENSED and shown.explanation().startswith("Voluntary participant. Dispensed (")


# --- Rule 3: no deadline unless obliged ----------------------------------------------------------

# Permit and registration on 2023-01-10 (2018 rules) and 2025-01-10 (2025 rules):
#   report by registration + 3 months: 2023-04-10 / 2025-04-10;
#   completion by permit + 18 months = 2024-07-10 / + 36 months = 2028-01-10.
# "Today" one day after the completion deadline: 2024-07-11 / 2028-01-11.
DEADLINES = [
    (date(2023, 1, 10), date(2023, 4, 10), date(2024, 7, 10), date(2024, 7, 11)),
    (date(2025, 1, 10), date(2025, 4, 10), date(2028, 1, 10), date(2028, 1, 11)),
]


@pytest.mark.parametrize(("permit", "report_by", "completion", "today"), DEADLINES)
def test_only_obliged_cases_have_deadlines_and_are_overdue(app, agent, register, permit, report_by, completion, today):
    facts = {"permit_order_date": permit, "registration_date": permit}
    opened = date(permit.year, 3, 1)
    obliged = services.open_case(agent, register(**facts), on=opened)
    voluntary = services.open_case(agent, register(family_name="Dupont", nationality="FR", **facts), on=opened)
    dispensed = services.open_case(agent, register(family_name="Yilmaz", nationality="TR", **facts), on=opened)
    for case in (obliged, voluntary, dispensed):
        workspace.sync_schedule(agent, case)
    db.session.commit()
    dates = _dates(permit, permit)
    assert services.deadline_date(obliged, dates) == completion
    assert services.deadline_date(obliged, dates, "report") == report_by
    schedule = workspace.compute_schedule(agent, obliged, today=today)
    assert schedule.completion_deadline == completion and schedule.overdue
    for case in (voluntary, dispensed):
        assert services.deadline_date(case, dates) is None
        assert services.deadline_date(case, dates, "report") is None
        schedule = workspace.compute_schedule(agent, case, today=today)
        assert schedule.completion_deadline is None and schedule.report_by is None
        assert not schedule.overdue and not schedule.deadline_soon
    from integration_centre.workspace.models import CaseSchedule

    late = db.session.scalars(select(CaseSchedule.case_id).where(CaseSchedule.completion_deadline < today)).all()
    assert late == [obliged.id]
    client = app.test_client()
    assert login(client, agent).status_code == 302
    page = client.get(f"/cases/{voluntary.id}").get_data(as_text=True)
    assert 'data-testid="no-deadline"' in page and "takes part voluntarily" in page
    page = client.get(f"/cases/{obliged.id}").get_data(as_text=True)
    assert 'data-testid="no-deadline"' not in page


# --- Rule 5: the 2014 and 2016 regimes ------------------------------------------------------------


def test_old_permits_enrol_voluntarily_on_their_regime(agent, register):
    # Permit 2015-03-01 (2014 regime), opened 2025-03-01: 2015-03-01 + 36 months = 2018-03-01 is
    # long past, so excluded (long stay) and voluntary; the 2014 regime is the reception module only.
    old = register(permit_order_date=date(2015, 3, 1), registration_date=date(2015, 3, 1))
    case = services.open_case(agent, old, on=date(2025, 3, 1))
    db.session.commit()
    assert (case.definition_code, case.definition_version) == ("wallonia", "2014")
    assert services.kept_status(case) == ("voluntary", "long_stay")
    assert [s.step_code for s in case.steps] == ["social_assessment", "rights_and_duties", "admin_help", "certificate"]
    assert services.deadline_date(case, _dates(date(2015, 3, 1), date(2015, 3, 1))) is None
    # Permit 2017-09-01 (2016 regime): 120 h French, 20 h citizenship, orientation at least 4 h.
    newer = register(family_name="Other", permit_order_date=date(2017, 9, 1), registration_date=date(2017, 9, 1))
    case = services.open_case(agent, newer, on=date(2025, 3, 1))
    db.session.commit()
    definition = services.definition_of(case)
    assert definition.key == "wallonia-2016"
    hours = {code: definition.step(code).min_hours for code in ("french_course", "citizenship", "orientation")}
    assert hours == {"french_course": 120, "citizenship": 20, "orientation": 4}
    assert services.kept_status(case) == ("voluntary", "long_stay")


# --- Rule 10: one set of age bands ----------------------------------------------------------------


def test_every_age_lands_in_a_band_the_statistics_know():
    for age in range(101):
        band = band_of_age(age)
        assert band in AGE_BANDS and age_group(band) != stats_reference.UNKNOWN, age
        assert stats_reference.age_band(age) == band
    # By hand: 5 and 9 → 05-09, 0 → 00-04, 64 → 60-64, 65 and 100 → 65+.
    assert [band_of_age(a) for a in (0, 5, 9, 10, 64, 65, 100)] == [
        "00-04", "05-09", "05-09", "10-14", "60-64", "65+", "65+",
    ]  # fmt: skip
    # Born 2019-06-15: 7 on 2026-06-15 (birthday), 6 the day before.
    assert age_band(date(2019, 6, 15), date(2026, 6, 15)) == "05-09"
    assert age_band(date(2019, 6, 15), date(2026, 6, 14)) == "05-09"
    assert band_of_age(None) is None and stats_reference.age_band(None) == stats_reference.UNKNOWN


# --- Rule 11: the centre's jurisdiction -----------------------------------------------------------


@pytest.mark.parametrize(("jurisdiction", "key"), [("brussels", "brussels-2022"), ("flanders", "flanders-2022")])
def test_centre_jurisdiction_chooses_the_definition(agent, register, org, jurisdiction, key):
    org["centre"].jurisdiction = jurisdiction
    db.session.commit()
    newcomer = register()  # permit ordered 2025-02-03
    assert services.eligibility_for(agent, newcomer, on=date(2025, 3, 1)).definition_key == key
    case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
    db.session.commit()
    assert services.definition_of(case).key == key
    assert case.assessed_status == "obliged"
    assert jurisdiction in services.jurisdictions()


def test_deadline_calculator_shows_the_centre_jurisdiction(app, agent, org):
    # A Brussels centre: registration 2025-02-10 + 6 months = 2025-08-10 (report),
    # + 18 months = 2026-08-10 (completion); no Walloon version is shown.
    org["centre"].jurisdiction = "brussels"
    db.session.commit()
    client = app.test_client()
    assert login(client, agent).status_code == 302
    html = client.post(
        "/deadlines/calculator", data={"permit_order_date": "2025-02-03", "registration_date": "2025-02-10"}
    ).get_data(as_text=True)
    assert 'data-version="brussels:2022"' in html and 'data-version="wallonia:' not in html
    assert 'data-deadline="report" data-iso="2025-08-10"' in html
    assert 'data-deadline="completion" data-iso="2026-08-10"' in html
