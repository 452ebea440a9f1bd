"""Batch registration (issue 18, acceptance 6): ``register_many`` has the effects of one
``register_newcomer`` per person — the fields decrypt, the blind indexes find the files, one
"create" audit record per person keeps the chain valid — and ``match_duplicates_many`` finds what
``match_duplicates`` finds, item by item."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway.errors import RegistrationInvalid
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import audit, blind_index, keys
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import DecryptionError
from integration_centre.privacy.models import AuditRecord, BlindIndexEntry, PersonKey
from tests.pathway.conftest import newcomer_data

TODAY = date(2026, 1, 5)
NISS = "85073003328"  # born 1985-07-30, a man


def _people() -> list:
    return [
        newcomer_data(),
        newcomer_data(family_name="Öztürk", given_names="Müge Zoë", date_of_birth=date(2000, 6, 30), languages=[]),
        newcomer_data(
            family_name="Ahmadi", given_names="Farid", date_of_birth=date(1985, 7, 30), sex="M", niss=f" {NISS} "
        ),
        newcomer_data(family_name="  Kabila  ", given_names="Grace", phone=None, email=None, address=None),
    ]


def _clear(agent, person_id) -> dict:
    with access(agent, "test.view", [person_id]):
        person = db.session.get(Newcomer, person_id)
        return {name: getattr(person, name) for name in registration.PERSONAL_FIELDS}


def _entries(person_id) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(BlindIndexEntry.index_name, BlindIndexEntry.value).where(BlindIndexEntry.person_id == person_id)
    )
    return sorted(tuple(row) for row in rows)


def test_a_batch_registers_each_person_as_one_registration_does(agent, org):
    people = _people()
    single = [
        registration.register_newcomer(agent, p, org["office"], confirm_duplicate=True, today=TODAY) for p in people
    ]
    db.session.commit()
    records_before = db.session.scalar(select(func.count()).select_from(AuditRecord))

    ids = registration.register_many(agent, people, org["office"], today=TODAY)
    db.session.commit()

    assert len(ids) == len(set(ids)) == len(people)
    created = db.session.scalars(
        select(AuditRecord).where(AuditRecord.seq > records_before).order_by(AuditRecord.seq)
    ).all()
    assert [(r.action, r.object_type, r.object_id, r.purpose) for r in created] == [
        ("create", "person", str(person_id), "registration") for person_id in ids
    ]
    for one, person_id in zip(single, ids, strict=True):
        assert _clear(agent, person_id) == _clear(agent, one.id)  # same values, stored normalised
        assert _entries(person_id) == _entries(one.id)  # same blind-index entries
        assert keys.has_person_key(person_id)
        row = db.session.get(Newcomer, person_id)
        assert row.registered_by_office_id == org["office"].id and row.version == 1 and row.created_at
    assert _clear(agent, ids[2])["niss"] == NISS and _clear(agent, ids[3])["family_name"] == "Kabila"
    assert ids[2] in blind_index.candidates(niss=NISS)
    assert {ids[1], single[1].id} == blind_index.candidates(
        family_name="OZTURK", given_name="muge zoe", birth_date=date(2000, 6, 30)
    )
    result = audit.verify_chain()
    assert result.ok, result.reason


def test_the_ciphertext_of_a_batch_is_bound_to_its_row_and_person(agent, org):
    first, second = registration.register_many(agent, _people()[:2], org["office"], today=TODAY)
    db.session.commit()
    stolen = db.session.get(Newcomer, first).family_name_ct
    db.session.execute(
        Newcomer.__table__.update().where(Newcomer.id == second).values(family_name_ct=stolen, version=2)
    )
    db.session.commit()
    db.session.expire_all()
    with access(agent, "test.view", [second]), pytest.raises(DecryptionError, match="authentication"):
        _ = db.session.get(Newcomer, second).family_name


def test_an_invalid_item_refuses_the_whole_batch(agent, org):
    people = [*_people()[:2], newcomer_data(nationality="BE")]
    with pytest.raises(RegistrationInvalid) as error:
        registration.register_many(agent, people, org["office"], today=TODAY)
    assert "nationality" in error.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 0
    assert db.session.scalar(select(func.count()).select_from(PersonKey)) == 0
    assert registration.register_many(agent, [], org["office"], today=TODAY) == []


def test_an_agent_may_only_register_at_their_office(agent, org):
    with pytest.raises(NotFound):
        registration.register_many(agent, _people()[:1], org["other_office"], today=TODAY)


def test_keys_are_created_once_per_person(agent, org):
    (person_id,) = registration.register_many(agent, _people()[:1], org["office"], today=TODAY)
    with pytest.raises(ValueError, match="already has a data key"):
        keys.create_person_keys([person_id])
    with pytest.raises(ValueError, match="named twice"):
        keys.create_person_keys([person_id, person_id])


def test_batch_duplicate_search_finds_what_the_single_search_finds(agent, other_agent, org):
    existing = registration.register_many(agent, _people(), org["office"], today=TODAY)
    elsewhere = registration.register_newcomer(
        other_agent, newcomer_data(family_name="Haile", given_names="Senait"), org["other_office"],
        confirm_duplicate=True, today=TODAY,
    )  # fmt: skip
    db.session.commit()
    probes = [
        newcomer_data(family_name="AL HASSAN", given_names="Amira Nour"),  # same family name and birth date
        replace(_people()[2], family_name="Other", date_of_birth=date(1985, 7, 30)),  # same NISS only
        newcomer_data(family_name="Nobody"),  # no match
        newcomer_data(family_name="haïle"),  # a file of another office
        newcomer_data(family_name="Al-Hassan"),  # the first again, within the batch
    ]
    many = registration.match_duplicates_many(agent, probes)
    single = [registration.match_duplicates(agent, probe) for probe in probes]

    def shape(matches):
        return [(m.newcomer.id, m.reasons, m.same_given_names) for m in matches]

    assert [shape(found) for found in many] == [shape(found) for found in single]
    assert shape(many[0]) == [(existing[0], (registration.MATCH_FAMILY_NAME_AND_BIRTH_DATE,), False)]
    assert shape(many[1]) == [(existing[2], (registration.MATCH_NISS,), True)]
    assert many[2] == []
    assert shape(many[3]) == [(elsewhere.id, (registration.MATCH_FAMILY_NAME_AND_BIRTH_DATE,), False)]
    assert shape(many[4]) == [(existing[0], (registration.MATCH_FAMILY_NAME_AND_BIRTH_DATE,), True)]
    searched = db.session.scalars(select(AuditRecord.object_id).where(AuditRecord.action == "search")).all()
    assert {str(existing[0]), str(existing[2]), str(elsewhere.id)} <= set(searched)
    assert audit.verify_chain().ok
