"""Issue 16: entry service, purpose, new vs follow-up files, education level, top nationalities.

A population registered and opened through the real pathway services emits its events, the
listener writes the facts, a release counts them: the new tables show hand-computed counts, small
groups never show, and the received tables together withstand the independent attacker.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from integration_centre.stats import services
from integration_centre.stats.catalogue import CatalogueError, build_catalogue, catalogue
from integration_centre.stats.models import Fact
from integration_centre.stats.queries import fold_top, top_categories
from tests.pathway.conftest import newcomer_data
from tests.stats.attack import violations
from tests.stats.test_release_properties import _attack_release

PERIOD = "2026-05"
# (how many, sex, nationalities, entry service, purpose, education levels, earlier case closed)
GROUPS = (
    (10, "F", ["SY"] * 10, "commune", "obligation", ["upper_secondary"] * 5 + ["lower_secondary"] * 5, False),
    (5, "M", ["AF"] * 5, "commune", "obligation", ["higher"] * 5, False),
    (5, "F", ["MA"] * 5, "cpas", "obligation", ["higher"] * 3 + ["none"] * 2, False),
    (5, "M", ["ER", "ER", "ER", "SO", "SO"], "cpas", "nationality", ["primary"] * 5, False),
    (5, "F", ["IQ", "PS", "LB", "YE", "JO"], "self", "nationality", ["primary"] * 5, True),
)
# Regional groups (the older table): Middle East F 15, Asia M 5, North Africa F 5, East Africa M 5.


def _people(agent, office) -> None:
    number = 0
    for count, sex, nationalities, channel, purpose, levels, earlier in GROUPS:
        for i in range(count):
            number += 1
            data = newcomer_data(
                family_name=f"Personne{number:02d}",
                given_names="Test",
                date_of_birth=date(1990, 1, 1 + number % 28),
                sex=sex,
                nationality=nationalities[i],
                education_level=levels[i],
                niss=None,
                email=None,
            )
            newcomer = registration.register_newcomer(
                agent, data, office, confirm_duplicate=True, today=date(2026, 1, 15)
            )
            if earlier:  # a first case, closed: the May case is a follow-up file
                first = pathway.open_case(agent, newcomer, on=date(2026, 2, 2))
                pathway.transition_case(agent, first, "close", reason="moved_away", on=date(2026, 3, 2))
            pathway.open_case(agent, newcomer, on=date(2026, 5, 4 + i), entry_channel=channel, purpose=purpose)
            db.session.commit()


@pytest.fixture
def released(app, org, make_user):
    agent = make_user(Role.AGENT)
    _people(agent, org["office"])
    release = services.publish(PERIOD).release
    db.session.commit()
    return json.loads(release.content)


def _cells(document, table_id):
    table = next(t for t in document["tables"] if t["id"] == table_id)
    return table["status"], {(r, c): v for r, c, v in table["cells"]}


def test_the_facts_keep_the_casework_attributes(released):
    facts = db.session.scalars(select(Fact).where(Fact.event_type == "case_opened", Fact.period_month == PERIOD))
    rows = [(f.entry_channel, f.purpose, f.file_kind, f.education_level, f.nationality) for f in facts]
    assert len(rows) == 30
    assert rows.count(("self", "nationality", "follow_up", "primary", "other")) == 1  # JO: not listed
    assert sum(1 for r in rows if r[2] == "follow_up") == 5
    assert {r[4] for r in rows} == {"SY", "AF", "MA", "ER", "SO", "IQ", "PS", "LB", "YE", "other"}


def test_entry_service_purpose_and_file_kind_show_the_hand_counts(released, org):
    status, cells = _cells(released, "received_entry_channel_sex")
    assert status == "published"
    assert cells == {
        ("commune", "F"): 10, ("commune", "M"): 5, ("commune", "Total"): 15,
        ("cpas", "F"): 5, ("cpas", "M"): 5, ("cpas", "Total"): 10,
        ("self", "F"): 5, ("self", "M"): 0, ("self", "Total"): 5,
        ("Total", "F"): 20, ("Total", "M"): 10, ("Total", "Total"): 30,
    }  # fmt: skip
    status, cells = _cells(released, "received_purpose_sex")
    assert status == "published"
    assert cells == {
        ("obligation", "F"): 15, ("obligation", "M"): 5, ("obligation", "Total"): 20,
        ("nationality", "F"): 5, ("nationality", "M"): 5, ("nationality", "Total"): 10,
        ("Total", "F"): 20, ("Total", "M"): 10, ("Total", "Total"): 30,
    }  # fmt: skip
    status, cells = _cells(released, "received_centre_file_kind")
    centre = str(org["centre"].id)
    assert status == "published"
    assert cells == {
        (centre, "new"): 25, (centre, "follow_up"): 5, (centre, "Total"): 30,
        ("Total", "new"): 25, ("Total", "follow_up"): 5, ("Total", "Total"): 30,
    }  # fmt: skip


def test_top_nationalities_keep_groups_of_at_least_k_and_fold_the_rest(released):
    status, cells = _cells(released, "received_top_nationalities")
    assert status == "published"
    # SY 10, AF 5, MA 5 reach k = 5; ER 3, SO 2, IQ, PS, LB, YE and the unlisted JO are "other" (10).
    assert cells == {
        ("SY", "case_opened"): 10, ("SY", "Total"): 10,
        ("AF", "case_opened"): 5, ("AF", "Total"): 5,
        ("MA", "case_opened"): 5, ("MA", "Total"): 5,
        ("other", "case_opened"): 10, ("other", "Total"): 10,
        ("Total", "case_opened"): 30, ("Total", "Total"): 30,
    }  # fmt: skip
    table = next(t for t in released["tables"] if t["id"] == "received_top_nationalities")
    assert [code for code, _labels in table["rows"]] == ["AF", "MA", "SY", "other"]
    labels = dict(table["rows"])
    assert labels["SY"]["fr"] == "Syrie" and labels["SY"]["nl"] == "Syrië"
    assert labels["other"]["fr"] == "Autres nationalités"


def test_education_level_too_fine_for_the_month_is_withheld(released):
    """By hand: higher F 3 M 5, lower_secondary F 5, none F 2, primary F 5 M 5, upper_secondary F 5.
    The small figures (higher F 3, none F 2, none total 2) are 3 of the table's 18 cells; each needs
    another hidden cell in its row and its column, so more than 20% would be hidden: the table is
    withheld for redesign and none of its figures is published."""
    status, cells = _cells(released, "received_education_sex")
    assert status == "redesign" and cells == {}
    table = next(t for t in released["tables"] if t["id"] == "received_education_sex")
    assert table["hidden_share"] > 0.2
    assert "received_education_sex" in released["redesign"]


def test_the_received_tables_withstand_the_independent_attack(released):
    """Every published table of the received population, with the new ones, attacked together."""
    rows = [
        {column.name: getattr(fact, column.name) for column in Fact.__table__.columns}
        for fact in db.session.scalars(select(Fact))
    ]
    period = services.parse_period(PERIOD)
    tables = {t["id"]: t for t in released["tables"]}
    published = [
        i for i in catalogue().indicators if i.population == "received" and tables[i.id]["status"] == "published"
    ]
    assert {"received_entry_channel_sex", "received_top_nationalities"} <= {i.id for i in published}
    attackable = _attack_release(rows, published, period, released)
    assert violations(attackable, 5) == []


def test_top_fold_rules_by_hand():
    # The top 2 of those with at least 5 people.
    assert top_categories({"SY": 9, "AF": 7, "MA": 6, "ER": 5}, 2, 5) == ["SY", "AF"]
    # ER 3 alone would be an "other" of 3: MA joins it (other = 8).
    assert top_categories({"SY": 9, "AF": 7, "MA": 5, "ER": 3}, 10, 5) == ["SY", "AF"]
    # "unknown" stays apart and never counts in "other"; an "other" of 0 is fine.
    assert top_categories({"SY": 9, "AF": 7, "unknown": 2}, 10, 5) == ["SY", "AF"]
    # Nobody reaches k: everything is "other".
    assert top_categories({"SY": 4, "AF": 3}, 10, 5) == []
    cells = {("SY", "F"): 6, ("SY", "M"): 3, ("ER", "F"): 2, ("IQ", "M"): 4, ("unknown", "F"): 1}
    assert fold_top(cells, 0, 10, 5) == {("SY", "F"): 6, ("SY", "M"): 3, ("other", "F"): 2, ("other", "M"): 4,
                                         ("unknown", "F"): 1}  # fmt: skip


def test_the_catalogue_requires_top_with_a_nationality_table():
    entry = {
        "id": "t", "title": {"fr": "t", "en": "t", "nl": "t"}, "definition": {"fr": "d", "en": "d", "nl": "d"},
        "unit": "persons", "measure": "count", "population": "p", "select": {"event_type": ["case_opened"]},
        "rows": "nationality", "columns": "sex", "sensitivity": 5,
    }  # fmt: skip
    with pytest.raises(CatalogueError, match="top"):
        build_catalogue([entry])
    assert build_catalogue([entry | {"top": 10}]).get("t").top == 10
    with pytest.raises(CatalogueError, match="top"):
        build_catalogue([entry | {"rows": "sex", "columns": "purpose", "top": 3}])


def test_the_committee_pages_and_csv_show_the_new_tables_in_french_and_dutch(released, login_as):
    from html import unescape

    from flask_babel import refresh

    client, _user = login_as(Role.COMMITTEE)
    french = unescape(client.get(f"/statistics/?period={PERIOD}&scope=region").get_data(as_text=True))
    for text in (
        "Principales nationalités des primo-arrivant·es reçu·es",
        "Primo-arrivant·es reçu·es par service d'entrée et sexe",
        "Commune (service population ou étrangers)",
        "Preuve pour la nationalité",
        "Dossiers de suivi",
        "Syrie",
        "Autres nationalités",
    ):
        assert text in french, text
    assert client.post("/language", data={"locale": "nl"}).status_code == 302
    refresh()  # the test's app context outlives the request: forget the locale Flask-Babel cached
    dutch = unescape(client.get(f"/statistics/?period={PERIOD}&scope=region").get_data(as_text=True))
    for text in ("Belangrijkste nationaliteiten", "naar instroomkanaal", "Bewijs voor de nationaliteit", "Syrië"):
        assert text in dutch, text
    release = services.live_release(PERIOD, "region")
    csv_text = client.get(f"/statistics/releases/{release.id}.csv").get_data(as_text=True)
    assert "received_top_nationalities" in csv_text and "received_centre_file_kind" in csv_text


def test_the_demo_facts_fill_the_new_tables(app, org):
    """The synthetic caseload of the demo (``stats.demo``) gives every new table figures to show
    (a year of one centre here: about 690 people)."""
    from tests.stats.releases_seed import seed

    seed(persons=1200)
    document = json.loads(services.publish("2025").release.content)
    for table_id in (
        "received_entry_channel_sex",
        "received_purpose_sex",
        "received_centre_file_kind",
        "received_education_sex",
        "received_top_nationalities",
    ):
        status, cells = _cells(document, table_id)
        assert status == "published", table_id
        assert cells[("Total", "Total")] > 100, table_id
    _status, cells = _cells(document, "received_top_nationalities")
    shown = {row for row, _column in cells} - {"Total", "other", "unknown"}
    assert 3 <= len(shown) <= 10 and "SY" in shown
    assert all(cells[(row, "Total")] >= 5 for row in shown)
