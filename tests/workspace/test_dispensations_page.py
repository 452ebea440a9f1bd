"""The case page's dispensations (issue 16): record one with its evidence, see it, download it
(audited, attachment, nosniff, no-store), revoke it; refused uploads store nothing; uploads never
touch the disk; a too-large request gets the 413 page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.eligibility import Status
from integration_centre.pathway.models import Dispensation, EvidenceDocument, TimelineEntry
from integration_centre.privacy.models import AuditRecord
from tests.accounts.helpers import fr, page_text
from tests.conftest import login

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MB = 1024 * 1024


def _count(model=EvidenceDocument) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _record(client, case, *, filename="certificat-medical.pdf", content=PDF, reason="medical", **extra):
    data = {"reason": reason, "start_date": "2025-04-01", "end_date": "", "note": "", "version": str(case.version)}
    if filename is not None:
        data["document"] = FileStorage(io.BytesIO(content), filename=filename, content_type="application/pdf")
    data.update(extra)
    # Encoded in memory (the test client would spool a large body to a temporary file of its own).
    boundary, body = encode_multipart(data)
    return client.post(
        f"/cases/{case.id}/dispensations/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_record_a_medical_dispensation_see_it_and_download_it(app, agent, agent_client, open_case):
    case = open_case()
    assert pathway.eligibility_for(agent, case.person, case=case).status == Status.OBLIGED
    form = page_text(agent_client.get(f"/cases/{case.id}/dispensations/new"))
    assert 'enctype="multipart/form-data"' in form and "CWASS" in form
    response = _record(agent_client, case, note="Suivi hospitalier")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}#dispensations")
    dispensation = db.session.scalars(select(Dispensation)).one()
    document = db.session.scalars(select(EvidenceDocument)).one()
    assert document.dispensation_id == dispensation.id and document.case_id == case.id
    assert document.kind == "special_category" and document.size_bytes == len(PDF)
    assert pathway.eligibility_for(agent, case.person, case=case).status == Status.DISPENSED
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    panel = page.split('data-testid="dispensations"')[1].split("</section>")[0]
    label = pathway.definition_of(case).dispensation_reason("medical").labels["fr"]
    assert label in panel and "CWASS" in panel and "certificat-medical.pdf" in panel
    assert fr("In force") in panel and fr("Revoke") in panel
    assert label in page.split('data-testid="eligibility"')[1].split("</p>")[0]  # the explanation names it
    download = agent_client.get(f"/cases/{case.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    audited = db.session.scalars(select(AuditRecord).where(AuditRecord.purpose == "evidence.download")).all()
    assert [(a.actor_id, a.object_id) for a in audited] == [(str(agent.id), str(case.person_id))]


@pytest.mark.parametrize(
    ("filename", "content", "fragment"),
    [
        ("certificat.png", PDF, "ne correspond pas à son contenu"),
        ("certificat.pdf", b"MZ\x90\x00 executable", "Upload a PDF, JPEG or PNG file."),
        ("certificat.pdf", b"", "The uploaded file is empty."),
        ("../certificat.pdf", PDF, "nom du fichier n'est pas accepté"),
        (None, PDF, "This reason requires an evidence document: upload it."),
    ],
    ids=["pdf-renamed-png", "exe-renamed-pdf", "empty", "dot-dot", "missing"],
)
def test_refused_uploads_show_a_message_on_the_field_and_store_nothing(agent_client, open_case, filename, content,
                                                                       fragment):  # fmt: skip
    case = open_case()
    before = (_count(), _count(Dispensation))
    response = _record(agent_client, case, filename=filename, content=content)
    assert response.status_code == 200
    assert fr(fragment) in page_text(response)
    assert 'id="document-error"' in page_text(response)
    assert (_count(), _count(Dispensation)) == before


def test_a_too_large_request_gets_the_413_page_and_stores_nothing(agent_client, open_case):
    case = open_case()
    response = _record(agent_client, case, content=PDF + b"\0" * (11 * MB))
    assert response.status_code == 413
    assert fr("The file or form sent is too large.") in page_text(response)
    assert (_count(), _count(Dispensation)) == (0, 0)


def test_uploads_are_kept_in_memory_never_in_a_temporary_file(app, agent_client, open_case, monkeypatch):
    from werkzeug import formparser

    def no_temporary_file(*args, **kwargs):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(formparser, "SpooledTemporaryFile", no_temporary_file)
    case = open_case()
    big = PDF + b"%" * (3 * MB)  # far above Werkzeug's 500 kB spooling threshold
    assert _record(agent_client, case, content=big).status_code == 302
    assert db.session.scalars(select(EvidenceDocument)).one().size_bytes == len(big)


def test_revoke_after_confirmation_and_the_eligibility_stops_counting_it(agent, agent_client, open_case):
    case = open_case()
    assert _record(agent_client, case).status_code == 302
    dispensation = db.session.scalars(select(Dispensation)).one()
    url = f"/cases/{case.id}/dispensations/{dispensation.id}/revoke"
    confirm = page_text(agent_client.get(url))
    assert "CWASS" in confirm and fr("Revoke the dispensation") in confirm
    refused = agent_client.post(url, data={"note": "", "version": str(case.version)})
    assert refused.status_code == 200 and fr("Say why the dispensation is revoked.") in page_text(refused)
    assert db.session.get(Dispensation, dispensation.id).revoked_at is None
    assert agent_client.post(url, data={"note": "Certificat expiré", "version": str(case.version)}).status_code == 302
    revoked = db.session.get(Dispensation, dispensation.id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == agent.id
    assert pathway.eligibility_for(agent, case.person, case=case).status == Status.OBLIGED
    assert db.session.scalar(select(TimelineEntry).where(TimelineEntry.action == "dispensation.revoke")) is not None
    page = page_text(agent_client.get(f"/cases/{case.id}"))
    assert fr("Dispensation revoked") in page.split('data-testid="timeline"')[1]
    panel = page.split('data-testid="dispensations"')[1].split("</section>")[0]
    assert fr("Revoked on %(date)s", date="").split("%")[0].strip() in panel and fr("In force") not in panel
    assert agent_client.get(url).status_code == 404  # already revoked


def test_operator_admin_and_other_office_get_404_on_the_document(app, agent, agent_client, open_case, make_user, org):
    case = open_case()
    assert _record(agent_client, case).status_code == 302
    document = db.session.scalars(select(EvidenceDocument)).one()
    url = f"/cases/{case.id}/documents/{document.id}"
    for role, fields in (
        (Role.OPERATOR, {}),
        (Role.COMMITTEE, {}),
        (Role.AGENT, {"office_id": org["other_office"].id}),
    ):
        client = app.test_client()
        assert login(client, make_user(role, **fields)).status_code == 302
        assert client.get(url).status_code == 404
        assert client.get(f"/cases/{case.id}/dispensations/new").status_code == 404


def test_the_extension_page_requires_evidence_for_illness(agent_client, open_case):
    case = open_case(permit_order_date=date(2023, 8, 31), on=date(2023, 10, 1))
    page = page_text(agent_client.get(f"/cases/{case.id}/extension"))
    assert 'enctype="multipart/form-data"' in page
    refused = agent_client.post(f"/cases/{case.id}/extension", data={"ground": "illness", "months": "6"})
    assert refused.status_code == 200 and 'id="document-error"' in page_text(refused)
    assert _count() == 0
    data = {"ground": "illness", "months": "6", "document": (io.BytesIO(PDF), "certificat.pdf")}
    response = agent_client.post(f"/cases/{case.id}/extension", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalars(select(EvidenceDocument)).one()
    assert stored.case_id == case.id and stored.kind == "special_category"
