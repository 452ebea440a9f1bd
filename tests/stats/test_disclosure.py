"""Disclosure control: the rules hold on random tables skewed towards rare groups, and the checks
have teeth (a naive engine that only hides small counts fails them).

Hypothesis effort is set by the settings profile named in ``IC_STATS_HYPOTHESIS`` (``stats-ci``
when unset, sized to run this file in well under a minute on two cores; ``stats-thorough`` for a
long search).
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integration_centre.stats.disclosure import (
    K_CENTRAL,
    K_COUNT,
    K_SENSITIVE,
    LEGEND,
    MARK,
    MAX_HIDDEN_SHARE,
    TOTAL,
    Equation,
    LinkedTable,
    RedesignRequired,
    central_value_publishable,
    check_k,
    coarsening_equations,
    protect,
    protect_central_value,
    protect_tables,
    render,
    share,
    share_publishable,
)
from tests.stats.attack import ALL, Release, attack, margins, naive_protect, two_way_equations, violations

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

settings.register_profile(
    "stats-ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile(
    "stats-thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("IC_STATS_HYPOTHESIS", "stats-ci"))
QUICK = settings(PROFILE, max_examples=max(PROFILE.max_examples, 200))
"""Cheap properties (no solver) can afford more examples."""
CROSS_CHECK = settings(PROFILE, max_examples=max(PROFILE.max_examples // 2, 1))
"""Comparing the engine's own audit with the attacker solves everything twice: fewer examples."""


# ---------------------------------------------------------------------------------------------
# Strategies: tables skewed towards rare groups
# ---------------------------------------------------------------------------------------------


@st.composite
def skewed_tables(draw, max_side: int = 8, k: int | None = None) -> tuple[dict[tuple[str, str], int], int]:
    """A table of up to ``max_side``×``max_side`` inner cells and its k: many counts of 1 to k−1
    (up to about a third of the cells), some zeros, the rest ordinary counts."""
    k = k if k is not None else draw(st.sampled_from([K_COUNT, K_COUNT, K_SENSITIVE]))
    rows = draw(st.integers(1, max_side))
    columns = draw(st.integers(1, max_side))
    rare = draw(st.sampled_from([0.2, 0.1, 0.35, 0.05, 0.15, 0.0]))
    zero = draw(st.sampled_from([0.05, 0.0, 0.15]))
    rnd = draw(st.randoms(use_true_random=False))
    cells = {}
    for row in range(rows):
        for column in range(columns):
            kind = rnd.random()
            if kind < rare:
                value = rnd.randint(1, k - 1)
            elif kind < rare + zero:
                value = 0
            else:
                value = rnd.randint(k, 25 * k)
            cells[(f"R{row}", f"C{column}")] = value
    return cells, k


@st.composite
def nested_populations(draw) -> tuple[dict[tuple[str, str, str], int], dict[str, str], int]:
    """Counts of a population by municipality × sex × age band (skewed to rare groups), with the
    grouping of municipalities into arrondissements, and k."""
    municipalities = draw(st.integers(2, 6))
    arrondissements = draw(st.integers(1, min(3, municipalities)))
    grouping = {f"M{m}": f"A{m % arrondissements}" for m in range(municipalities)}
    ages = draw(st.integers(2, 4))
    rare = draw(st.sampled_from([0.1, 0.2, 0.05, 0.0]))
    rnd = draw(st.randoms(use_true_random=False))
    cells = {}
    for m in range(municipalities):
        for sex in ("F", "M"):
            for age in range(ages):
                kind = rnd.random()
                if kind < rare:
                    value = rnd.randint(1, K_COUNT - 1)
                elif kind < rare + 0.05:
                    value = 0
                else:
                    value = rnd.randint(K_COUNT, 120)
                cells[(f"M{m}", sex, f"Y{age}")] = value
    return cells, grouping, K_COUNT


# ---------------------------------------------------------------------------------------------
# The checks, shared by the real engine and the naive one
# ---------------------------------------------------------------------------------------------


def check_two_way(engine, cells: dict[tuple[str, str], int], k: int) -> None:
    """Every rule on one protected two-way table, audited by the independent attacker."""
    hidden = engine(cells, k)
    event(f"{len({r for r, _ in cells})}x{len({c for _, c in cells})} table, {len(hidden) // 5 * 5}+ hidden")
    release = Release.two_way(cells, hidden, k)
    assert violations(release, k) == []


def engine_reporting(cells: dict[tuple[str, str], int], k: int) -> set[tuple[str, str]]:
    """The real engine, completing protection even on tables it would send back for redesign."""
    table = LinkedTable("t", "", "", "row", "column", cells)
    return protect_tables([table], k, report_redesign=True).hidden("t")


def linked_release(population, grouping, hidden_of) -> Release:
    """The three tables municipality×sex, municipality×age and arrondissement×sex of one
    population, as one release over figure identities defined here (not by the engine)."""

    def figure(**categories: str) -> frozenset:
        return frozenset((dim, label) for dim, label in categories.items() if label != ALL)

    by_mun_sex: dict[tuple[str, str], int] = {}
    by_mun_age: dict[tuple[str, str], int] = {}
    by_arr_sex: dict[tuple[str, str], int] = {}
    for (mun, sex, age), value in population.items():
        by_mun_sex[(mun, sex)] = by_mun_sex.get((mun, sex), 0) + value
        by_mun_age[(mun, age)] = by_mun_age.get((mun, age), 0) + value
        by_arr_sex[(grouping[mun], sex)] = by_arr_sex.get((grouping[mun], sex), 0) + value
    specs = [
        ("mun_sex", by_mun_sex, "municipality", "sex"),
        ("mun_age", by_mun_age, "municipality", "age"),
        ("arr_sex", by_arr_sex, "arrondissement", "sex"),
    ]
    values: dict[frozenset, int] = {}
    equations: list[tuple[frozenset, list[frozenset]]] = []
    hidden: set[frozenset] = set()
    for table_id, cells, row_dim, column_dim in specs:

        def name(key, row_dim=row_dim, column_dim=column_dim):
            return figure(**{row_dim: key[0], column_dim: key[1]})

        for key, value in margins(cells).items():
            values[name(key)] = value
        hidden |= {name(key) for key in hidden_of(table_id, cells)}
        equations += [(name(total), [name(p) for p in parts]) for total, parts in two_way_equations(cells)]
    sexes = sorted({sex for _, sex, _ in population} | {ALL})
    for arrondissement in sorted(set(grouping.values())):
        members = [mun for mun in sorted(grouping) if grouping[mun] == arrondissement]
        for sex in sexes:
            equations.append(
                (
                    figure(arrondissement=arrondissement, sex=sex),
                    [figure(municipality=mun, sex=sex) for mun in members],
                )
            )
    primary = {name for name, value in values.items() if 0 < value < K_COUNT}
    return Release(values, hidden, equations, primary)


def engine_linked(population, grouping, k):
    """Protect the three linked tables with the engine; returns (tables, result)."""
    mun_sex: dict[tuple[str, str], int] = {}
    mun_age: dict[tuple[str, str], int] = {}
    arr_sex: dict[tuple[str, str], int] = {}
    for (mun, sex, age), value in population.items():
        mun_sex[(mun, sex)] = mun_sex.get((mun, sex), 0) + value
        mun_age[(mun, age)] = mun_age.get((mun, age), 0) + value
        arr_sex[(grouping[mun], sex)] = arr_sex.get((grouping[mun], sex), 0) + value
    tables = {
        "mun_sex": LinkedTable("mun_sex", "newcomers", "2026-Q3", "municipality", "sex", mun_sex),
        "mun_age": LinkedTable("mun_age", "newcomers", "2026-Q3", "municipality", "age", mun_age),
        "arr_sex": LinkedTable("arr_sex", "newcomers", "2026-Q3", "arrondissement", "sex", arr_sex),
    }
    nesting = coarsening_equations(tables["mun_sex"], tables["arr_sex"], grouping)
    result = protect_tables(list(tables.values()), k, equations=nesting, report_redesign=True)
    return tables, result


# ---------------------------------------------------------------------------------------------
# Property tests over random tables
# ---------------------------------------------------------------------------------------------


@PROFILE
@given(skewed_tables())
def test_protected_table_withstands_the_independent_attack(table):
    cells, k = table
    check_two_way(engine_reporting, cells, k)


@PROFILE
@given(skewed_tables())
def test_protect_returns_the_table_or_reports_it_for_redesign(table):
    cells, k = table
    full = protect_tables([LinkedTable("t", "", "", "row", "column", cells)], k, report_redesign=True)
    hidden = full.hidden("t")
    share_hidden = len(hidden) / len(margins(cells))
    if share_hidden > MAX_HIDDEN_SHARE:
        assert [(r.table_id, r.share) for r in full.redesign] == [("t", share_hidden)]
        with pytest.raises(RedesignRequired) as raised:
            protect(cells, k, table_id="t")
        assert raised.value.table_id == "t"
        assert raised.value.share > MAX_HIDDEN_SHARE
    else:
        assert full.redesign == ()
        assert protect(cells, k, table_id="t") == hidden


@CROSS_CHECK
@given(skewed_tables(max_side=5))
def test_engine_audit_agrees_with_the_independent_attack(table):
    cells, k = table
    result = protect_tables([LinkedTable("t", "", "", "row", "column", cells)], k, report_redesign=True)
    table_ = result.tables["t"]
    ours = attack(Release.two_way(cells, result.hidden("t"), k))
    audited = result.audit()
    theirs = {key: audited[table_.identity(key)] for key in result.hidden("t")}
    assert {key: (lo, hi) for key, (lo, hi) in ours.items()} == {
        key: (interval.low, interval.high) for key, interval in theirs.items()
    }


@PROFILE
@given(nested_populations())
def test_linked_and_nested_tables_are_protected_together(data):
    population, grouping, k = data
    tables, result = engine_linked(population, grouping, k)
    release = linked_release(population, grouping, lambda table_id, cells: result.hidden(table_id))
    # One status per figure: a figure hidden in one table is hidden wherever it appears.
    for table_id, table in tables.items():
        for key in table.published():
            assert (key in result.hidden(table_id)) == result.is_hidden(table.identity(key))
    # Every rule, including differencing between the coarse table and the sum of the shown cells
    # of the fine one, over all three tables at once.
    assert violations(release, k) == []


@QUICK
@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.sampled_from([K_COUNT, K_SENSITIVE, 7]),
)
def test_share_rule(numerator, rest, k):
    denominator = numerator + rest
    shown = share(numerator, denominator, k)
    if shown is None:
        assert denominator == 0 or 0 < numerator < k or 0 < rest < k
    else:
        assert denominator > 0
        assert numerator == 0 or numerator >= k
        assert rest == 0 or rest >= k
        assert shown == numerator / denominator
    assert share(numerator, denominator, k, hidden=True) is None
    assert share_publishable(numerator, denominator, k) == (shown is not None)


@QUICK
@given(st.lists(st.integers(0, 2000), max_size=40), st.sampled_from([K_CENTRAL, 12, 20]))
def test_median_and_mean_rule(durations, k):
    ordered = sorted(durations)
    median = ordered[len(ordered) // 2] if ordered else None
    shown = protect_central_value(median, len(durations), k)
    if len(durations) >= k:
        assert shown == median
    else:
        assert shown is None
        assert render(shown) == MARK
    assert central_value_publishable(len(durations), k) == (len(durations) >= k)


# ---------------------------------------------------------------------------------------------
# The checks have teeth: the naive engine fails them
# ---------------------------------------------------------------------------------------------


def test_naive_engine_fails_the_property_checks():
    @settings(PROFILE, phases=[p for p in PROFILE.phases if p.name != "shrink"], database=None)
    @given(skewed_tables())
    def run(table):
        cells, k = table
        check_two_way(naive_protect, cells, k)

    with pytest.raises(AssertionError) as raised:
        run()
    assert "narrowed" in str(raised.value) or "total minus its shown parts" in str(raised.value)


def test_naive_engine_fails_on_linked_tables():
    @settings(PROFILE, phases=[p for p in PROFILE.phases if p.name != "shrink"], database=None)
    @given(nested_populations())
    def run(data):
        population, grouping, k = data
        release = linked_release(population, grouping, lambda table_id, cells: naive_protect(cells, k))
        assert violations(release, k) == []

    with pytest.raises(AssertionError):
        run()


def test_naive_engine_lets_a_small_cell_be_recomputed_and_the_engine_does_not():
    cells = {(f"R{r}", f"C{c}"): 20 + 3 * r + c for r in range(5) for c in range(5)}
    cells[("R2", "C3")] = 2
    naive = violations(Release.two_way(cells, naive_protect(cells, 5), 5), 5)
    assert "hidden figure pinned to 2: ('R2', 'C3')" in naive
    assert "total minus its shown parts is 2: ('R2', 'Total')" in naive
    assert violations(Release.two_way(cells, protect(cells, 5), 5), 5) == []


def test_naive_engine_fails_the_differencing_of_a_coarser_table():
    # Municipality M0 has 3 women: hidden in the fine table, but the arrondissement A0 (M0 + M1)
    # minus the shown M1 gives it back when the coarse table is published naively.
    population = {
        ("M0", "F", "Y0"): 3,
        ("M0", "M", "Y0"): 40,
        ("M0", "F", "Y1"): 0,
        ("M0", "M", "Y1"): 30,
        ("M1", "F", "Y0"): 25,
        ("M1", "M", "Y0"): 35,
        ("M1", "F", "Y1"): 22,
        ("M1", "M", "Y1"): 28,
        ("M2", "F", "Y0"): 31,
        ("M2", "M", "Y0"): 26,
        ("M2", "F", "Y1"): 19,
        ("M2", "M", "Y1"): 44,
    }
    grouping = {"M0": "A0", "M1": "A0", "M2": "A1"}
    naive = linked_release(population, grouping, lambda table_id, cells: naive_protect(cells, 5))
    assert any("total minus its shown parts is 3" in v for v in violations(naive, 5))
    _tables, result = engine_linked(population, grouping, 5)
    safe = linked_release(population, grouping, lambda table_id, cells: result.hidden(table_id))
    assert violations(safe, 5) == []


# ---------------------------------------------------------------------------------------------
# Examples and contracts
# ---------------------------------------------------------------------------------------------


def five_by_five() -> dict[tuple[str, str], int]:
    cells = {(f"R{r}", f"C{c}"): 20 + 3 * r + c for r in range(5) for c in range(5)}
    cells[("R2", "C3")] = 2
    return cells


def test_one_small_cell_is_protected_by_a_rectangle_of_the_smallest_neighbours():
    assert protect(five_by_five(), 5) == {("R0", "C0"), ("R0", "C3"), ("R2", "C0"), ("R2", "C3")}


def test_margins_are_keyed_with_total_and_hidden_when_small():
    cells = {(f"R{r}", f"C{c}"): 30 + r + c for r in range(6) for c in range(6)}
    cells[("R5", "C0")] = 1
    cells[("R5", "C1")] = 2
    for c in range(2, 6):
        cells[("R5", f"C{c}")] = 0
    hidden = protect(cells, 5)
    assert ("R5", TOTAL) in hidden  # the row of 3 people is itself a small count
    assert {("R5", "C0"), ("R5", "C1")} <= hidden
    assert not any(key[0] == "R5" and cells.get(key) == 0 for key in hidden)
    assert violations(Release.two_way(cells, hidden, 5), 5) == []


def test_zero_cells_are_shown():
    cells = five_by_five()
    cells[("R2", "C1")] = 0
    cells[("R4", "C4")] = 0
    hidden = protect(cells, 5)
    assert ("R2", "C1") not in hidden
    assert ("R4", "C4") not in hidden


def test_result_does_not_depend_on_the_order_of_the_cells():
    cells = five_by_five()
    shuffled = list(cells.items())
    random.Random(7).shuffle(shuffled)
    assert protect(dict(shuffled), 5) == protect(cells, 5)


@pytest.mark.parametrize("k", [4, 0, -5, 4.9, 5.0, True, "5"])
def test_k_below_the_minimum_or_not_a_whole_number_is_refused(k):
    with pytest.raises(ValueError, match="threshold"):
        protect(five_by_five(), k)


def test_k_is_configurable_upward_only():
    assert check_k(K_SENSITIVE, K_SENSITIVE) == K_SENSITIVE
    with pytest.raises(ValueError):
        check_k(9, K_SENSITIVE)
    with pytest.raises(ValueError):
        central_value_publishable(50, k=9)
    with pytest.raises(ValueError):
        share_publishable(10, 20, k=4)
    cells = {(f"R{r}", f"C{c}"): 60 + 7 * r + c for r in range(8) for c in range(8)}
    cells[("R3", "C4")] = 25
    assert protect(cells, K_COUNT) == set()
    hidden = protect(cells, 30)
    assert ("R3", "C4") in hidden
    assert violations(Release.two_way(cells, hidden, 30), 30) == []


def test_sensitive_tables_refuse_a_count_threshold():
    with pytest.raises(ValueError, match="below the minimum of 10"):
        protect(five_by_five(), K_COUNT, sensitive=True)
    with pytest.raises(ValueError, match="below the minimum of 10"):
        protect_tables([LinkedTable("t", "p", "q", "a", "b", five_by_five())], 9, sensitive=True)
    assert ("R2", "C3") in protect(five_by_five(), K_SENSITIVE, sensitive=True)


def test_sensitive_threshold_hides_more():
    cells = {(f"R{r}", f"C{c}"): 40 + 5 * r + c for r in range(6) for c in range(5)}
    cells[("R1", "C1")] = 7
    assert protect(cells, K_COUNT) == set()
    hidden = protect(cells, K_SENSITIVE)
    assert ("R1", "C1") in hidden
    assert violations(Release.two_way(cells, hidden, K_SENSITIVE), K_SENSITIVE) == []


def test_a_table_of_holes_is_reported_for_redesign():
    cells = {(f"R{r}", f"C{c}"): (r + c) % 4 + 1 for r in range(4) for c in range(4)}
    with pytest.raises(RedesignRequired) as raised:
        protect(cells, 5, table_id="dropout_by_nationality")
    assert raised.value.table_id == "dropout_by_nationality"
    assert raised.value.share > MAX_HIDDEN_SHARE
    assert "dropout_by_nationality" in str(raised.value)


def test_render_and_legend_are_neutral():
    assert render(12) == "12"
    assert render(0) == "0"
    assert render(3, hidden=True) == MARK == "x"
    assert render(300, hidden=True) == MARK
    assert render(None) == MARK
    assert "<" not in LEGEND
    assert not any(ch.isdigit() for ch in LEGEND)
    assert LEGEND.startswith(MARK)


def test_the_same_figure_has_one_status_in_every_table():
    # Only 4 men: the figure "men" is the row total of both tables, so it is hidden in both.
    by_sex_age = {("F", "Y0"): 40, ("F", "Y1"): 35, ("F", "Y2"): 30, ("M", "Y0"): 2, ("M", "Y1"): 1, ("M", "Y2"): 1}
    by_sex_nat = {("F", "EU"): 50, ("F", "AF"): 30, ("F", "AS"): 25, ("M", "EU"): 4, ("M", "AF"): 0, ("M", "AS"): 0}
    tables = [
        LinkedTable("sex_age", "newcomers", "2026-Q3", "sex", "age", by_sex_age),
        LinkedTable("sex_nat", "newcomers", "2026-Q3", "sex", "nationality", by_sex_nat),
    ]
    result = protect_tables(tables, 5, report_redesign=True)
    men = tables[0].identity(("M", TOTAL))
    assert men == tables[1].identity(("M", TOTAL))
    assert result.is_hidden(men)
    assert ("M", TOTAL) in result.hidden("sex_age")
    assert ("M", TOTAL) in result.hidden("sex_nat")


def test_linked_tables_must_agree_and_equations_must_hold():
    a = LinkedTable("a", "p", "2026-Q3", "sex", "age", {("F", "Y0"): 10, ("M", "Y0"): 20})
    b = LinkedTable("b", "p", "2026-Q3", "sex", "nationality", {("F", "EU"): 11, ("M", "EU"): 20})
    with pytest.raises(ValueError, match="different values"):
        protect_tables([a, b], 5)
    with pytest.raises(ValueError, match="duplicate"):
        protect_tables([a, a], 5)
    stray = Equation(a.identity(("F", "Y0")), (a.identity(("F", "Y9")),))
    with pytest.raises(ValueError, match="no table publishes"):
        protect_tables([a], 5, equations=[stray])
    wrong = Equation(a.identity(("F", "Y0")), (a.identity(("M", "Y0")),))
    with pytest.raises(ValueError, match="do not add up"):
        protect_tables([a], 5, equations=[wrong])


@pytest.mark.parametrize(
    "cells",
    [
        {("R", "Total"): 5},
        {("R", "C"): -1},
        {("R", "C"): 2.5},
        {("R",): 5},
    ],
)
def test_bad_cells_are_refused(cells):
    with pytest.raises(ValueError):
        protect(cells, 5)
