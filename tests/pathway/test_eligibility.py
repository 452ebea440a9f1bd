"""Acceptance 2: eligibility per rule version, each condition and each dispensation reason."""

from dataclasses import replace
from datetime import date

import pytest

from integration_centre.pathway.definitions import registry
from integration_centre.pathway.eligibility import EligibilityFacts, Exclusion, RecordedDispensation, Status, assess

PERMITS = {"2018": date(2023, 3, 1), "2025": date(2025, 3, 1)}
D = RecordedDispensation


def base(version: str) -> EligibilityFacts:
    permit = PERMITS[version]
    return EligibilityFacts(
        date_of_birth=date(1990, 6, 15),
        nationality="SY",
        residence_category="refugee",
        permit_order_date=permit,
        registration_date=permit,
    )


def on(version: str, months: int = 6) -> date:
    permit = PERMITS[version]
    return date(permit.year + (permit.month + months - 1) // 12, (permit.month + months - 1) % 12 + 1, 1)


def born_aged(age: int, version: str) -> date:
    day = on(version)
    return date(day.year - age, day.month, day.day)


# (label, changes to the facts, dispensations, months after the permit, expected status, reason)
WALLONIA_CASES = [
    ("obliged", {}, [], 6, Status.OBLIGED, None),
    ("EU citizen", {"nationality": "FR"}, [], 6, Status.EXCLUDED, "nationality"),
    ("EEA citizen", {"nationality": "NO"}, [], 6, Status.EXCLUDED, "nationality"),
    ("Swiss citizen", {"nationality": "CH"}, [], 6, Status.EXCLUDED, "nationality"),
    (
        "family of EU citizen",
        {"residence_category": "family_of_eu_citizen"},
        [],
        6,
        Status.EXCLUDED,
        "family_of_eu_citizen",
    ),
    ("no permit", {"permit_order_date": None, "registration_date": None}, [], 6, Status.EXCLUDED, "no_permit"),
    ("permit of 3 months", {"permit_validity_months": 3}, [], 2, Status.EXCLUDED, "short_permit"),
    ("permit of 4 months", {"permit_validity_months": 4}, [], 2, Status.OBLIGED, None),
    ("stay just under 3 years", {}, [], 35, Status.OBLIGED, None),
    ("stay of 3 years", {}, [], 36, Status.EXCLUDED, "long_stay"),
    ("aged 17", {"date_of_birth": "age:17"}, [], 6, Status.DISPENSED, "age"),
    ("aged 18", {"date_of_birth": "age:18"}, [], 6, Status.OBLIGED, None),
    ("aged 64", {"date_of_birth": "age:64"}, [], 6, Status.OBLIGED, None),
    ("aged 65", {"date_of_birth": "age:65"}, [], 6, Status.DISPENSED, "age"),
    ("Turkish national", {"nationality": "TR"}, [], 6, Status.DISPENSED, "association_agreement"),
    (
        "temporary protection",
        {"residence_category": "temporary_protection"},
        [],
        6,
        Status.DISPENSED,
        "temporary_protection",
    ),
    ("certificate held", {}, [D("certificate_held", "later")], 6, Status.DISPENSED, "certificate_held"),
    ("medical", {}, [D("medical", "before")], 6, Status.DISPENSED, "medical"),
    ("medical from later", {}, [D("medical", "later")], 6, Status.OBLIGED, None),
    ("Belgian diploma", {}, [D("belgian_diploma", "later")], 6, Status.DISPENSED, "belgian_diploma"),
    ("student", {}, [D("student", "later")], 6, Status.DISPENSED, "student"),
    ("work from earlier", {}, [D("work", "before")], 6, Status.DISPENSED, "work"),
    ("work mid-pathway, not yet", {}, [D("work", "later")], 6, Status.OBLIGED, None),
    ("work ended", {}, [D("work", "before", "before")], 6, Status.OBLIGED, None),
    ("reason of another jurisdiction", {}, [D("unknown_reason", "before")], 6, Status.OBLIGED, None),
]


def _materialise(version, changes, dispensations, months):
    reference_day = on(version, months)
    facts_changes = {
        k: (born_aged(int(v[4:]), version) if isinstance(v, str) and v.startswith("age:") else v)
        for k, v in changes.items()
    }
    facts = replace(base(version), **facts_changes)
    offsets = {"before": -30, "later": 30}
    recorded = []
    for item in dispensations:
        start = date.fromordinal(reference_day.toordinal() + offsets[item.start_date])
        end = None if item.end_date is None else date.fromordinal(reference_day.toordinal() - 1)
        recorded.append(RecordedDispensation(item.reason, start, end))
    return facts, recorded, reference_day


@pytest.mark.parametrize("version", ["2018", "2025"])
@pytest.mark.parametrize(
    ("label", "changes", "dispensations", "months", "status", "reason"),
    WALLONIA_CASES,
    ids=[c[0] for c in WALLONIA_CASES],
)
def test_wallonia(version, label, changes, dispensations, months, status, reason):
    definition = registry().get("wallonia", version)
    facts, recorded, day = _materialise(version, changes, dispensations, months)
    result = assess(facts, definition, on=day, dispensations=recorded)
    assert result.status == status, result.explanation()
    assert result.reason_code == reason
    assert result.primo_arrivant == (status != Status.EXCLUDED)
    assert result.explanation()


def test_every_wallonia_dispensation_reason_is_covered():
    covered = {c[5] for c in WALLONIA_CASES if c[4] == Status.DISPENSED}
    for version in ("2018", "2025"):
        assert covered == {r.code for r in registry().get("wallonia", version).dispensation_reasons}


def test_obliged_explanation_lists_the_conditions():
    result = assess(base("2025"), registry().get("wallonia", "2025"), on=on("2025"))
    assert result.explanation() == (
        "Obliged: stay of less than 3 years, permit of more than 3 months, outside the EU+, aged 18–64"
    )


def test_work_dispensation_mid_pathway_ends_the_obligation_from_its_start():
    definition = registry().get("wallonia", "2018")
    facts = base("2018")
    work = [RecordedDispensation("work", date(2023, 11, 1))]
    before = assess(facts, definition, on=date(2023, 10, 31), dispensations=work)
    after = assess(facts, definition, on=date(2023, 11, 1), dispensations=work)
    assert before.status == Status.OBLIGED and "2023-11-01" in before.notes[0]
    assert after.status == Status.DISPENSED and after.obligation_ends_on == date(2023, 11, 1)
    assert after.statistical_status == "dispensed:work"
    assert "Obligation ended on 2023-11-01" in after.explanation()


def test_voluntary_participation_of_someone_not_obliged():
    definition = registry().get("wallonia", "2025")
    excluded = assess(replace(base("2025"), nationality="FR"), definition, on=on("2025"), participating=True)
    assert excluded.status == Status.VOLUNTARY and excluded.basis_status == Status.EXCLUDED
    assert excluded.explanation().startswith("Voluntary participant.")
    assert excluded.statistical_status == "voluntary"
    # Issue 16, rule 2: a dispensed participant stays dispensed with its reason (was "voluntary").
    dispensed = assess(replace(base("2025"), nationality="TR"), definition, on=on("2025"), participating=True)
    assert dispensed.status == Status.DISPENSED and dispensed.basis_status == Status.DISPENSED
    assert dispensed.statistical_status == "dispensed:association_agreement"
    assert dispensed.explanation().startswith("Voluntary participant. Dispensed (")
    obliged = assess(base("2025"), definition, on=on("2025"), participating=True)
    assert obliged.status == Status.OBLIGED


@pytest.mark.parametrize(
    ("age", "status", "reason"),
    [
        (17, Status.EXCLUDED, "age"),
        (18, Status.OBLIGED, None),
        (65, Status.OBLIGED, None),
        (66, Status.EXCLUDED, "age"),
    ],
)
def test_brussels_age_range_18_65(age, status, reason):
    facts = replace(base("2025"), date_of_birth=born_aged(age, "2025"))
    result = assess(facts, registry().get("brussels", "2022"), on=on("2025"))
    assert (result.status, result.reason_code) == (status, reason)
    assert result.primo_arrivant  # age is not part of the primo-arrivant definition


def test_brussels_dispensations_and_exclusions():
    definition = registry().get("brussels", "2022")
    day = on("2025")
    assert assess(replace(base("2025"), nationality="DE"), definition, on=day).exclusions == (Exclusion.NATIONALITY,)
    for reason in ("certificate_held", "medical", "work"):
        result = assess(base("2025"), definition, on=day, dispensations=[D(reason, date(2025, 1, 1))])
        assert (result.status, result.reason_code) == (Status.DISPENSED, reason)


@pytest.mark.parametrize(("age", "status"), [(17, Status.EXCLUDED), (18, Status.OBLIGED), (70, Status.OBLIGED)])
def test_flanders_from_18_without_upper_age(age, status):
    facts = replace(base("2025"), date_of_birth=born_aged(age, "2025"))
    assert assess(facts, registry().get("flanders", "2022"), on=on("2025")).status == status


def test_flanders_has_no_stay_limit_and_its_own_reasons():
    definition = registry().get("flanders", "2022")
    old = replace(base("2025"), permit_order_date=date(2015, 1, 1), registration_date=date(2015, 1, 1))
    assert assess(old, definition, on=on("2025")).status == Status.OBLIGED
    for reason in ("medical", "belgian_diploma"):
        result = assess(base("2025"), definition, on=on("2025"), dispensations=[D(reason, date(2025, 1, 1))])
        assert result.reason_code == reason


def test_explanation_in_plain_french(app):
    """The agent reads the explanation in French (the default locale) through Babel's catalogs."""
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    result = assess(base("2025"), registry().get("wallonia", "2025"), on=on("2025"))
    text = result.explanation("fr").replace("\xa0", " ")
    assert text.startswith("Obligé·e : séjour de moins de 3 ans")
    assert "hors UE+" in text
