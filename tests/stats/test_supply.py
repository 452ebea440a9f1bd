"""Supply against demand: places of the operator directory (organisations, never people) next to
the referrals sent, by arrondissement and course."""

from __future__ import annotations

import json

from integration_centre.extensions import db
from integration_centre.operators.models import OperatorProfile
from integration_centre.pathway.reference import municipalities
from integration_centre.stats import services, supply
from tests.stats.releases_seed import seed

PERIOD = "2025"


def _table(release, table_id):
    return next(t for t in json.loads(release.content)["tables"] if t["id"] == table_id)


def test_supply_is_unavailable_without_places_and_shared_over_the_directory(app, org):
    seed(persons=1500)
    first = services.publish(PERIOD).release
    db.session.commit()
    assert _table(first, "supply_arrondissement")["status"] == "unavailable"
    demand = _table(first, "referral_demand_arrondissement")
    assert demand["status"] == "published" and demand["k"] == 5

    namur = [m.nis_code for m in municipalities().values() if m.arrondissement_code == "92000" and not m.valid_until]
    liege = [m.nis_code for m in municipalities().values() if m.arrondissement_code == "62000" and not m.valid_until]
    db.session.add(
        OperatorProfile(
            organisation_id=org["operator"].id,
            service_types=["french_course", "citizenship"],
            municipalities=[namur[0], namur[1], liege[0]],
            capacity=61,
            contact_email="not-read@example.org",
            accepts_referrals=True,
        )
    )
    db.session.add(
        OperatorProfile(
            organisation_id=org["other_operator"].id,
            service_types=["orientation"],
            municipalities=[liege[0]],
            capacity=500,
            accepts_referrals=False,  # closed to referrals: offers nothing
        )
    )
    db.session.commit()
    release = services.publish(PERIOD).release
    db.session.commit()
    table = _table(release, "supply_arrondissement")
    assert table["status"] == "published" and table["unit"] == "places"
    cells = {(r, c): v for r, c, v in table["cells"]}
    # 61 places over 3 municipalities × 2 courses: 11, 10, 10, 10, 10, 10 in whole places.
    assert cells[("Total", "Total")] == 61
    assert cells[("92000", "Total")] + cells[("62000", "Total")] == 61
    assert cells[("92000", "Total")] in (40, 41)
    assert cells[("Total", "french_course")] + cells[("Total", "citizenship")] == 61
    assert "orientation" not in {c for _, c, _ in table["cells"]}
    assert "not-read@example.org" not in release.content


def test_a_registered_provider_replaces_the_directory(app, org):
    provider = supply.register(lambda on: [("92094", "french_course", 12)])
    try:
        release = services.publish(PERIOD).release
    finally:
        supply.unregister(provider)
    cells = {(r, c): v for r, c, v in _table(release, "supply_arrondissement")["cells"]}
    assert cells == {("92000", "french_course"): 12, ("92000", "Total"): 12, ("Total", "french_course"): 12,
                     ("Total", "Total"): 12}  # fmt: skip
