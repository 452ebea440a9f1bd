"""Seeded facts for the release tests, and an independent recount of them."""

from __future__ import annotations

from collections import Counter
from datetime import date

from integration_centre.extensions import db
from integration_centre.stats import demo
from integration_centre.stats.reference import UNKNOWN, geography


def seed(persons: int = 1500, seed: int = 11) -> list[dict]:
    """Insert synthetic facts (2025-01 … 2026-09) for the test organisation; returns the rows."""
    sites = demo.demo_sites()
    operators = [1]
    rows = list(demo.synthetic_rows(persons, date(2025, 1, 1), date(2026, 9, 30), sites, operators, seed=seed))
    demo.insert_rows(iter(rows))
    db.session.commit()
    return rows


BANDS = ((183, "m00_06"), (365, "m06_12"), (548, "m12_18"), (730, "m18_24"), (1096, "m24_36"))


def category(row: dict, dimension: str, on: date) -> str:
    """The category of a row, computed without the release builder."""
    if dimension in ("municipality", "arrondissement", "province"):
        return geography(row["municipality_code"], on)[("municipality", "arrondissement", "province").index(dimension)]
    if dimension == "duration_band":
        days = row["duration_days"]
        return next((band for upper, band in BANDS if days < upper), "m36_plus")
    if dimension == "age_group":
        groups = {"a00_24": ("00-04", "05-09", "10-14", "15-19", "20-24"), "a25_34": ("25-29", "30-34"),
                  "a35_44": ("35-39", "40-44"), "a45_plus": ("45-49", "50-54", "55-59", "60-64", "65+")}  # fmt: skip
        return next((group for group, bands in groups.items() if row["age_band"] in bands), UNKNOWN)
    if dimension == "cohort_year":
        return row["cohort_month"][:4]
    column = {"centre": "centre_id", "office": "office_id", "operator": "operator_id"}.get(dimension, dimension)
    value = row.get(column)
    return UNKNOWN if value in (None, "") else str(value)


def recount(rows: list[dict], indicator, months: tuple[str, ...], on: date) -> Counter:
    """Independent count of an indicator's inner cells from the seeded rows."""
    counts: Counter = Counter()
    for row in rows:
        if row["period_month"] not in months or not row["milestone"]:
            continue
        if any(row.get(name) not in values for name, values in indicator.select):
            continue
        counts[(category(row, indicator.rows, on), category(row, indicator.columns, on))] += row["weight"]
    if indicator.top is not None:
        return fold_top(counts, indicator)
    return counts


def fold_top(counts: Counter, indicator) -> Counter:
    """Independent fold of a top table: the ``top`` largest nationalities with at least k people,
    minus the smallest ones while the others together would count 1 to k-1; the rest is "other"."""
    position = 0 if indicator.rows == "nationality" else 1
    totals: Counter = Counter()
    for key, n in counts.items():
        totals[key[position]] += n
    k = indicator.sensitivity
    ranked = [code for code, n in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
              if code not in ("other", UNKNOWN) and n >= k]  # fmt: skip
    kept = ranked[: indicator.top]
    while kept:
        others = sum(n for code, n in totals.items() if code not in kept and code != UNKNOWN)
        if others == 0 or others >= k:
            break
        kept = kept[:-1]
    folded: Counter = Counter()
    for key, n in counts.items():
        code = key[position] if key[position] in (*kept, UNKNOWN) else "other"
        folded[(code, key[1]) if position == 0 else (key[0], code)] += n
    return folded
