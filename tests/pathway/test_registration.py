"""Registration: validation messages, encryption at rest, acceptance 6 (duplicate check)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway.errors import DuplicateSuspected, RegistrationInvalid
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from tests.pathway.conftest import newcomer_data

TODAY = date(2026, 1, 5)


def register(agent, office, **overrides):
    newcomer = registration.register_newcomer(agent, newcomer_data(**overrides), office, today=TODAY)
    db.session.commit()
    return newcomer


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"family_name": "  "}, "family_name", "family name"),
        ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth", "future"),
        ({"sex": "?"}, "sex", "sex"),
        ({"nationality": "QQ"}, "nationality", "list"),
        ({"nationality": "BE"}, "nationality", "Belgian"),
        ({"residence_category": "tourist"}, "residence_category", "residence"),
        ({"niss": "85073003329"}, "niss", "check digits"),
        ({"municipality_code": "63023"}, "municipality_code", "German-speaking"),
        ({"municipality_code": "99999"}, "municipality_code", "list"),
        ({"email": "not-an-address"}, "email", "e-mail"),
        ({"languages": ["ar", "xx"]}, "languages", "Language 2"),
        ({"permit_order_date": date(1990, 1, 1)}, "permit_order_date", "before the date of birth"),
    ],
)
def test_validation_messages(agent, org, overrides, field, fragment):
    with pytest.raises(RegistrationInvalid) as error:
        registration.register_newcomer(agent, newcomer_data(**overrides), org["office"], today=TODAY)
    assert fragment in error.value.errors[field]
    db.session.rollback()
    assert db.session.scalar(select(Newcomer)) is None


def test_niss_date_mismatch_is_a_warning(agent, org):
    outcome = registration.validate(newcomer_data(niss="85073003328"), today=TODAY)
    assert not outcome.errors and outcome.niss == "85073003328"
    assert any("1985-07-30" in w for w in outcome.warnings)


def test_personal_fields_are_encrypted_at_rest(agent, org):
    newcomer = register(agent, org["office"], niss="85073003328", date_of_birth=date(1985, 7, 30))
    row = db.session.execute(text("SELECT * FROM newcomer")).mappings().one()
    stored = b" ".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row.values())
    for clear in (b"Al-Hassan", b"Amira", b"85073003328", b"1985-07-30", b"Rue de Fer", b"92094", b"refugee"):
        assert clear not in stored
    with access(agent, "test.view", [newcomer.id]):
        assert newcomer.family_name == "Al-Hassan" and newcomer.languages == ["ar", "en"]
        assert newcomer.niss == "85073003328"


@pytest.mark.parametrize(
    ("family", "given"),
    [
        ("al-hassan", "amira"),
        ("AL HASSAN", "AMIRA"),
        ("Al-Hassàn", "Amíra"),
        ("  Al -  Hassan ", "Amira  "),
        ("Alhassan", "Amira"),
    ],
)
def test_duplicate_found_with_other_accents_case_or_spacing(agent, org, family, given):
    first = register(agent, org["office"])
    again = newcomer_data(family_name=family, given_names=given)
    assert [n.id for n in registration.find_duplicates(agent, again)] == [first.id]
    with pytest.raises(DuplicateSuspected) as error:
        registration.register_newcomer(agent, again, org["office"], today=TODAY)
    assert [n.id for n in error.value.existing] == [first.id]
    db.session.rollback()
    assert len(db.session.scalars(select(Newcomer)).all()) == 1
    # The agent looked and confirms: a second file is created.
    registration.register_newcomer(agent, again, org["office"], confirm_duplicate=True, today=TODAY)
    db.session.commit()
    assert len(db.session.scalars(select(Newcomer)).all()) == 2


def test_duplicate_found_by_niss_even_with_another_name(agent, org):
    first = register(agent, org["office"], niss="85073003328", date_of_birth=date(1985, 7, 30))
    other_name = newcomer_data(family_name="Completely", given_names="Different", niss="85.07.30-033.28",
                               date_of_birth=date(1985, 7, 30))  # fmt: skip
    assert [n.id for n in registration.find_duplicates(agent, other_name)] == [first.id]


def test_different_people_are_not_duplicates(agent, org):
    register(agent, org["office"])
    assert registration.find_duplicates(agent, newcomer_data(family_name="Al-Hussein")) == []
    assert registration.find_duplicates(agent, newcomer_data(date_of_birth=date(1995, 3, 15))) == []


def test_other_given_names_still_match_on_family_name_and_birth_date(agent, org):
    first = register(agent, org["office"])
    [match] = registration.match_duplicates(agent, newcomer_data(given_names="Samira"))
    assert match.newcomer.id == first.id
    assert match.reasons == (registration.MATCH_FAMILY_NAME_AND_BIRTH_DATE,) and not match.same_given_names


def test_other_office_agent_cannot_register_for_this_office(other_agent, org):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        registration.register_newcomer(other_agent, newcomer_data(), org["office"], today=TODAY)
