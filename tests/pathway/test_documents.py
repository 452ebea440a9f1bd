"""Evidence documents (issue 16): recognised from their content, refused with a clear message and
nothing stored, sealed at rest (marker scan of the database, its WAL and the instance folder),
every download audited, erased with the person, a medical certificate for the case's office only."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from integration_centre.accounts.models import Role
from integration_centre.config import ConfigurationError, build_flask_config, read_settings
from integration_centre.extensions import db
from integration_centre.pathway import documents, services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Dispensation, EvidenceDocument
from integration_centre.pathway.services import UploadedDocument
from integration_centre.privacy import erasure, subject_data
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.privacy.models import AuditRecord
from tests.privacy.markers import database_bytes, find_markers

MB = 1024 * 1024
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode"


def _config(environ: dict) -> dict:
    resolved = read_settings(environ)
    return build_flask_config(resolved["settings"], resolved["flask"])


def _count(model=EvidenceDocument) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("filename", "content", "fragment"),
    [
        ("certificat.png", PDF_BYTES, "does not match its content"),  # a PDF renamed .png
        ("certificat.pdf", EXE_BYTES, "Upload a PDF, JPEG or PNG file"),  # an executable renamed .pdf
        ("certificat.pdf", b"", "empty"),
        ("certificat.pdf", PDF_BYTES + b"\0" * (11 * MB), "larger than 10 MB"),
        ("../../etc/certificat.pdf", PDF_BYTES, "file name is not accepted"),
        ("dossier/certificat.pdf", PDF_BYTES, "file name is not accepted"),
        ("dossier\\certificat.pdf", PDF_BYTES, "file name is not accepted"),
        ("certif\x07icat.pdf", PDF_BYTES, "file name is not accepted"),
        ("certificat\u202egnp.pdf", PDF_BYTES, "file name is not accepted"),
    ],
    ids=["pdf-renamed-png", "exe-renamed-pdf", "empty", "11MB", "dot-dot", "slash", "backslash", "bell", "rtl"],
)
def test_refused_uploads_store_nothing(agent, started_case, filename, content, fragment):
    case = started_case()
    before = (_count(), _count(Dispensation))
    upload = UploadedDocument(filename, "application/pdf", content)
    with pytest.raises(PathwayError) as error:
        services.store_document(agent, case.person, upload, "other", case=case)
    db.session.rollback()
    assert fragment in error.value.message and "document" in error.value.field_errors
    with pytest.raises(PathwayError) as error:
        services.record_dispensation(agent, case.person, "medical", date(2025, 4, 1), case=case, document=upload)
    db.session.rollback()
    assert fragment in error.value.message
    assert (_count(), _count(Dispensation)) == before


@pytest.mark.parametrize(
    ("filename", "content", "claimed", "recognised"),
    [
        ("diplome.PDF", PDF_BYTES, "image/png", "application/pdf"),
        ("photo.jpg", JPEG_BYTES, "application/pdf", "image/jpeg"),
        ("photo.jpeg", JPEG_BYTES, None, "image/jpeg"),
        ("scan.png", PNG_BYTES, "application/octet-stream", "image/png"),
    ],
    ids=["pdf", "jpg", "jpeg", "png"],
)
def test_the_stored_type_is_the_recognised_one(agent, started_case, filename, content, claimed, recognised):
    case = started_case()
    stored = services.store_document(agent, case.person, UploadedDocument(filename, claimed, content), "diploma")
    db.session.commit()
    assert stored.size_bytes == len(content) and stored.kind == "diploma" and stored.case_id is None
    read = services.read_document(agent, stored)
    assert (read.filename, read.content_type, read.content) == (filename, recognised, content)


def test_the_size_limit_is_a_setting(app, agent, started_case):
    case = started_case()
    app.config["MAX_DOCUMENT_BYTES"] = 1 * MB
    big = UploadedDocument("gros.pdf", None, PDF_BYTES + b"\0" * MB)
    with pytest.raises(PathwayError, match="larger than 1 MB"):
        services.store_document(agent, case.person, big, "other")
    db.session.rollback()
    app.config["MAX_DOCUMENT_BYTES"] = 10 * MB
    services.store_document(agent, case.person, big, "other")
    db.session.commit()
    assert _count() == 1
    # 10 MB by default; the request limit is the document's plus 1 MB for the rest of the form.
    default = _config({})
    assert (default["MAX_DOCUMENT_BYTES"], default["MAX_CONTENT_LENGTH"]) == (10 * MB, 11 * MB)
    larger = _config({"INTEGRATION_CENTRE_MAX_DOCUMENT_MB": "20"})
    assert (larger["MAX_DOCUMENT_BYTES"], larger["MAX_CONTENT_LENGTH"]) == (20 * MB, 21 * MB)
    for wrong in ("0", "101"):
        with pytest.raises(ConfigurationError, match="MAX_DOCUMENT_MB"):
            _config({"INTEGRATION_CENTRE_MAX_DOCUMENT_MB": wrong})


def test_a_stored_document_is_not_in_clear_in_the_database_its_wal_or_the_instance(app, agent, started_case, db_url):
    marker, name_marker = "Zorblattmedicalquux", "Qwyxcertifjunk"
    case = started_case()
    content = PDF_BYTES + f"Patient certificate {marker} serious illness".encode() * 50
    services.record_dispensation(
        agent, case.person, "medical", date(2025, 4, 1), case=case,
        document=UploadedDocument(f"{name_marker}.pdf", "application/pdf", content),
    )  # fmt: skip
    db.session.commit()
    assert services.read_document(agent, db.session.scalars(select(EvidenceDocument)).one()).content == content
    dump = database_bytes(db_url)  # the SQLite file and its -wal (no checkpoint: the WAL holds the row)
    instance = b"".join(p.read_bytes() for p in Path(app.config["INSTANCE_PATH"]).rglob("*") if p.is_file())
    assert len(dump) > 1000
    assert find_markers(dump, [marker, name_marker]) == []
    assert find_markers(instance, [marker, name_marker]) == []
    # The kind of a medical certificate is kept coarse in clear.
    assert db.session.scalars(select(EvidenceDocument.kind)).one() == documents.SPECIAL_CATEGORY


def test_every_download_is_audited(agent, started_case):
    case = started_case()
    stored = services.store_document(agent, case.person, UploadedDocument("c.pdf", None, PDF_BYTES), "work_contract")
    db.session.commit()
    services.read_document(agent, stored)
    db.session.commit()
    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.purpose == "evidence.download")).all()
    assert [(r.actor_id, r.object_id, r.action) for r in rows] == [(str(agent.id), str(case.person_id), "view")]


def test_a_medical_certificate_is_in_the_persons_access_export(agent, started_case):
    case = started_case()
    services.store_document(agent, case.person, UploadedDocument("c.pdf", None, PDF_BYTES), "medical_certificate")
    db.session.commit()
    with access(Actor.system("test"), "rights.export", [case.person_id]):
        part = dict(subject_data.exporters())["pathway"](case.person_id)
    assert [(d["kind"], base64.b64decode(d["content_base64"])) for d in part["documents"]] == [
        ("medical_certificate", PDF_BYTES)
    ]


def test_documents_are_erased_with_the_person_and_are_in_the_access_export(agent, register):
    newcomer = register()  # no case: nothing holds the erasure
    kept = register(family_name="Other")
    services.store_document(agent, newcomer, UploadedDocument("diplome.pdf", None, PDF_BYTES), "diploma")
    services.store_document(agent, kept, UploadedDocument("autre.png", None, PNG_BYTES), "other")
    db.session.commit()
    system = Actor.system("test")
    with access(system, "rights.export", [newcomer.id]):
        part = dict(subject_data.exporters())["pathway"](newcomer.id)
    assert [(d["kind"], d["filename"], d["size_bytes"]) for d in part["documents"]] == [
        ("diploma", "diplome.pdf", len(PDF_BYTES))
    ]
    assert base64.b64decode(part["documents"][0]["content_base64"]) == PDF_BYTES
    erasure.erase_person(newcomer.id, actor=system)
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(EvidenceDocument.person_id == newcomer.id)) == 0
    assert db.session.scalar(select(func.count()).where(EvidenceDocument.person_id == kept.id)) == 1


def test_a_medical_certificate_is_for_the_office_holding_the_case_only(agent, other_agent, make_user, started_case):
    case = started_case()
    medical = services.store_document(
        agent, case.person, UploadedDocument("certificat.pdf", None, PDF_BYTES), "medical_certificate", case=case
    )
    diploma = services.store_document(agent, case.person, UploadedDocument("diplome.pdf", None, PDF_BYTES), "diploma")
    db.session.commit()
    listed = {d["kind"]: d["special_category"] for d in services.documents_of(agent, case.person)}
    assert listed == {"diploma": False, "medical_certificate": True}
    # The case moves to the other office: the registering office still sees the file and the
    # diploma, but no longer the medical certificate; the office now holding the case does.
    case.office_id = other_agent.office_id
    db.session.commit()
    assert [d["kind"] for d in services.documents_of(agent, case.person)] == ["diploma"]
    with pytest.raises(NotFound):
        services.read_document(agent, medical)
    assert services.read_document(agent, diploma).content == PDF_BYTES
    assert services.read_document(other_agent, medical).content == PDF_BYTES
    with pytest.raises(PathwayError, match="office following the person's case"):
        services.store_document(agent, case.person, UploadedDocument("c2.pdf", None, PDF_BYTES), "medical_certificate")
    for role in (Role.ADMIN, Role.OPERATOR, Role.COMMITTEE):
        user = make_user(role)
        for item in (medical, diploma):
            with pytest.raises(NotFound):
                services.read_document(user, item)


def test_unknown_kind_is_refused(agent, started_case):
    case = started_case()
    with pytest.raises(PathwayError, match="what the document proves"):
        services.store_document(agent, case.person, UploadedDocument("c.pdf", None, PDF_BYTES), "passport")
    db.session.rollback()
    assert _count() == 0


def test_read_upload_reads_at_most_one_byte_over_the_limit():
    import io

    from werkzeug.datastructures import FileStorage

    stream = io.BytesIO(b"%PDF-" + b"x" * 100)
    upload = documents.read_upload(FileStorage(stream, filename="a.pdf", content_type="application/pdf"), limit=10)
    assert len(upload.content) == 11 and upload.filename == "a.pdf"
    assert documents.read_upload(FileStorage(io.BytesIO(b""), filename=""), limit=10) is None
