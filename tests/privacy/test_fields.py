"""Encrypted fields on a model: round trip through the database, moved ciphertexts, access."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select, text

from integration_centre.extensions import db
from integration_centre.privacy import keys
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import AccessError, DecryptionError, KeyDestroyedError
from integration_centre.privacy.fields import decrypt_rows, encrypted_rows_statement
from integration_centre.privacy.models import PersonKey
from tests.privacy.conftest import AGENT, new_person
from tests.privacy.models import Note, Person

TRICKY = ["", "  trailing  ", "star***", "nul\x00\x00", "Ødegård Łukasz Đorđević", "日本語 🙂", "\u200b"]


def _reload(person_id):
    db.session.expire_all()
    return db.session.get(Person, person_id)


@pytest.mark.parametrize("value", TRICKY)
def test_round_trip_through_the_database(tables, value):
    person = new_person(family_name=value, birth_date=date(1990, 1, 2), address={"street": value}, children=0)
    db.session.commit()
    loaded = _reload(person.id)
    with access(AGENT, "test.view", [person.id]):
        assert loaded.family_name == value
        assert loaded.address == {"street": value}
        assert loaded.birth_date == date(1990, 1, 2)
        assert loaded.children == 0
        assert loaded.given_name is None


def test_stored_bytes_are_ciphertext_with_header(tables):
    new_person(family_name="Dupont")
    db.session.commit()
    raw = db.session.execute(text("SELECT family_name_ct FROM test_privacy_person")).scalar_one()
    assert raw[:2] == b"\x01\x01" and b"Dupont" not in raw


def _swap(column_from: str, row_from, column_to: str, row_to) -> None:
    source, target = type(row_from).__table__, type(row_to).__table__
    value = db.session.execute(select(source.c[column_from]).where(source.c.id == row_from.id)).scalar_one()
    db.session.execute(target.update().where(target.c.id == row_to.id).values({column_to: value}))
    db.session.commit()


def test_ciphertext_copied_to_another_person_fails(tables):
    alice, bob = new_person(family_name="Alice"), new_person(family_name="Bob")
    db.session.commit()
    _swap("family_name_ct", alice, "family_name_ct", bob)
    loaded = _reload(bob.id)
    with access(AGENT, "test.view", [bob.id]), pytest.raises(DecryptionError):
        _ = loaded.family_name


def test_ciphertext_copied_to_another_column_fails(tables):
    person = new_person(family_name="Alice", given_name="Anne")
    db.session.commit()
    _swap("family_name_ct", person, "given_name_ct", person)
    loaded = _reload(person.id)
    with access(AGENT, "test.view", [person.id]):
        assert loaded.family_name == "Alice"
        with pytest.raises(DecryptionError):
            _ = loaded.given_name


def test_ciphertext_copied_to_another_row_of_the_same_person_fails(tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    with access(AGENT, "test.note", [person.id], action="create"):
        first = Note(person_id=person.id, body="first")
        second = Note(person_id=person.id, body="second")
    db.session.add_all([first, second])
    db.session.commit()
    _swap("body_ct", first, "body_ct", second)
    db.session.expire_all()
    with access(AGENT, "test.view", [person.id]):
        assert db.session.get(Note, first.id).body == "first"
        with pytest.raises(DecryptionError):
            _ = db.session.get(Note, second.id).body


def test_decrypting_outside_an_access_context_raises(tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    loaded = _reload(person.id)
    with pytest.raises(AccessError):
        _ = loaded.family_name
    other = uuid.uuid4()
    with access(AGENT, "test.view", [other]), pytest.raises(AccessError):
        _ = loaded.family_name


def test_writing_outside_an_access_context_raises(tables):
    person = Person(id=uuid.uuid4())
    with pytest.raises(AccessError):
        person.family_name = "Alice"
    assert person.family_name_ct is None


def test_child_row_needs_person_id_first(tables):
    with access(AGENT, "test.note", [uuid.uuid4()], action="create"), pytest.raises(ValueError, match="person_id"):
        Note(body="no person yet")


def test_person_key_is_wrapped_not_stored_in_clear(tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    row = db.session.get(PersonKey, person.id)
    assert row.kek_id == "kek-test-1" and len(row.wrapped) == 2 + 12 + 32 + 16


def test_destroyed_key_makes_fields_unreadable(tables):
    person = new_person(family_name="Alice", niss="85073003328")
    db.session.commit()
    keys.destroy_person_key(person.id, actor=AGENT, purpose="rights.erasure")
    db.session.commit()
    loaded = _reload(person.id)
    assert keys.is_person_key_destroyed(person.id) and not keys.has_person_key(person.id)
    with access(AGENT, "test.view", [person.id]), pytest.raises(KeyDestroyedError):
        _ = loaded.family_name
    with access(AGENT, "test.update", [person.id]), pytest.raises(KeyDestroyedError):
        loaded.family_name = "New"


def test_unwrapped_keys_are_cached_per_request_only(app, tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    with app.test_request_context():
        from flask import g

        with access(AGENT, "test.view", [person.id]):
            assert _reload(person.id).family_name == "Alice"
        assert person.id in g._privacy_keys
    with app.test_request_context():
        from flask import g

        assert "_privacy_keys" not in g or person.id not in g._privacy_keys


def test_no_ciphertext_or_plaintext_fallback_for_garbage(tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    db.session.execute(text("UPDATE test_privacy_person SET family_name_ct = :v"), {"v": b"Alice"})
    db.session.commit()
    loaded = _reload(person.id)
    with access(AGENT, "test.view", [person.id]), pytest.raises(DecryptionError):
        _ = loaded.family_name
    assert db.session.scalar(select(Person.id)) == person.id


# --- Plain-row reads (``encrypted_rows_statement`` + ``decrypt_rows``) --------------------------


def _plain_rows(model, names, ids):
    statement = encrypted_rows_statement(model, names).where(model.id.in_(ids))
    return db.session.execute(statement).all()


def test_plain_rows_decrypt_to_what_the_descriptor_reads(tables):
    alice = new_person(family_name="Ødegård", given_name="Łukasz", birth_date=date(1990, 2, 28), address={"n": 1})
    bob = new_person(family_name="Bob")  # no given name, no address
    db.session.commit()
    with access(AGENT, "test.note", [alice.id], action="create"):
        note = Note(person_id=alice.id, body="first", title="t")
    db.session.add(note)
    db.session.commit()
    names = ("family_name", "given_name", "birth_date", "address")
    rows = _plain_rows(Person, names, [alice.id, bob.id])
    with access(AGENT, "test.view", [alice.id, bob.id]):
        values = decrypt_rows(Person, names, rows)
        expected = {p.id: tuple(getattr(_reload(p.id), n) for n in names) for p in (alice, bob)}
        notes = decrypt_rows(Note, ("body", "title"), _plain_rows(Note, ("body", "title"), [note.id]))
    assert values == expected
    assert values[alice.id] == ("Ødegård", "Łukasz", date(1990, 2, 28), {"n": 1})
    assert values[bob.id] == ("Bob", None, None, None)
    assert notes == {note.id: ("first", "t")}


def test_plain_rows_need_an_access_context_naming_the_person(tables):
    person = new_person(family_name="Alice")
    db.session.commit()
    rows = _plain_rows(Person, ("family_name",), [person.id])
    with pytest.raises(AccessError):
        decrypt_rows(Person, ("family_name",), rows)
    with access(AGENT, "test.view", [uuid.uuid4()]), pytest.raises(AccessError):
        decrypt_rows(Person, ("family_name",), rows)


def test_plain_rows_check_the_associated_data(tables):
    alice, bob = new_person(family_name="Alice"), new_person(family_name="Bob")
    db.session.commit()
    _swap("family_name_ct", alice, "family_name_ct", bob)
    rows = _plain_rows(Person, ("family_name",), [bob.id])
    with access(AGENT, "test.view", [bob.id]), pytest.raises(DecryptionError):
        decrypt_rows(Person, ("family_name",), rows)


def test_plain_rows_leave_out_erased_persons(tables):
    kept, erased = new_person(family_name="Kept"), new_person(family_name="Erased")
    db.session.commit()
    keys.destroy_person_key(erased.id, actor=AGENT, purpose="rights.erasure")
    db.session.commit()
    rows = _plain_rows(Person, ("family_name",), [kept.id, erased.id])
    with access(AGENT, "test.view", [kept.id, erased.id]):
        assert decrypt_rows(Person, ("family_name",), rows) == {kept.id: ("Kept",)}


def test_plain_rows_refuse_a_field_that_is_not_encrypted(tables):
    with pytest.raises(ValueError, match="no encrypted field"):
        encrypted_rows_statement(Person, ("office",))


def _views(person_id) -> int:
    from integration_centre.privacy.models import AuditRecord

    query = select(db.func.count()).where(AuditRecord.action == "view", AuditRecord.object_id == str(person_id))
    return db.session.scalar(query)


def test_a_value_read_once_is_not_readable_after_its_context_closes(app, tables):
    """Issue 15, finding 10a: no plaintext kept from an earlier read may answer without the check.

    The same loaded row is read inside a context, then outside any context, then under another
    person's context: the access check runs on every read, not only on the first one.
    """
    alice, bob = new_person(family_name="Alice", address={"street": "Rue A"}), new_person(family_name="Bob")
    db.session.commit()
    loaded = _reload(alice.id)
    with app.test_request_context(), access(AGENT, "test.view", [alice.id]):
        assert loaded.family_name == "Alice" and loaded.address == {"street": "Rue A"}
    assert _views(alice.id) == 1
    with pytest.raises(AccessError):
        _ = loaded.family_name
    with pytest.raises(AccessError):
        _ = loaded.address
    with app.test_request_context(), access(AGENT, "test.view", [bob.id]):
        with pytest.raises(AccessError):
            _ = loaded.family_name
        with pytest.raises(AccessError):
            _ = loaded.address
    # Reading again needs (and writes) a new audited access: one row per request and purpose.
    with app.test_request_context(), access(AGENT, "test.view", [alice.id]):
        assert loaded.family_name == "Alice"
    assert _views(alice.id) == 2
    # A value assigned in a context is not readable once it is closed either.
    with access(AGENT, "test.edit", [alice.id], action="update"):
        loaded.notes = "assigned"
        assert loaded.notes == "assigned"
    with pytest.raises(AccessError):
        _ = loaded.notes
    db.session.rollback()
