"""Issue 16, acceptance: statistics from a population seeded through the real services show the
dispensed people by reason, and no completion counted as "excluded" (rules 1 and 2).

The facts are written by the stats listener in the transaction of each pathway change (as in
production); the tables are counted from them with the catalogue's own indicators.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.services import UploadedDocument
from integration_centre.stats import services
from integration_centre.stats.catalogue import catalogue
from integration_centre.stats.models import Fact
from tests.pathway.conftest import agent, register  # noqa: F401  (fixtures)
from tests.pathway.test_obligation_rules import complete_pathway

PDF = UploadedDocument("preuve.pdf", "application/pdf", b"%PDF-1.4 preuve")
OPENED = date(2023, 8, 1)
# Permit ordered 2023-06-01 (2018 rules): the stay exceeds three years from 2023-06-01 + 36 months
# = 2026-06-01. The completions below happen on 2026-07-01, after that date: recomputed "for today"
# the obliged people would be "excluded: long stay" there.
PERMIT = date(2023, 6, 1)
COMPLETED = date(2026, 7, 1)
# The volunteers' permit of 2019-01-10: 2019-01-10 + 36 months = 2022-01-10, before the opening:
# outside the scope (long stay) when they join, hence voluntary.
OLD_PERMIT = date(2019, 1, 10)


def _seed(agent, register) -> dict[str, list]:  # noqa: F811
    facts = {"permit_order_date": PERMIT, "registration_date": PERMIT}
    people: dict[str, list] = {"obliged": [], "medical": [], "work": [], "age": [], "association": [], "volunteer": []}
    for n in range(3):
        people["obliged"].append(register(family_name=f"Obliged{n}", **facts))
    for n in range(2):
        person = register(family_name=f"Medical{n}", **facts)
        pathway.record_dispensation(agent, person, "medical", PERMIT, document=PDF)
        people["medical"].append(person)
    worker = register(family_name="Worker", **facts)
    pathway.record_dispensation(agent, worker, "work", PERMIT, document=PDF)
    people["work"].append(worker)
    # Born 1955-01-01: 68 on the opening day 2023-08-01, over the 18–64 obligation.
    people["age"].append(register(family_name="Older", date_of_birth=date(1955, 1, 1), **facts))
    people["association"].append(register(family_name="Yilmaz", nationality="TR", **facts))
    for n in range(2):
        people["volunteer"].append(
            register(family_name=f"Volunteer{n}", permit_order_date=OLD_PERMIT, registration_date=OLD_PERMIT)
        )
    db.session.commit()
    cases = {group: [pathway.open_case(agent, p, on=OPENED) for p in persons] for group, persons in people.items()}
    db.session.commit()
    return cases


def test_seeded_population_shows_dispensed_by_reason_and_no_excluded_completion(app, org, agent, register):  # noqa: F811
    cases = _seed(agent, register)
    # Completions after the three years: every obliged person, one medical, the worker, one volunteer.
    finishing = [*cases["obliged"], cases["medical"][0], *cases["work"], cases["volunteer"][0]]
    for case in finishing:
        complete_pathway(agent, case, COMPLETED)
        pathway.transition_case(agent, case, "complete", on=COMPLETED)
        db.session.commit()

    region = services.parse_scope("region")
    received = services.count_cells(catalogue().get("dispensed_reason"), services.parse_period("2023"), region)
    assert received == {
        ("medical", "dispensed"): 2,
        ("work", "dispensed"): 1,
        ("age", "dispensed"): 1,
        ("association_agreement", "dispensed"): 1,
    }
    by_status = Counter()
    opened = services.count_cells(catalogue().get("received_centre_status"), services.parse_period("2023"), region)
    for (_centre, status), n in opened.items():
        by_status[status] += n
    # 3 obliged, 5 dispensed (2 medical, work, age, association), 2 voluntary (long stay).
    assert by_status == {"obliged": 3, "dispensed": 5, "voluntary": 2}

    completed = services.count_cells(catalogue().get("completed_centre_status"), services.parse_period("2026"), region)
    by_status = Counter()
    for (_centre, status), n in completed.items():
        by_status[status] += n
    # 3 obliged + 2 dispensed (medical, work) + 1 volunteer = 6 completions, none "excluded".
    assert by_status == {"obliged": 3, "dispensed": 2, "voluntary": 1}
    statuses = db.session.scalars(select(Fact.status).where(Fact.event_type == "case_completed")).all()
    assert len(statuses) == 6 and "excluded" not in statuses
    assert not db.session.scalars(select(Fact).where(Fact.status == "excluded")).first()
    reasons = Counter(
        db.session.scalars(
            select(Fact.dispensation_reason).where(Fact.event_type == "case_completed", Fact.status == "dispensed")
        )
    )
    assert reasons == {"medical": 1, "work": 1}
