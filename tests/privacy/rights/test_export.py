"""Access and portability export (GDPR Art. 15 and 20): issue 8, acceptance criterion 1 and 6."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import jsonschema
import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.registration import PERSONAL_FIELDS
from integration_centre.privacy import audit
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights import export
from integration_centre.rights.models import ExportFile
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.privacy.rights.conftest import NISS


def _validator():
    return jsonschema.Draft202012Validator(export.schema(), format_checker=jsonschema.FormatChecker())


def _audit_seqs(person_id) -> set[int]:
    query = select(AuditRecord.seq).where(AuditRecord.object_type == "person", AuditRecord.object_id == str(person_id))
    return set(db.session.scalars(query))


def _seed(agent, register, started_case):
    """The person of the export (every field set, a case with steps) and another person."""
    case = started_case(niss=NISS, permit_validity_months=12)
    other = register(family_name="Okonkwo", given_names="Chidi", date_of_birth=date(1988, 7, 2), sex="M",
                     nationality="NG", email="chidi@example.org", phone="+32 471 98 76 54",
                     address="Rue Haute 3, 5000 Namur")  # fmt: skip
    services.open_case(agent, other, on=date(2025, 4, 1))
    db.session.commit()
    person = case.person
    with access(agent, "test.read", [person.id]):
        values = {name: getattr(person, name) for name in PERSONAL_FIELDS}
    return person, other, values


def test_export_holds_every_field_every_access_and_no_other_person(admin, agent, register, started_case, record):
    person, other, values = _seed(agent, register, started_case)
    assert all(values[name] not in (None, [], "") for name in PERSONAL_FIELDS), values
    item = record(person.id, "access")
    before = _audit_seqs(person.id)
    assert before  # registration, case, reads...

    document = export.build(admin, item)
    db.session.commit()

    _validator().validate(document)
    file = document["data"]["pathway"]["file"]
    for name in PERSONAL_FIELDS:
        expected = values[name]
        expected = expected.isoformat() if isinstance(expected, date) else expected
        assert file[name] == expected, name
    assert file["niss"] == NISS
    assert document["data"]["pathway"]["cases"][0]["status"] == "in_progress"
    assert {s["step_code"] for s in document["data"]["pathway"]["cases"][0]["steps"]}
    assert document["data"]["privacy"]["requests"][0]["reference"] == item.reference

    seqs = {a["audit_seq"] for a in document["accesses"]}
    assert before <= seqs  # every access recorded before the export is listed
    assert all(a["actor_role"] and a["at"] for a in document["accesses"])
    agent_rows = [a for a in document["accesses"] if a["actor_role"] == "agent"]
    assert agent_rows and all(a["organisation"] == "Bureau de Namur" for a in agent_rows)
    assert {a["purpose"] for a in agent_rows} >= {"registration"}

    text = json.dumps(document, ensure_ascii=False)
    with access(agent, "test.read", [other.id]):
        other_values = [other.family_name, other.given_names, other.email, other.phone, other.address]
    for marker in [str(other.id), *other_values]:
        assert marker not in text, marker
    assert not _audit_seqs(other.id) & seqs


def test_schema_refuses_a_document_about_two_persons_or_missing_fields(admin, agent, register, started_case, record):
    person, _other, _values = _seed(agent, register, started_case)
    document = export.build(admin, record(person.id, "portability"))
    broken = json.loads(json.dumps(document))
    del broken["accesses"]
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(broken)
    broken = json.loads(json.dumps(document))
    broken["person_id"] = [broken["person_id"], broken["person_id"]]
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(broken)


def test_pdf_in_french_names_the_person_and_the_modules(admin, agent, register, started_case, record):
    person, _other, _values = _seed(agent, register, started_case)
    document = export.build(admin, record(person.id, "access"))
    pdf = export.render_pdf(document, person_name="Al-Hassan, Amira (14/03/1995)", language="fr")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Al-Hassan, Amira" in text
    assert "Nom(s) de famille : Al-Hassan" in text  # French labels
    assert "Vos données personnelles détenues par le centre d'intégration" in text
    assert "Rue de Fer 12" in text
    assert "Modules" in text and "Qui a accédé à vos données" in text
    assert set(document["data"]) >= {"pathway", "privacy"}
    with force_locale("fr"):
        for name in document["data"]:
            assert str(export.MODULE_LABELS[name]) in text, name


def test_http_journey_export_downloaded_once_after_password(app, login_as, agent, register, started_case):
    person, _other, _values = _seed(agent, register, started_case)
    client, _admin = login_as(Role.ADMIN)

    page = client.get("/admin/privacy/requests/new").get_data(as_text=True)
    token = csrf_token_from(page)
    found = client.post("/admin/privacy/requests/new", data={"csrf_token": token, "step": "find", "find-niss": NISS})
    html = found.get_data(as_text=True)
    assert "Al-Hassan, Amira" in html
    form = {"csrf_token": token, "step": "record", "req-person_id": str(person.id), "req-candidates": str(person.id)}
    form |= {"req-kind": "access", "req-received_on": date.today().isoformat(), "req-details": "Lettre du 20/11"}
    created = client.post("/admin/privacy/requests/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)
    detail_url = created.headers["Location"]
    assert NISS not in detail_url and "Hassan" not in detail_url

    produced = client.post(detail_url + "/export", data={"csrf_token": token, "exp-language": "fr"})
    assert produced.status_code == 302
    files = db.session.scalars(select(ExportFile).order_by(ExportFile.format)).all()
    assert [f.format for f in files] == ["json", "pdf"]
    assert all(f.content_ct is not None and b"Hassan" not in f.content_ct for f in files)

    json_url = f"/admin/privacy/exports/{files[0].id}"
    wrong = client.post(json_url, data={"csrf_token": token, "password": "not the password"})
    assert wrong.status_code == 200 and "The password is not correct." in wrong.get_data(as_text=True)
    good = client.post(json_url, data={"csrf_token": token, "password": TEST_PASSWORD})
    assert good.status_code == 200 and good.mimetype == "application/json"
    assert good.headers["Cache-Control"] == "no-store"
    downloaded = json.loads(good.get_data(as_text=True))
    _validator().validate(downloaded)
    assert downloaded["data"]["pathway"]["file"]["family_name"] == "Al-Hassan"

    again = client.post(json_url, data={"csrf_token": token, "password": TEST_PASSWORD})
    assert again.mimetype == "text/html" and "already downloaded" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExportFile, files[0].id).content_ct is None

    pdf = client.post(f"/admin/privacy/exports/{files[1].id}", data={"csrf_token": token, "password": TEST_PASSWORD})
    assert pdf.mimetype == "application/pdf"
    assert "Al-Hassan" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()

    other_client, _other_admin = login_as(Role.ADMIN)
    assert other_client.get(json_url).status_code == 404  # only the admin who produced it

    actions = {(r.action, r.object_type) for r in db.session.scalars(select(AuditRecord))}
    assert {("create", "subject_request"), ("export", "subject_request"), ("download", "export_file"),
            ("export", "person"), ("search", "person")} <= actions  # fmt: skip
    assert audit.verify_chain().ok


def test_reception_records_are_exported_and_unstructured_modules_table_by_table(admin, agent, started_case, record):
    """The social assessment is in the export (reception's exporter); a module without an exporter
    would be exported table by table with its encrypted fields decrypted (generic_sections)."""
    from integration_centre.reception.services import record_assessment

    case = started_case()
    record_assessment(agent, case, {"housing": "Logement provisoire chez un cousin", "notes": "Suivi CPAS"},
                      on=date(2025, 3, 3))  # fmt: skip
    db.session.commit()
    document = export.build(admin, record(case.person_id, "access"))
    _validator().validate(document)
    assessment = document["data"]["reception"]["social_assessments"][0]
    assert assessment["needs"]["housing"]["detail"] == "Logement provisoire chez un cousin"
    assert assessment["notes"] == "Suivi CPAS"

    with access(admin, "rights.access", [case.person_id], action="export"):
        generic = export.generic_sections(case.person_id, skip_packages={"pathway", "privacy"})
    rows = generic["reception"]["reception_assessment"]
    assert rows[0]["housing"]["detail"] == "Logement provisoire chez un cousin" and rows[0]["notes"] == "Suivi CPAS"
    assert all(not key.endswith("_ct") for key in rows[0])


def test_restricted_file_refuses_encrypted_writes_outside_the_rights_purposes(admin, agent, started_case):
    """Enforced in the privacy core too: any package's write to a restricted person's data is refused."""
    from integration_centre.privacy import restrictions
    from integration_centre.privacy.errors import RestrictedError
    from integration_centre.reception.services import record_assessment

    case = started_case()
    restrictions.restrict(case.person_id, actor=admin)
    db.session.commit()
    with pytest.raises((RestrictedError, PathwayError)):
        record_assessment(agent, case, {"housing": "Sans abri"}, on=date(2025, 3, 3))
    db.session.rollback()
    with pytest.raises(RestrictedError), access(agent, "case.note", [case.person_id], action="update"):
        case.person.phone = "+32 470 99 99 99"
    db.session.rollback()
    with access(admin, "rights.rectification", [case.person_id], action="update"):
        case.person.phone = "+32 470 99 99 99"  # the DPO's rectification path stays open
