"""Release-level properties: every catalogue table of real releases, random fact sets skewed
towards rare groups, the independent attacker, differencing between nested figures of one release
and of different releases (months in quarters and years, centre in region, revisions). A naive
engine (only hides small counts) must fail the same checks.

Nothing here reuses the engine's nesting or equations: figures, their conditions and the attack
are rebuilt from the catalogue and the seeded facts.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from integration_centre.extensions import db
from integration_centre.pathway.reference import municipalities
from integration_centre.stats import demo, disclosure, services
from integration_centre.stats import releases as release_builder
from integration_centre.stats.catalogue import catalogue
from integration_centre.stats.models import Fact, Release
from tests.stats.attack import Release as Attackable
from tests.stats.attack import violations
from tests.stats.releases_seed import category, recount, seed

ALL = "Total"
GEO = ("municipality", "arrondissement", "province")


# ---------------------------------------------------------------------------------------------
# Independent nesting of published figures
# ---------------------------------------------------------------------------------------------


def _province_of(arrondissement: str) -> str:
    for entry in municipalities().values():
        if entry.arrondissement_code == arrondissement:
            return entry.province_code
    return "unknown"


def shown_figures(release: Release, centre_ids: dict[str, int]) -> list[tuple[int, int, dict, str]]:
    """(value, k, conditions, label) of every shown count of a release."""
    document = json.loads(release.content)
    period = services.parse_period(release.period)
    indicators = {i.id: i for i in catalogue().indicators}
    result = []
    for table in document["tables"]:
        indicator = indicators[table["id"]]
        if indicator.measure != "count" or table["status"] != "published":
            continue
        for row, column, value in table["cells"]:
            if value is None:
                continue
            conditions: dict[str, set] = {"month": set(period.months)}
            if release.scope != "region":
                conditions["centre"] = {str(centre_ids[release.scope])}
            for name, values in indicator.select:
                conditions[name] = set(values)
            for dimension, code in ((indicator.rows, row), (indicator.columns, column)):
                if code == ALL:
                    continue
                extra = {dimension: code}
                if dimension == "arrondissement":
                    extra["province"] = _province_of(code) if code != "unknown" else "unknown"
                for name, value_ in extra.items():
                    conditions[name] = conditions[name] & {value_} if name in conditions else {value_}
            if all(conditions.values()):
                label = f"{release.period}/{release.scope}/{table['id']}/{row}/{column}"
                result.append((value, indicator.sensitivity, conditions, label))
    return result


def _inside(inner: dict, outer: dict) -> bool:
    return all(name in inner and inner[name] <= allowed for name, allowed in outer.items())


def differencing_violations(releases: list[Release], centre_ids: dict[str, int]) -> list[str]:
    """Every pair of nested shown figures (any releases, any tables) that differ by 1 to k−1."""
    figures = [f for release in releases for f in shown_figures(release, centre_ids)]
    by_value = defaultdict(list)
    for figure in figures:
        by_value[figure[0]].append(figure)
    found = []
    for value, k, conditions, label in figures:
        for bigger in range(value + 1, value + disclosure.K_SENSITIVE):
            for other_value, other_k, other_conditions, other_label in by_value.get(bigger, ()):
                if other_value - value < max(k, other_k) and _inside(conditions, other_conditions):
                    found.append(f"{other_label} − {label} = {other_value - value}")
    return found


# ---------------------------------------------------------------------------------------------
# The naive engine: a test double that only hides the small counts
# ---------------------------------------------------------------------------------------------


def naive_protect_tables(tables, k, *, equations=(), report_redesign=False, sensitive=False, force_hidden=()):
    values, hidden = {}, set()
    for table in tables:
        for key, value in table.published().items():
            values[table.identity(key)] = value
            if 0 < value < k:
                hidden.add(table.identity(key))
    return disclosure.ProtectedTables({t.table_id: t for t in tables}, values, frozenset(hidden), (), k, ())


@pytest.fixture
def naive_engine(monkeypatch):
    monkeypatch.setattr(release_builder.disclosure, "protect_tables", naive_protect_tables)
    monkeypatch.setattr(release_builder, "check_protected", lambda protected, published: [])
    monkeypatch.setattr(release_builder, "differencing_conflicts", lambda *args: set())


def publish_nested_releases(org) -> tuple[list[Release], dict[str, int]]:
    """Months, quarter and year; region and centre; and a revision of the quarter."""
    rows = seed(persons=1500, seed=5)
    centre = f"centre:{org['centre'].code}"
    for scope in ("region", centre):
        for period in ("2025-01", "2025-02", "2025-03", "2025-Q1", "2025-Q2", "2025"):
            services.publish(period, scope)
            db.session.commit()
    # A correction: a few cases opened in February are retracted, then the quarter is republished.
    opened = [r for r in rows if r["event_type"] == "case_opened" and r["period_month"] == "2025-02"]
    for row in opened[:3]:
        db.session.add(Fact(**(row | {"weight": -1})))
    db.session.commit()
    services.publish("2025-Q1", "region")
    db.session.commit()
    every = list(db.session.scalars(db.select(Release).order_by(Release.id)))
    assert len(every) == 13
    return every, {centre: org["centre"].id}


def test_no_nested_figures_differ_by_less_than_k(app, org):
    releases, centres = publish_nested_releases(org)
    assert differencing_violations(releases, centres) == []


def test_naive_engine_fails_the_differencing_check(app, org, naive_engine):
    releases, centres = publish_nested_releases(org)
    found = differencing_violations(releases, centres)
    assert found, "the naive engine should publish nested figures that differ by fewer than k"


# ---------------------------------------------------------------------------------------------
# Random fact sets skewed towards rare groups, every catalogue table, the independent attack
# ---------------------------------------------------------------------------------------------


def _attack_release(rows, indicators, period, document) -> Attackable:
    """The shown and hidden figures of one population's count tables, with their equations, named
    by their categories (geography nested: arrondissement in province)."""
    values: dict = {}
    hidden: set = set()
    equations: list = []
    tables = {t["id"]: t for t in document["tables"]}
    for indicator in indicators:
        table = tables[indicator.id]
        counts = recount(rows, indicator, period.months, period.end)
        row_labels = sorted({r for r, _ in counts})
        column_labels = sorted({c for _, c in counts})
        shown = {(r, c): v for r, c, v in table["cells"]}

        def name(row, column, indicator=indicator):
            parts = []
            if row != ALL:
                parts.append((indicator.rows, row))
                if indicator.rows == "arrondissement":
                    parts.append(("province", _province_of(row) if row != "unknown" else "unknown"))
            if column != ALL:
                parts.append((indicator.columns, column))
            return frozenset(parts)

        full = {}
        for r in [*row_labels, ALL]:
            for c in [*column_labels, ALL]:
                full[(r, c)] = sum(
                    v for (rr, cc), v in counts.items() if (r == ALL or rr == r) and (c == ALL or cc == c)
                )
        for key, value in full.items():
            figure = name(*key)
            values[figure] = value
            if shown.get(key, "missing") is None:
                hidden.add(figure)
            else:
                assert shown[key] == value, (indicator.id, key)
        for r in row_labels:
            equations.append((name(r, ALL), [name(r, c) for c in column_labels]))
        for c in column_labels:
            equations.append((name(ALL, c), [name(r, c) for r in row_labels]))
        equations.append((name(ALL, ALL), [name(r, ALL) for r in row_labels]))
    # A province figure is the sum of its arrondissements.
    provinces = defaultdict(list)
    for figure in values:
        labels = dict(figure)
        if "arrondissement" in labels:
            rest = frozenset(p for p in figure if p[0] != "arrondissement")
            provinces[rest].append(figure)
    for total, parts in provinces.items():
        if total in values:
            equations.append((total, parts))
    k = max(i.sensitivity for i in indicators)
    primary = {f for f, v in values.items() if 0 < v < k}
    return Attackable(values, hidden, equations, primary)


@st.composite
def rare_fact_sets(draw):
    """Hundreds to thousands of people in a year, with categories drawn so that rare groups abound
    (smaller sets send nearly every table back for redesign, leaving nothing to attack)."""
    rnd = draw(st.randoms(use_true_random=False))
    people = draw(st.integers(600, 3000))
    skew = draw(st.sampled_from([0.5, 1.0, 1.6]))
    return rnd.randint(0, 10**6), people, skew


def _skewed_rows(seed_value: int, people: int, skew: float, sites) -> list[dict]:
    rng = random.Random(seed_value)
    rows = list(demo.synthetic_rows(people, date(2025, 1, 1), date(2025, 12, 31), sites, [1], seed=seed_value))
    # Skew: push categories towards rare values (Zipf-like draws over each dimension's values).
    pools = {
        "nationality_group": [*sorted({r["nationality_group"] for r in rows}), "oceania", "unknown"],
        "residence_category": sorted({r["residence_category"] for r in rows}),
        "age_band": ["15-19", "20-24", "25-29", "55-59", "65+", "unknown"],
    }
    by_person: dict[str, dict] = {}
    for row in rows:
        person = (row["cohort_month"], row["age_band"], row["municipality_code"], row["sex"], row["status"])
        if person not in by_person:
            by_person[person] = {
                name: pool[min(len(pool) - 1, int(rng.paretovariate(skew)) - 1)] for name, pool in pools.items()
            }
        row.update(by_person[person])
    return rows


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rare_fact_sets())
def test_every_catalogue_table_of_a_release_withstands_the_attack(app, org, data):
    check_release_from_facts(*data)


def test_the_release_check_attacks_hidden_figures(app, org):
    """A fixed example where published tables do hide figures: the attack is not vacuous."""
    assert check_release_from_facts(2, 3000, 1.6) > 0


def check_release_from_facts(seed_value: int, people: int, skew: float) -> int:
    """Publish the annual release of a skewed fact set and check every rule on every catalogue
    table; returns how many hidden figures of published tables the attacker tried."""
    db.session.execute(delete(Release))
    db.session.execute(delete(Fact))
    rows = _skewed_rows(seed_value, people, skew, demo.demo_sites())
    demo.insert_rows(iter(rows))
    db.session.commit()
    release = services.publish("2025").release
    db.session.commit()
    document = json.loads(release.content)
    period = services.parse_period("2025")
    source = catalogue()
    populations = defaultdict(list)
    attacked = 0
    for indicator in source.indicators:
        table = next(t for t in document["tables"] if t["id"] == indicator.id)
        if indicator.measure == "count":
            # Every shown count is 0 or at least k.
            for _r, _c, value in table["cells"]:
                assert value is None or value == 0 or value >= indicator.sensitivity, indicator.id
            populations[indicator.population].append(indicator)
        elif indicator.measure == "median" and table["status"] == "published":
            # A median is shown only for a group of at least k people.
            sizes = Counter()
            for row in rows:
                counted = row["period_month"] in period.months and row["milestone"]
                if counted and row["duration_days"] is not None and all(row.get(n) in v for n, v in indicator.select):
                    r = category(row, indicator.rows, period.end)
                    c = category(row, indicator.columns, period.end)
                    for key in ((r, c), (r, ALL), (ALL, c), (ALL, ALL)):
                        sizes[key] += row["weight"]
            for r, c, value in table["cells"]:
                if value is not None:
                    assert sizes[(r, c)] >= indicator.sensitivity, (indicator.id, r, c)
    for indicators in populations.values():
        published = [
            i for i in indicators if next(t for t in document["tables"] if t["id"] == i.id)["status"] == "published"
        ]
        if not published:
            continue
        attackable = _attack_release(rows, published, period, document)
        k = max(i.sensitivity for i in indicators)
        # Each hidden figure has at least two feasible values, a small one is never confined below
        # k, and every shown total minus its shown parts is 0 or at least k.
        assert violations(attackable, k) == [], [i.id for i in published]
        attacked += len(attackable.hidden)
    return attacked


def test_naive_engine_fails_the_release_attack(app, org, naive_engine):
    with pytest.raises(AssertionError, match=r"hidden figure|total minus|confined"):
        check_release_from_facts(2, 3000, 1.6)
