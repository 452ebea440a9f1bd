"""Reference data: municipalities with validity and successors, territories, ISO lists in French."""

from datetime import date

import pytest

from integration_centre.pathway import reference

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL


def test_walloon_municipalities_with_hierarchy():
    namur = reference.municipality("92094")
    assert (namur.name_fr, namur.name_nl) == ("Namur", "Namen")
    assert namur.arrondissement_code == "92000" and namur.province_code == "90000"
    assert reference.municipality("58001").arrondissement_fr == "La Louvière"
    assert len([m for m in reference.municipalities().values() if m.valid_on(date(2020, 1, 1))]) == 262


def test_bastogne_bertogne_merger_2025():
    old_bastogne, bertogne, new = (reference.municipality(c) for c in ("82003", "82005", "82039"))
    assert old_bastogne.valid_until == bertogne.valid_until == date(2024, 12, 31)
    assert old_bastogne.successor_code == bertogne.successor_code == "82039"
    assert new.valid_from == date(2025, 1, 1) and new.name_fr == "Bastogne"
    assert reference.current_code("82005", date(2025, 6, 1)) == "82039"
    assert reference.current_code("82005", date(2024, 6, 1)) == "82005"
    codes_2025 = {code for code, _ in reference.municipality_choices(date(2025, 6, 1))}
    assert "82039" in codes_2025 and "82005" not in codes_2025


def test_german_speaking_municipalities_outside_the_centres():
    german = {m.nis_code for m in reference.municipalities().values() if m.german_speaking}
    assert german == {"63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087"}
    assert all(reference.centre_for_municipality(code) is None for code in german)
    assert "63023" not in {code for code, _ in reference.municipality_choices()}


def test_every_other_walloon_municipality_has_exactly_one_centre():
    territories = reference.centre_territories()
    assert set(territories) == {"CRIPEL", "CRVI", "CAI", "CRIBW", "CRIC", "CERAIC", "CIMB", "CRILUX"}
    for municipality in reference.municipalities().values():
        owners = [c for c, codes in territories.items() if municipality.nis_code in codes]
        assert len(owners) == (0 if municipality.german_speaking else 1), municipality.nis_code
    assert reference.centre_for_municipality("92094") == "CAI"
    assert reference.centre_for_municipality("81001") == "CRILUX"


def test_nationalities_and_languages_in_french():
    names = dict(reference.nationality_choices("fr"))
    assert names["SY"] == "Syrie" and names["DE"] == "Allemagne"
    assert "BE" not in names
    assert reference.country_name("SY", "nl") == "Syrië"
    assert reference.nationality_group("FR") == "EU_EEA_CH" and reference.nationality_group("CH") == "EU_EEA_CH"
    assert reference.nationality_group("MA") == "NON_EU"
    languages = dict(reference.language_choices("fr"))
    assert languages["ar"] == "Arabe" and "prs" in languages
    assert reference.is_valid_language("ti") and not reference.is_valid_language("zz")
