"""Deadlines from the definition's clock-start events, and extensions on the definition's grounds."""

from datetime import date

import pytest

from integration_centre.extensions import db
from integration_centre.pathway import services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case


def dates(permit, registration):
    return {"permit_order": permit, "registration": registration}


@pytest.mark.parametrize(("permit", "months"), [(date(2024, 6, 3), 18), (date(2025, 2, 3), 36)])
def test_completion_deadline_per_rule_version(agent, register, permit, months):
    newcomer = register(permit_order_date=permit, registration_date=permit)
    case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
    db.session.commit()
    expected = date(permit.year + (permit.month + months - 1) // 12, (permit.month + months - 1) % 12 + 1, 3)
    assert services.deadline_date(case, dates(permit, permit)) == expected
    assert services.deadline_date(case, dates(permit, permit), "report") == date(
        permit.year + (permit.month + 2) // 12, (permit.month + 2) % 12 + 1, 3
    )


def test_extension_on_a_ground_of_the_definition(agent, started_case):
    case = started_case()
    permit = date(2025, 2, 3)
    before = services.deadline_date(case, dates(permit, permit))
    services.extend_deadline(agent, case, "illness", 6, note="Hospitalisation")
    db.session.commit()
    assert services.deadline_date(case, dates(permit, permit)) == date(before.year, before.month + 6, before.day)
    for ground, months in (("holiday", 3), ("illness", 0)):
        with pytest.raises(PathwayError):
            services.extend_deadline(agent, case, ground, months)
        db.session.rollback()
    assert db.session.get(Case, case.id).deadline_extended_months == 6
