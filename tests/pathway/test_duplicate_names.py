"""Issue 17, acceptance 6: "OZTURK, Cagla" born the same day as "Öztürk, Çağla Nur" is a possible
duplicate, whatever the given names; the warning says which criterion matched; the match goes
through the blind indexes (only the candidates are decrypted, never every file)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway.errors import DuplicateSuspected
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import blind_index
from tests.pathway.conftest import newcomer_data

TODAY = date(2026, 1, 5)
BORN = date(1991, 9, 23)
CAGLA = {"family_name": "Öztürk", "given_names": "Çağla Nur", "date_of_birth": BORN, "nationality": "TR"}
TYPED = {"family_name": "OZTURK", "given_names": "Cagla", "date_of_birth": BORN, "nationality": "TR"}
FAMILY_DOB = registration.MATCH_FAMILY_NAME_AND_BIRTH_DATE


def _register(agent, office, **values):
    newcomer = registration.register_newcomer(
        agent, newcomer_data(**values), office, confirm_duplicate=True, today=TODAY
    )
    db.session.commit()
    return newcomer


def test_ozturk_cagla_raises_the_duplicate_warning_and_says_why(agent, org):
    first = _register(agent, org["office"], **CAGLA)
    with pytest.raises(DuplicateSuspected) as error:
        registration.register_newcomer(agent, newcomer_data(**TYPED), org["office"], today=TODAY)
    assert [n.id for n in error.value.existing] == [first.id]
    assert error.value.reasons == {first.id: ["Same family name and date of birth (the given names differ)"]}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 1


@pytest.mark.parametrize("family", ["OZTURK", "ozturk", "Oztürk", "ÖZTÜRK", "Öz-Türk", "Oz Turk", " öztürk "])
def test_family_name_is_folded_for_the_match(agent, org, family):
    first = _register(agent, org["office"], **CAGLA)
    [match] = registration.match_duplicates(agent, newcomer_data(**dict(TYPED, family_name=family)))
    assert match.newcomer.id == first.id and match.reasons == (FAMILY_DOB,)


def test_same_given_names_are_said_too(agent, org):
    first = _register(agent, org["office"], **CAGLA)
    [match] = registration.match_duplicates(agent, newcomer_data(**dict(TYPED, given_names="CAGLA NUR")))
    assert match.newcomer.id == first.id and match.same_given_names
    assert registration.match_reasons(match) == ["Same family name, given names and date of birth"]


def test_niss_matches_whatever_the_names_and_both_criteria_are_said(agent, org):
    niss = "91092300221"  # a woman born 1991-09-23 (even sequence number)
    first = _register(agent, org["office"], **CAGLA, sex="F", niss=niss)
    [by_niss] = registration.match_duplicates(
        agent, newcomer_data(family_name="Yilmaz", given_names="Ayse", date_of_birth=BORN, sex="F", niss=niss)
    )
    assert by_niss.newcomer.id == first.id and by_niss.reasons == (registration.MATCH_NISS,)
    assert registration.match_reasons(by_niss) == ["Same national register number"]
    [both] = registration.match_duplicates(agent, newcomer_data(**TYPED, sex="F", niss=niss))
    assert both.reasons == (registration.MATCH_NISS, FAMILY_DOB)


def test_another_birth_date_or_family_name_is_not_a_duplicate(agent, org):
    _register(agent, org["office"], **CAGLA)
    assert registration.match_duplicates(agent, newcomer_data(**dict(TYPED, date_of_birth=date(1991, 9, 24)))) == []
    assert registration.match_duplicates(agent, newcomer_data(**dict(TYPED, family_name="Ozturkmen"))) == []


def test_only_the_blind_index_candidates_are_decrypted(app, agent, org, monkeypatch):
    """No decrypt-all scan: the rows handed to the decryption are the family-name-and-birth-date
    index's candidates (with a 32-bit index, exactly the one file), not every file."""
    app.config["PRIVACY_INDEX_BITS"] = 32
    first = _register(agent, org["office"], **CAGLA)
    for family, born in (("Öztürk", date(1992, 1, 1)), ("Demir", BORN), ("Kaya", date(1980, 5, 5))):
        _register(agent, org["office"], family_name=family, given_names="Elif", date_of_birth=born, nationality="TR")
    decrypted: list = []
    keep = blind_index.keep_true_matches

    def spy(rows, predicate, **kwargs):
        rows = list(rows)
        decrypted.extend(row.id for row in rows)
        return keep(rows, predicate, **kwargs)

    monkeypatch.setattr(blind_index, "keep_true_matches", spy)
    assert [n.id for n in registration.find_duplicates(agent, newcomer_data(**TYPED))] == [first.id]
    assert decrypted == [first.id]


def test_a_match_in_another_office_tells_nothing_of_it(agent, other_agent, org):
    """The reasons are given for the agent's own files only (the cross-office oracle stays shut)."""
    _register(agent, org["office"], **CAGLA)
    check = registration.check_duplicates(other_agent, newcomer_data(**TYPED), org["other_office"], today=TODAY)
    assert check.elsewhere and check.existing == [] and check.reasons == {}


FORM = {
    "family_name": "OZTURK",
    "given_names": "Cagla",
    "date_of_birth": BORN.isoformat(),
    "sex": "F",
    "nationality": "TR",
    "residence_category": "family_reunification",
    "permit_order_date": "2025-05-02",
    "languages": ["tr", "fr"],
}


def test_registration_page_warns_for_ozturk_and_says_why(login_as):
    client, user = login_as(Role.AGENT)
    registration.register_newcomer(
        user, newcomer_data(**CAGLA, sex="F"), user.office, confirm_duplicate=True, today=TODAY
    )
    db.session.commit()
    page = client.post("/newcomers/new", data=FORM).get_data(as_text=True)
    assert 'data-testid="duplicate-warning"' in page
    assert "Is this the same person?" in page
    assert "ÖZTÜRK, Çağla Nur" in page  # the one name format: NOM, Prénom
    assert "Same family name and date of birth (the given names differ)" in page
    assert 'name="confirm_duplicate" type="hidden" value="yes"' in page
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 1
    # The agent looked: submitting again creates the second file.
    response = client.post("/newcomers/new", data=dict(FORM, confirm_duplicate="yes"))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 2
