"""The import's rules beyond the acceptance lists: a failing batch, duplicates in another office,
presets and column overrides, and the readers of each kind of cell."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.intake import services, values
from integration_centre.intake.errors import ImportRefused
from integration_centre.intake.fields import detect
from integration_centre.intake.models import ImportRun
from integration_centre.pathway import registration
from integration_centre.pathway.models import DuplicateReview
from integration_centre.pathway.registration import NewcomerData
from tests.intake.conftest import EXISTING, HEADER, ROWS, counts, csv_bytes


def _valid_rows(count: int) -> dict[int, list]:
    return {line: [f"Nom{line}", *ROWS[3][1:]] for line in range(2, count + 2)}


def test_a_failing_batch_is_rolled_back_whole_and_the_report_says_what_was_written(agent, org, monkeypatch):
    real = registration.register_many
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # the 3rd batch (its rows were read, checked and their keys kept)
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(registration, "register_many", flaky)
    content = csv_bytes(_valid_rows(12))

    report = services.run_import(agent, org["office"], io.BytesIO(content), "list.csv", batch_size=3)

    assert report.status == "failed"
    assert report.created.lines() == [2, 3, 4, 5, 6, 7]
    assert "Lines 8 to 10" in report.failure and "RuntimeError" in report.failure
    assert counts()["newcomers"] == 6 and counts()["rows"] == 6
    run = db.session.get(ImportRun, uuid.UUID(report.run_id))
    assert run.status == "failed" and run.rows_created == 6 and run.batches_committed == 2

    monkeypatch.setattr(registration, "register_many", real)
    again = services.run_import(agent, org["office"], io.BytesIO(content), "list.csv", batch_size=3)
    assert again.status == "completed"
    assert again.already_imported.lines() == [2, 3, 4, 5, 6, 7]
    assert again.created.lines() == list(range(8, 14))
    assert counts()["newcomers"] == 12


def test_a_duplicate_in_another_office_is_not_named_and_goes_to_the_coordinator(make_user, org):
    agent = make_user(Role.AGENT)
    other = make_user(Role.AGENT, office_id=org["other_office"].id)
    data = NewcomerData(**EXISTING, sex="F", nationality="GN", residence_category="refugee")
    registration.register_newcomer(other, data, org["other_office"], confirm_duplicate=True)
    db.session.commit()
    content = csv_bytes({6: ROWS[6]})

    dry = services.run_import(agent, org["office"], io.BytesIO(content), "list.csv", dry_run=True)
    assert [(w.line, w.code) for w in dry.warnings] == [(2, "duplicate_elsewhere")]
    assert db.session.scalar(select(DuplicateReview)) is None

    done = services.run_import(agent, org["office"], io.BytesIO(content), "list.csv")
    assert done.created.count == 0
    review = db.session.scalar(select(DuplicateReview))
    assert review.office_id == org["office"].id and review.status == "open"


def test_a_preset_maps_unusual_headers_and_gives_defaults(agent, org):
    header = ["Familie", "Voornamen", "Geboren", "M/V", "Land", "Gem."]
    body = "\r\n".join([";".join(header), "Yilmaz;Ayse;02.05.1991;V;TUR;Namen"]).encode()
    with pytest.raises(ImportRefused, match="Columns missing"):
        services.run_import(agent, org["office"], io.BytesIO(body), "l.csv", dry_run=True)
    fields = ["family_name", "given_names", "date_of_birth", "sex", "nationality", "municipality_code"]
    columns = dict(zip(header, fields, strict=True))
    preset = services.save_mapping(agent, org["office"], "  Gemeente  Namen ", columns, {"residence_category": "werk"})
    db.session.commit()
    assert preset.name == "Gemeente Namen" and preset.defaults == {"residence_category": "work"}

    report = services.run_import(
        agent, org["office"], io.BytesIO(body), "l.csv", preset=services.get_mapping(org["office"], "Gemeente Namen")
    )

    assert report.errors == [] and report.created.lines() == [2]
    assert report.defaults == ["residence_category"]
    with pytest.raises(ImportRefused):
        services.save_mapping(agent, org["office"], "x", {"a": "salary"})
    with pytest.raises(ImportRefused):
        services.get_mapping(org["office"], "unknown")


def test_columns_are_detected_in_french_dutch_and_english():
    mapping = detect(["NOM", "Voornaam", "Date of birth", "geslacht", "Nationalité", "Rijksregisternummer",
                      "Code INS", "Remarque", "Nom"])  # fmt: skip
    fed = {c.header: c.field for c in mapping.columns}
    assert fed == {
        "NOM": "family_name", "Voornaam": "given_names", "Date of birth": "date_of_birth", "geslacht": "sex",
        "Nationalité": "nationality", "Rijksregisternummer": "niss", "Code INS": "municipality_code",
        "Remarque": None, "Nom": None,
    }  # fmt: skip
    assert mapping.conflicts == [("family_name", "NOM", "Nom")]
    assert mapping.missing() == []
    assert detect(["Nom et prénom", "Né le", "Sexe", "Nationalité"]).missing() == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14/03/1995", date(1995, 3, 14)),
        ("14.3.1995", date(1995, 3, 14)),
        ("1995-03-14", date(1995, 3, 14)),
        ("1995-03-14 00:00:00", date(1995, 3, 14)),
        ("19950314", date(1995, 3, 14)),
        (datetime(1995, 3, 14, 0, 0), date(1995, 3, 14)),
        ("", None),
    ],
)
def test_dates_are_read_in_the_usual_forms(raw, expected):
    assert values.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("31/02/1990", "impossible_date"),
        ("14/03/95", "two_digit_year"),
        ("March 1990", "date_format"),
        ("1990-13-01", "impossible_date"),
    ],
)
def test_impossible_or_unreadable_dates_say_why(raw, code):
    with pytest.raises(values.CellProblem) as caught:
        values.parse_date(raw)
    assert caught.value.code == code


def test_cells_of_each_kind(app):
    assert [values.parse_sex(v) for v in ("F", "homme", "Vrouw", "male", "x")] == ["F", "M", "F", "M", "X"]
    written = ("sy", "AFG", "Maroc", "Syrië", "Congo, The Democratic Republic of the", "apatride")
    assert [values.parse_nationality(v) for v in written] == ["SY", "AF", "MA", "SY", "CD", "XX"]
    assert values.parse_municipality("Namur") == "92094" == values.parse_municipality("Namen")
    assert values.parse_languages("arabe; English / prs") == ["ar", "en", "prs"]
    assert values.parse_niss(1234567890) == "01234567890"  # a spreadsheet number loses the leading zero
    assert values.parse_residence("Regroupement familial") == "family_reunification"
    assert values.text("+32 470 12 34 56") == "+32 470 12 34 56"
    for bad in ("=1+1", "@SUM(A1)", "+A1", "-A1*2", " \t=1+1"):
        with pytest.raises(values.CellProblem):
            values.text(bad)


def test_the_keys_of_earlier_batches_find_duplicates_and_are_forgotten_when_the_run_ends(agent, org):
    from integration_centre.intake.models import ImportSeenKey

    lines = _valid_rows(8)  # lines 2 to 9, batches [2, 3, 4], [5, 6, 7], [8, 9]
    lines[7] = ["NOM2", "Autre", *ROWS[3][2:]]  # the same person as line 2, a batch later
    lines[9] = ["nom 8", "Autre", *ROWS[3][2:]]  # the same person as line 8, in the same batch
    report = services.run_import(agent, org["office"], io.BytesIO(csv_bytes(lines)), "list.csv", batch_size=3)

    assert [(w.line, w.code, w.other_line) for w in report.warnings] == [
        (7, "duplicate_in_file", 2),
        (9, "duplicate_in_file", 8),
    ]
    assert report.created.lines() == [2, 3, 4, 5, 6, 8]
    assert db.session.scalar(select(ImportSeenKey)) is None


def test_a_list_with_its_header_only_imports_nothing(agent, org):
    report = services.run_import(agent, org["office"], io.BytesIO(";".join(HEADER).encode()), "l.csv")
    assert report.rows_read == 0 and report.created.count == 0 and report.status == "completed"


def test_fingerprints_follow_their_file_through_erasure_and_merge(agent, org):
    from integration_centre.intake import subject_data
    from integration_centre.intake.models import ImportedRow
    from integration_centre.privacy import person_merge
    from integration_centre.privacy import subject_data as registry

    services.run_import(agent, org["office"], io.BytesIO(csv_bytes(_valid_rows(2))), "list.csv")
    first, second = db.session.scalars(select(ImportedRow).order_by(ImportedRow.line)).all()
    assert registry.get("intake").erase is subject_data.erase
    assert ("intake", subject_data.merge_person) in person_merge.handlers()

    assert subject_data.merge_person(agent, first.person_id, second.person_id) == {"intake": 1}
    assert {row.person_id for row in db.session.scalars(select(ImportedRow))} == {second.person_id}
    subject_data.erase(second.person_id)
    assert counts()["rows"] == 0
