"""Synthetic statistics: facts that look like the Walloon caseload, and releases to browse.

Never real people: each synthetic person is drawn from the published orders of magnitude (about
3,500 newcomers a year across Wallonia, 55–63% women, mostly aged 20–45, the most frequent
nationalities of the domain notes) and walks the pathway, emitting the facts the pathway engine
would. ``synthetic_rows`` is also used by the benchmark and the tests.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select

from integration_centre.accounts.models import Centre, Office, OperatorOrganisation
from integration_centre.clock import utcnow
from integration_centre.extensions import db
from integration_centre.stats import services
from integration_centre.stats.models import Fact, Release
from integration_centre.stats.reference import age_band, kept_nationality, municipality_codes, nationality_group

TERRITORIES_FILE = Path(__file__).resolve().parent.parent / "pathway" / "data" / "centre_territories.yaml"
NATIONALITIES = [
    ("SY", 14), ("AF", 12), ("MA", 10), ("CD", 9), ("GN", 7), ("ER", 6), ("CM", 6), ("IQ", 5),
    ("PS", 5), ("SO", 4), ("BR", 4), ("UA", 6), ("TR", 4), ("DZ", 3), ("SN", 2), ("RU", 2), ("IN", 1),
]  # fmt: skip
RESIDENCE = [("international_protection", 45), ("family_reunification", 30), ("regularisation", 8), ("work", 10),
             ("study", 5), ("other", 2)]  # fmt: skip
DISPENSATION = [("work", 30), ("belgian_diploma", 15), ("age", 20), ("student", 15), ("medical", 10),
                ("certificate_held", 10)]  # fmt: skip
CLOSURE = [("moved_away", 35), ("no_contact", 35), ("dispensed_later", 15), ("other", 15)]
EXTENSION_GROUNDS = [("personal_circumstances", 60), ("force_majeure", 15), ("no_places", 25)]
CEFR = [("A0", 20), ("A1", 35), ("A2", 25), ("B1", 15), ("B2", 5)]
# Casework attributes (issue 16), drawn from their own random stream so the other figures stay
# the same for a seed: entry service, purpose (obliged people mostly come for the obligation),
# education level, and the share of follow-up files.
ENTRY_CHANNELS = [("commune", 45), ("cpas", 15), ("self", 20), ("operator", 10), ("reception_centre", 7),
                  ("other", 3)]  # fmt: skip
PURPOSES_OBLIGED = [("obligation", 85), ("permit", 5), ("employment", 5), ("personal", 5)]
PURPOSES_OTHERS = [("nationality", 40), ("permit", 20), ("employment", 15), ("personal", 20), ("other", 5)]
EDUCATION = [("none", 8), ("primary", 17), ("lower_secondary", 22), ("upper_secondary", 27), ("higher", 20),
             ("unknown", 6)]  # fmt: skip
FOLLOW_UP_SHARE = 0.08
RECEPTION_STEPS = ("social_assessment", "rights_and_duties", "language_test", "admin_help")


@dataclass(frozen=True)
class Site:
    """Where synthetic people are received: centre, office, the municipalities it covers."""

    centre_id: int
    office_id: int
    municipalities: tuple[str, ...]
    weight: int


def _pick(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def synthetic_rows(
    persons: int, first_day: date, last_day: date, sites: Sequence[Site], operator_ids: Sequence[int], seed: int = 7
) -> Iterator[dict]:
    """Fact rows (column → value) of ``persons`` synthetic people opening cases between
    ``first_day`` and ``last_day``; events after ``last_day`` are not emitted."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    casework = random.Random(seed + 1)  # noqa: S311 - synthetic data, not security
    span = (last_day - first_day).days
    site_weights = [s.weight for s in sites]
    for _ in range(persons):
        site = rng.choices(sites, weights=site_weights)[0]
        opened = first_day + timedelta(days=rng.randrange(span + 1))
        nationality = _pick(rng, NATIONALITIES)
        age = max(16, min(72, int(rng.gauss(32, 9))))
        status = "obliged"
        reason = None
        if nationality == "UA":
            status, reason = "dispensed", "temporary_protection"
        elif nationality == "TR":
            status, reason = "dispensed", "association_agreement"
        elif age < 18 or age >= 65:
            status, reason = "dispensed", "age"
        else:
            roll = rng.random()
            if roll < 0.38:
                status = "voluntary"
            elif roll < 0.46:
                status, reason = "dispensed", _pick(rng, DISPENSATION)
        base = {
            "cohort_month": _month(opened),
            "age_band": age_band(age),
            "sex": "F" if rng.random() < 0.58 else "M",
            "nationality_group": nationality_group(nationality),
            "municipality_code": rng.choice(site.municipalities),
            "office_id": site.office_id,
            "centre_id": site.centre_id,
            "operator_id": None,
            "status": status,
            "dispensation_reason": reason,
            "residence_category": _pick(rng, RESIDENCE),
            "nationality": kept_nationality(nationality),
            "entry_channel": _pick(casework, ENTRY_CHANNELS),
            "purpose": _pick(casework, PURPOSES_OBLIGED if status == "obliged" else PURPOSES_OTHERS),
            "file_kind": "follow_up" if casework.random() < FOLLOW_UP_SHARE else "new",
            "education_level": _pick(casework, EDUCATION),
            "cefr_level": None,
            "outcome": None,
            "duration_days": None,
            "milestone": True,
            "weight": 1,
        }

        def fact(event_type: str, day: date, base: dict = base, **extra) -> dict | None:
            if day > last_day:
                return None
            return {**base, "event_type": event_type, "step_code": None, "period_month": _month(day),
                    "iso_week": _week(day), **extra}  # fmt: skip

        events = [fact("case_opened", opened)]
        day = opened
        level = _pick(rng, CEFR)
        for step in RECEPTION_STEPS:
            day += timedelta(days=rng.randint(3, 30))
            extra = {"cefr_level": level} if step == "language_test" else {}
            events.append(fact("step_completed", day, step_code=step, duration_days=(day - opened).days, **extra))
            if step == "social_assessment":
                events.append(fact("assessment_recorded", day))
        if status == "dispensed" and rng.random() < 0.7:
            yield from (e for e in events if e)
            continue
        day += timedelta(days=rng.randint(5, 40))
        events.append(fact("step_completed", day, step_code="agreement", duration_days=(day - opened).days))
        events.append(fact("agreement_signed", day, step_code="agreement"))
        dropped = rng.random() < 0.22
        if rng.random() < 0.12:
            granted = opened + timedelta(days=rng.randint(200, 520))
            events.append(fact("deadline_extended", granted, outcome=_pick(rng, EXTENSION_GROUNDS)))
        courses = ["citizenship", "orientation"] if level in ("B1", "B2") else ["french_course", "citizenship"]
        for course in courses:
            referred = day
            operator = rng.choice(operator_ids) if operator_ids else None
            events.append(fact("step_referred", referred, step_code=course, operator_id=operator))
            events.append(fact("referral_sent", referred, step_code=course, operator_id=operator, duration_days=0))
            answer = referred + timedelta(days=rng.randint(2, 25))
            if rng.random() < 0.1:
                events.append(fact("step_declined", answer, step_code=course, operator_id=operator))
                events.append(fact("referral_declined", answer, step_code=course, operator_id=operator,
                                   duration_days=(answer - referred).days, outcome="no_places"))  # fmt: skip
                events.append(fact("step_referred", answer, step_code=course, operator_id=operator))
                referred = answer
                events.append(fact("referral_sent", referred, step_code=course, operator_id=operator, duration_days=0))
                answer = referred + timedelta(days=rng.randint(2, 25))
            events.append(fact("referral_accepted", answer, step_code=course, operator_id=operator,
                               duration_days=(answer - referred).days))  # fmt: skip
            start = answer + timedelta(days=rng.randint(7, 120))
            events.append(fact("step_started", start, step_code=course, operator_id=operator))
            events.append(fact("referral_started", start, step_code=course, operator_id=operator,
                               duration_days=(start - referred).days))  # fmt: skip
            if dropped and rng.random() < 0.6:
                quit_day = start + timedelta(days=rng.randint(20, 90))
                events.append(fact("referral_abandoned", quit_day, step_code=course, operator_id=operator,
                                   duration_days=(quit_day - referred).days))  # fmt: skip
                break
            length = rng.randint(150, 420) if course == "french_course" else rng.randint(60, 150)
            day = start + timedelta(days=length)
            reached = level if course != "french_course" else ("A2" if rng.random() < 0.6 else "A1")
            events.append(fact("step_completed", day, step_code=course, duration_days=(day - opened).days,
                               operator_id=operator,
                               cefr_level=reached if course == "french_course" else None))  # fmt: skip
            events.append(fact("referral_completed", day, step_code=course, operator_id=operator,
                               duration_days=(day - referred).days))  # fmt: skip
        if dropped:
            closed = day + timedelta(days=rng.randint(30, 120))
            if status == "obliged" and rng.random() < 0.6:
                events.append(fact("noncompliance_notice", closed - timedelta(days=20)))
                if rng.random() < 0.4:
                    events.append(fact("noncompliance_referred", closed - timedelta(days=5)))
            reason = _pick(rng, CLOSURE)
            events.append(fact("case_closed", closed, outcome=reason, duration_days=(closed - opened).days))
        else:
            done = day + timedelta(days=rng.randint(5, 30))
            events.append(fact("step_completed", done, step_code="certificate", duration_days=(done - opened).days))
            events.append(fact("certificate_issued", done, step_code="certificate"))
            events.append(fact("case_completed", done, duration_days=(done - opened).days))
        yield from (e for e in events if e)


def demo_sites() -> list[Site]:
    """One site per centre of the database, with the municipalities of its territory."""
    territories = yaml.safe_load(TERRITORIES_FILE.read_text(encoding="utf-8"))["centres"]
    codes = municipality_codes()
    today = utcnow().date()
    sites = []
    for centre in db.session.scalars(select(Centre).order_by(Centre.code)):
        office = db.session.scalar(select(Office).where(Office.centre_id == centre.id).order_by(Office.id).limit(1))
        if office is None:
            continue
        arrondissements = set(territories.get(centre.code, {}).get("arrondissements", []))
        municipalities = tuple(
            sorted(m.nis_code for m in codes.values() if m.arrondissement_code in arrondissements and m.valid_on(today))
        ) or ((office.municipality_code or "unknown"),)
        weight = 3 if centre.code in ("CRIPEL", "CRIC") else 2 if centre.code in ("CAI", "CIMB") else 1
        sites.append(Site(centre.id, office.id, municipalities, weight))
    return sites


def insert_rows(rows: Iterator[dict], batch: int = 5000) -> int:
    """Insert fact rows in batches; returns how many."""
    total = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            db.session.execute(insert(Fact), chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(Fact), chunk)
        total += len(chunk)
    return total


def recent_quarters(today: date, count: int) -> list[str]:
    """The ``count`` most recent complete quarters before ``today``, oldest first."""
    quarter = (today.month - 1) // 3  # the current quarter, 0-based: the last complete one is before
    year = today.year
    result = []
    for _ in range(count):
        quarter -= 1
        if quarter < 0:
            quarter, year = 3, year - 1
        result.append(f"{year}-Q{quarter + 1}")
    return list(reversed(result))


def load(report) -> None:
    """Synthetic facts since January two years ago; releases of last year and the last four
    quarters for the region, and of last year and the last quarter for every centre (idempotent):
    the committee's chooser lists every centre that has a release."""
    sites = demo_sites()
    if not sites:
        return
    today = utcnow().date()
    # The synthetic history goes in once, before the first release (pathway demo facts may exist).
    if not db.session.scalar(select(func.count()).select_from(Release)):
        operators = list(db.session.scalars(select(OperatorOrganisation.id).order_by(OperatorOrganisation.id)))
        first = date(today.year - 2, 1, 1)
        rows = synthetic_rows(16000, first, today - timedelta(days=1), sites, operators, seed=2026)
        report.count("statistics facts", insert_rows(rows))
    quarters = recent_quarters(today, 4)
    wanted = [(period, services.REGION) for period in [str(today.year - 1), *quarters]]
    for scope in [s for s in services.available_scopes() if s != services.REGION]:
        wanted += [(period, scope) for period in (str(today.year - 1), quarters[-1])]
    for period, scope in wanted:
        # A release the demo already has is kept as it is: publishing builds and audits the
        # whole catalogue before it compares (seconds per release), and quickstart runs again.
        if services.live_release(period, scope) is None and services.publish(period, scope).created:
            report.count("statistics releases")
