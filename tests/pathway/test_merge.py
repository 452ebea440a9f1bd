"""Merging duplicate files: everything moves to the kept file, re-encrypted; the other file is shredded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import merge, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import (
    Case,
    Dispensation,
    EvidenceDocument,
    MergeRecord,
    Newcomer,
    StepInstance,
    TimelineEntry,
)
from integration_centre.pathway.services import UploadedDocument
from integration_centre.privacy import crypto, erasure, keys
from integration_centre.privacy.access import access
from integration_centre.privacy.errors import KeyDestroyedError
from integration_centre.privacy.models import AuditRecord

PDF = UploadedDocument("contrat.pdf", "application/pdf", b"%PDF-1.4 contrat de travail mi-temps")


def person_rows(person_id) -> dict[str, int]:
    """Rows of every mapped table (domain packages) whose person column names ``person_id``."""
    found = {}
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if table.name.startswith("privacy_") and table.name in {
            "privacy_person_key",
            "privacy_blind_index",
            "privacy_erasure_ledger",
            "privacy_audit_record",
        }:
            continue
        if "person_id" in table.c:
            count = db.session.scalar(select(func.count()).select_from(table).where(table.c.person_id == person_id))
            if count:
                found[table.name] = count
    return found


@pytest.fixture
def duplicate_pair(agent, register, started_case):
    """(kept file without case, removed file with a started case, a note, a dispensation with a document)."""
    kept = register(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    case = started_case(family_name="Diallo", given_names="Mariama", date_of_birth=date(1990, 1, 2))
    removed = case.person
    services.transition_step(agent, case, "social_assessment", "start", services.StepChange(note="Suivi logement"))
    services.record_dispensation(agent, removed, "work", date(2025, 4, 1), case=case, document=PDF)
    db.session.commit()
    return kept, removed, case


def test_merge_moves_everything_reencrypted_and_shreds_the_removed_file(agent, duplicate_pair):
    kept, removed, case = duplicate_pair
    kept_id, removed_id = kept.id, removed.id
    assert [n.id for n in merge.candidates(agent, kept)] == [removed_id]
    old_name_blob = removed.family_name_ct
    step = case.step("social_assessment")
    old_note_blob = step.note_ct
    record = merge.merge_files(agent, kept, removed)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Newcomer, removed_id) is None
    assert person_rows(removed_id) == {}
    case = db.session.get(Case, case.id)
    assert case.person_id == kept_id
    assert record.moved["cases"] == 1 and record.moved["dispensations"] == 1 and record.moved["documents"] == 1
    assert record.moved["steps"] == len(case.steps)
    assert db.session.scalar(select(func.count()).select_from(MergeRecord)) == 1
    # Every moved row decrypts under the kept person (fields re-bound to the kept id).
    with access(agent, "test", [kept_id]):
        assert case.step("social_assessment").note == "Suivi logement"
        document = db.session.scalar(select(EvidenceDocument))
        assert document.person_id == kept_id and document.content == PDF.content
        assert db.session.scalar(select(Dispensation)).reason == "work"
        notes = [e.action for e in case.timeline]
    assert notes[-1] == "case.merge"
    assert all(s.person_id == kept_id for s in db.session.scalars(select(StepInstance)))
    assert all(e.person_id == kept_id for e in db.session.scalars(select(TimelineEntry)))
    # The removed person's key is destroyed: its old ciphertexts cannot be decrypted any more.
    assert keys.is_person_key_destroyed(removed_id)
    assert erasure.remains(removed_id) == {"live_key": 0, "ciphertext_rows": 0, "index_entries": 0}
    for blob in (old_name_blob, old_note_blob):
        with pytest.raises(KeyDestroyedError):
            keys.cipher(removed_id, crypto.field_key_version(blob), {})
    actions = set(db.session.scalars(select(AuditRecord.action).where(AuditRecord.purpose == "person.merge")))
    assert {"update", "merge", "erase"} <= actions


def test_refused_when_both_files_have_an_active_case(agent, duplicate_pair):
    kept, removed, _case = duplicate_pair
    services.open_case(agent, kept)
    db.session.commit()
    with pytest.raises(PathwayError, match="Both files have an active case: close the one"):
        merge.merge_files(agent, kept, removed)
    db.session.rollback()
    assert db.session.get(Newcomer, removed.id) is not None and keys.has_person_key(removed.id)


def test_same_file_and_outsiders_get_404(agent, other_agent, make_user, duplicate_pair):
    kept, removed, _case = duplicate_pair
    for user, first, second in (
        (agent, kept, kept),
        (other_agent, kept, removed),
        (make_user(Role.OPERATOR), kept, removed),
    ):
        with pytest.raises(NotFound):
            merge.merge_files(user, first, second)
        with pytest.raises(NotFound):
            merge.compare(user, first, second)
    assert merge.candidates(other_agent, kept) == []


def test_the_centres_coordinator_may_merge_files_of_two_offices(agent, other_agent, make_user, org, duplicate_pair):
    kept, removed, case = duplicate_pair
    admin = make_user(Role.ADMIN, centre_id=org["centre"].id)
    first, second = merge.compare(admin, kept, removed)
    assert first["family_name"] == second["family_name"] == "Diallo" and second["active"] and not first["active"]
    merge.merge_files(admin, removed, kept)  # the coordinator keeps the file with the case
    db.session.commit()
    assert db.session.get(Newcomer, kept.id) is None
    assert db.session.get(Case, case.id).person_id == removed.id


def test_a_file_that_absorbed_another_can_itself_be_merged(agent, register):
    same = {"family_name": "Diallo", "given_names": "Mariama", "date_of_birth": date(1990, 1, 2)}
    first, second, third = register(**same), register(**same), register(**same)
    merge.merge_files(agent, second, first)
    db.session.commit()
    merge.merge_files(agent, third, second)
    db.session.commit()
    records = db.session.scalars(select(MergeRecord).order_by(MergeRecord.merged_at)).all()
    assert [r.kept_person_id for r in records] == [third.id, third.id]
    assert [r.removed_person_id for r in records] == [first.id, second.id]
    assert db.session.scalar(select(func.count()).select_from(Newcomer)) == 1
