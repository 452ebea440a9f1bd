"""Acceptance 1: NISS validation (before/after 2000, bis numbers, check digits, dob warning)."""

from datetime import date

import pytest

from integration_centre.pathway import niss

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL


def with_check(first_nine: str, born_2000: bool = False) -> str:
    """Append the mod-97 check digits (with the leading 2 for births from 2000)."""
    base = int(("2" if born_2000 else "") + first_nine)
    return f"{first_nine}{97 - base % 97:02d}"


@pytest.mark.parametrize(
    ("raw", "birth", "from_2000", "sex"),
    [
        ("85.07.30-033.28", date(1985, 7, 30), False, "M"),
        ("85073003328", date(1985, 7, 30), False, "M"),
        (with_check("900214002"), date(1990, 2, 14), False, "F"),
        ("17 07 30 033 84", date(2017, 7, 30), True, "M"),
        (with_check("030511124", born_2000=True), date(2003, 5, 11), True, "F"),
    ],
)
def test_valid_numbers_before_and_after_2000(raw, birth, from_2000, sex):
    checked = niss.check(raw)
    assert checked.birth_date == birth
    assert checked.born_from_2000 is from_2000
    assert checked.sex == sex
    assert not checked.is_bis
    assert checked.warnings == []


def test_bis_number_accepted():
    number = with_check("854730033")  # month + 40: bis number, sex known
    checked = niss.check(number)
    assert checked.is_bis
    assert checked.birth_date == date(1985, 7, 30)


@pytest.mark.parametrize("raw", ["85073003329", "85073003327", "17073003383", with_check("030511124")[:-2] + "00"])
def test_wrong_check_digits_refused_with_message(raw):
    with pytest.raises(niss.NissError) as error:
        niss.check(raw)
    assert "check digits" in str(error.value)
    assert not niss.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("8507300332", "11 digits"),
        ("850730033281", "11 digits"),
        ("85O73003328", "only digits"),
        ("", "11 digits"),
        ("  ", "11 digits"),
    ],
)
def test_malformed_numbers_refused_with_message(raw, fragment):
    with pytest.raises(niss.NissError) as error:
        niss.check(raw)
    assert fragment in str(error.value)


def test_impossible_date_refused():
    with pytest.raises(niss.NissError) as error:
        niss.check(with_check("851330033"))
    assert "not a possible date" in str(error.value)


def test_date_of_birth_mismatch_is_a_warning_not_an_error():
    checked = niss.check("85073003328", date_of_birth=date(1985, 7, 31))
    assert checked.number == "85073003328"
    assert len(checked.warnings) == 1
    assert "1985-07-30" in checked.warnings[0] and "1985-07-31" in checked.warnings[0]


def test_sex_mismatch_is_a_warning():
    checked = niss.check("85073003328", date_of_birth=date(1985, 7, 30), sex="F")
    assert any("sex" in warning for warning in checked.warnings)


def test_consistent_number_has_no_warning():
    assert niss.check("85073003328", date_of_birth=date(1985, 7, 30), sex="M").warnings == []
    assert niss.check("85073003328").formatted == "85.07.30-033.28"
