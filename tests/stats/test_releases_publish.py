"""Releases: built from facts, protected, checked, immutable, reproducible."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.stats import services
from integration_centre.stats.catalogue import CatalogueError, build_catalogue, catalogue
from integration_centre.stats.models import Fact, Release
from tests.stats.releases_seed import recount, seed

PERIOD = "2026-Q2"


@pytest.fixture
def seeded(app, org):
    return seed()


def _tables(release: Release) -> dict[str, dict]:
    return {t["id"]: t for t in json.loads(release.content)["tables"]}


def test_unhidden_cells_equal_an_independent_count(seeded):
    release = services.publish(PERIOD).release
    db.session.commit()
    period = services.parse_period(PERIOD)
    tables = _tables(release)
    published = 0
    for indicator in catalogue().indicators:
        table = tables[indicator.id]
        if indicator.measure != "count" or table["status"] != "published":
            continue
        published += 1
        expected = recount(seeded, indicator, period.months, period.end)
        rows = {r for r, _ in expected}
        columns = {c for _, c in expected}
        for row, column, value in table["cells"]:
            if value is None:
                continue
            if row == "Total" and column == "Total":
                truth = sum(expected.values())
            elif row == "Total":
                truth = sum(expected[(r, column)] for r in rows)
            elif column == "Total":
                truth = sum(expected[(row, c)] for c in columns)
            else:
                truth = expected[(row, column)]
            assert value == truth, (indicator.id, row, column)
            assert value == 0 or value >= indicator.sensitivity, (indicator.id, row, column)
    assert published >= 5


def test_one_figure_one_status_across_tables(seeded):
    tables = _tables(services.publish("2025").release)
    totals = {
        tid: next(v for r, c, v in t["cells"] if r == c == "Total")
        for tid, t in tables.items()
        if t["status"] == "published" and t["id"].startswith("received_")
    }
    assert len(totals) >= 3 and len(set(totals.values())) == 1, totals
    sexes = {}
    for tid, table in tables.items():
        if table["status"] == "published" and tid.startswith("received_") and table["column_dimension"] == "sex":
            sexes[tid] = {c: v for r, c, v in table["cells"] if r == "Total"}
    assert len({json.dumps(s, sort_keys=True) for s in sexes.values()}) == 1, sexes


def test_failed_publication_leaves_the_previous_release_live(seeded):
    first = services.publish(PERIOD).release
    db.session.commit()
    # A correction without its original (a retraction of an event never counted) makes a cell
    # negative: the check refuses it and nothing is written.
    stray = dict(seeded[0], period_month="2026-05", event_type="case_opened", weight=-1, milestone=True)
    stray["nationality_group"] = "never_seen"
    for _ in range(3):
        db.session.add(Fact(**{k: v for k, v in stray.items() if k != "id"}))
    db.session.commit()
    with pytest.raises(services.PublishError):
        services.publish(PERIOD)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Release)) == 1
    assert services.live_release(PERIOD, "region").id == first.id


def test_rebuild_is_byte_identical_for_the_same_facts(seeded):
    release = services.publish(PERIOD).release
    db.session.commit()
    again = services.build_content(services.parse_period(PERIOD), services.parse_scope("region"))
    assert again == release.content
    results = services.rebuild()
    assert [(r.period, r.changed, r.content_hash) for r in results] == [(PERIOD, False, release.content_hash)]
    assert services.publish(PERIOD).created is False


def test_corrections_reach_the_next_release_and_releases_are_immutable(seeded):
    release = services.publish(PERIOD).release
    db.session.commit()
    opened = next(r for r in seeded if r["event_type"] == "case_opened" and r["period_month"] == "2026-05")
    db.session.add(Fact(**(opened | {"weight": -1})))
    db.session.commit()
    results = services.rebuild()
    db.session.commit()
    assert results[0].changed
    assert services.live_release(PERIOD, "region").id != release.id
    release.content = "{}"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_centre_scope_and_periods(seeded, org):
    result = services.publish("2026-04", f"centre:{org['centre'].code}")
    assert result.release.scope == "centre:CAI"
    with pytest.raises(ValueError):
        services.publish("2026-Q5")
    with pytest.raises(ValueError):
        services.publish(PERIOD, "centre:NOPE")
    assert services.parse_period("2026").months[-1] == "2026-12"
    assert services.parse_period("2026-Q3").end == date(2026, 9, 30)


def test_merged_municipality_counts_under_its_successor(app, org):
    rows = [
        {"event_type": "case_opened", "period_month": "2026-02", "iso_week": "2026-W06", "cohort_month": "2026-02",
         "age_band": "30-34", "sex": "F", "nationality_group": "asia", "municipality_code": code,
         "office_id": org["office"].id, "centre_id": org["centre"].id, "status": "obliged",
         "milestone": True, "weight": 1}
        for code in ["82003"] * 6 + ["82005"] * 6
    ]  # fmt: skip
    db.session.add_all(Fact(**row) for row in rows)
    db.session.commit()
    from integration_centre.stats.reference import geography

    assert geography("82003", date(2026, 3, 31))[0] == geography("82005", date(2026, 3, 31))[0] == "82039"
    counts = services.count_cells(
        catalogue().get("received_arrondissement_sex"),
        services.parse_period("2026-Q1"),
        services.parse_scope("region"),
    )
    assert counts == {("82000", "F"): 12}
    assert geography("82003", date(2024, 6, 1))[0] == "82003"  # before the merger, the old code


def test_catalogue_is_validated():
    good = catalogue().get("received_age_sex")
    raw = {
        "id": "x",
        "title": dict(good.title),
        "definition": dict(good.definition),
        "unit": "persons",
        "measure": "count",
        "population": "p",
        "select": {"event_type": ["case_opened"]},
        "rows": "sex",
        "columns": "age_band",
        "sensitivity": 5,
    }
    assert build_catalogue([raw]).ids == ("x",)
    for change in ({"sensitivity": 3}, {"rows": "name"}, {"title": {"fr": "t"}}, {"select": {"person_id": ["1"]}}):
        with pytest.raises(CatalogueError):
            build_catalogue([raw | change])
    with pytest.raises(CatalogueError):
        build_catalogue([raw | {"measure": "median", "unit": "days", "sensitivity": 5}])
    with pytest.raises(CatalogueError):
        build_catalogue([raw, raw | {"id": "y", "select": {"event_type": ["case_closed"]}}])


def test_cli_publish_and_rebuild(seeded, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "publish", "--period", PERIOD])
    assert result.exit_code == 0, result.output
    assert f"{PERIOD} region: published, sha256 " in result.output
    digest = result.output.split("sha256 ")[1].split()[0]
    again = runner.invoke(args=["stats", "publish", "--period", PERIOD])
    assert "unchanged" in again.output
    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"{PERIOD} region: identical, sha256 {digest}" in rebuilt.output
    failed = runner.invoke(args=["stats", "publish", "--period", "2026-Q9"])
    assert failed.exit_code != 0 and "nothing published" in failed.output


def test_monthly_schedule_publishes_every_completed_period_once(seeded, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "publish", "--due", "--as-of", "2025-04-10"])
    assert result.exit_code == 0, result.output
    published = [line.split()[0] for line in result.output.splitlines() if " region: published" in line]
    assert published == ["2025-01", "2025-02", "2025-03", "2025-Q1"]
    again = runner.invoke(args=["stats", "publish", "--due", "--as-of", "2025-04-30"])
    assert again.exit_code == 0 and "nothing due" in again.output
    later = runner.invoke(args=["stats", "publish", "--due", "--as-of", "2026-01-05"])
    periods = [line.split()[0] for line in later.output.splitlines() if " region: " in line]
    assert periods[:3] == ["2025-04", "2025-05", "2025-06"]
    assert periods[-4:] == ["2025-11", "2025-12", "2025-Q4", "2025"]
    assert len(periods) == 9 + 3 + 1
    assert services.due_periods(date(2026, 1, 5)) == []
    usage = runner.invoke(args=["stats", "publish"])
    assert usage.exit_code != 0 and "either --period or --due" in usage.output
