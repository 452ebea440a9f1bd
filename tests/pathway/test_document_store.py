"""The document store (``privacy.blobs``): a document's content is one sealed file, referenced by its
row; files follow the transaction (rollback, replacement, erasure, merge), a moved file does not
open, rows sealed inline before the store are still read, backups carry the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from integration_centre.accounts.models import User
from integration_centre.extensions import db
from integration_centre.pathway import merge, services
from integration_centre.pathway.models import EvidenceDocument
from integration_centre.pathway.services import UploadedDocument
from integration_centre.privacy import backup, blobs, erasure
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.privacy.errors import DecryptionError
from integration_centre.privacy.fields import EncryptedField

PDF = b"%PDF-1.7\n" + b"Zorblattcontentquux " * 200


def _files(app) -> list[Path]:
    return sorted(Path(app.config["DOCUMENTS_DIR"]).glob("*/*.sealed"))


def _store(agent, newcomer, content=PDF, name="preuve.pdf"):
    return services.store_document(agent, newcomer, UploadedDocument(name, None, content), "diploma")


def test_the_row_holds_a_reference_and_the_file_is_sealed(app, agent, register):
    newcomer = register()
    stored = _store(agent, newcomer)
    db.session.commit()
    stored_id = stored.id
    reference = db.session.scalar(select(EvidenceDocument.content_ct).where(EvidenceDocument.id == stored_id))
    assert blobs.is_reference(reference) and len(reference) == 17
    [path] = _files(app)
    assert path == blobs.path_of(reference) and path.stat().st_mode & 0o077 == 0
    sealed = path.read_bytes()
    assert b"Zorblatt" not in sealed and len(sealed) == len(PDF) + 6 + 12 + 16  # header, nonce, tag
    db.session.expire_all()
    assert services.read_document(agent, db.session.get(EvidenceDocument, stored_id)).content == PDF


def test_a_rolled_back_upload_leaves_no_file(app, agent, register):
    newcomer = register()
    db.session.commit()
    _store(agent, newcomer)
    assert len(_files(app)) == 1  # written before the commit...
    db.session.rollback()
    assert _files(app) == []  # ...and gone with the transaction
    assert db.session.scalars(select(EvidenceDocument)).all() == []


def test_a_file_moved_to_another_row_does_not_open(app, agent, register):
    newcomer = register()
    first, second = _store(agent, newcomer), _store(agent, newcomer, PDF + b"second", "autre.pdf")
    db.session.commit()
    second_id = second.id
    shutil.copyfile(blobs.path_of(first.content_ct), blobs.path_of(second.content_ct))
    db.session.expire_all()
    with pytest.raises(DecryptionError):
        services.read_document(agent, db.session.get(EvidenceDocument, second_id))


def test_a_missing_file_is_a_decryption_error_not_an_empty_document(app, agent, register):
    stored = _store(agent, register())
    db.session.commit()
    stored_id = stored.id
    blobs.path_of(stored.content_ct).unlink()
    db.session.expire_all()
    with pytest.raises(DecryptionError):
        services.read_document(agent, db.session.get(EvidenceDocument, stored_id))


def test_erasure_deletes_the_files_once_committed(app, agent, register):
    erased, kept = register(), register(family_name="Other")
    _store(agent, erased)
    _store(agent, kept, PDF + b"kept", "autre.pdf")
    db.session.commit()
    assert len(_files(app)) == 2
    erasure.erase_person(erased.id, actor=Actor.system("test"))
    assert len(_files(app)) == 2  # nothing deleted before the commit
    db.session.commit()
    [left] = _files(app)
    kept_row = db.session.scalars(select(EvidenceDocument).where(EvidenceDocument.person_id == kept.id)).one()
    assert left == blobs.path_of(kept_row.content_ct)


def test_a_merge_reseals_the_document_under_the_kept_person(app, agent, register):
    kept, removed = register(), register(given_names="Omar Ali")
    stored = _store(agent, removed)
    db.session.commit()
    stored_id, kept_id = stored.id, kept.id
    old_path = blobs.path_of(stored.content_ct)
    merge.merge_files(agent, kept, removed)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(EvidenceDocument, stored_id)
    assert row.person_id == kept_id and not old_path.exists()
    assert _files(app) == [blobs.path_of(row.content_ct)]
    assert services.read_document(agent, row).content == PDF


def test_a_row_sealed_inline_before_the_store_is_still_read(app, agent, register):
    newcomer = register()
    stored = _store(agent, newcomer)
    db.session.commit()
    inline = EncryptedField("bytes", column="content_ct")
    inline.__set_name__(EvidenceDocument, "content")
    with access(Actor.system("test"), "test.legacy", [newcomer.id], action="update"):
        inline.__set__(stored, PDF + b"inline")  # what 0009's rows hold: the ciphertext in the row
    db.session.commit()
    assert not blobs.is_reference(stored.content_ct)
    stored_id = stored.id
    db.session.expire_all()
    assert services.read_document(agent, db.session.get(EvidenceDocument, stored_id)).content == PDF + b"inline"


def test_a_backup_carries_the_files_and_a_restore_brings_them_back(app, agent, register, tmp_path):
    stored = _store(agent, register())
    db.session.commit()
    stored_id, agent_id = stored.id, agent.id
    target = backup.create(tmp_path / "with-documents.bak")
    assert [p.name for p in backup.documents_of(target).glob("*/*.sealed")] == [p.name for p in _files(app)]
    path = blobs.path_of(stored.content_ct)
    path.unlink()
    orphan = blobs.path_of(blobs.REFERENCE_MAGIC + b"\x01" * 16)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    backup.restore(target, actor=Actor.system("test"))
    assert path.exists() and not orphan.exists()
    agent = db.session.get(User, agent_id)  # the restore ended the session
    assert services.read_document(agent, db.session.get(EvidenceDocument, stored_id)).content == PDF
