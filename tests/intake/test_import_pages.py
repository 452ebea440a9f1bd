"""The import pages with the real test client and database: upload → columns → dry run →
confirm; another office's import is 404; the uploaded list is never on disk in clear."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.intake import staging, uploads
from integration_centre.intake.models import ImportMapping, ImportUpload
from integration_centre.pathway.models import Newcomer
from tests.intake.conftest import CREATED, PERSONAL, ROWS, csv_bytes, niss_for

UPLOAD_RE = re.compile(r"/imports/([0-9a-f-]{36})/columns")


def upload_list(client, content: bytes, name: str = "list.csv", preset: str = "") -> str:
    """Upload ``content`` through the page; returns the upload's id."""
    response = client.post(
        "/imports/",
        data={"file": (io.BytesIO(content), name), "preset": preset},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    match = UPLOAD_RE.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def post_columns(client, upload_id: str, save_as: str = "") -> None:
    """Keep the detected columns and run the dry run."""
    page = client.get(f"/imports/{upload_id}/columns")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {"save_as": save_as}
    for index in range(12):
        selected = re.search(
            rf'<select[^>]*name="column_{index}"[^>]*>.*?<option selected value="([^"]*)"', html, re.S
        ) or re.search(rf'<select[^>]*name="column_{index}"[^>]*>.*?<option value="([^"]*)" selected', html, re.S)
        data[f"column_{index}"] = selected.group(1) if selected else ""
    response = client.post(f"/imports/{upload_id}/columns", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/imports/{upload_id}")


def newcomers() -> int:
    return db.session.scalar(select(func.count()).select_from(Newcomer))


def test_upload_columns_dry_run_confirm_as_an_agent(app, login_as, existing):
    client, _agent = login_as(Role.AGENT)
    assert "/imports/" in client.get("/agent").get_data(as_text=True)  # the navigation entry
    upload_id = upload_list(client, csv_bytes(ROWS))
    columns_page = client.get(f"/imports/{upload_id}/columns").get_data(as_text=True)
    assert "Nom" in columns_page and 'value="family_name"' in columns_page
    post_columns(client, upload_id, save_as="Liste de Namur")
    before = newcomers()

    report = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert "Dry-run report" in report
    assert re.search(r'data-testid="created">\s*3\s*<', report)
    for line in (4, 5, 9):  # errors, with their column
        assert re.search(rf"<td>{line}</td>\s*<td>[^<]+</td>", report)
    assert "Probable duplicate" in report  # lines 6 and 7
    for value in PERSONAL:
        assert value not in report, value
    assert newcomers() == before  # a dry run writes no file
    assert db.session.scalar(select(ImportMapping.name)) == "Liste de Namur"

    response = client.post(f"/imports/{upload_id}/confirm")
    assert response.status_code == 302
    db.session.expire_all()
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "completed" and upload.run.rows_created == len(CREATED)
    assert newcomers() == before + len(CREATED)
    assert upload.wrapped_key is None and not staging.path_of(upload).exists()  # the file is gone
    done = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert "Files created" in done
    listing = client.get("/imports/").get_data(as_text=True)
    assert "list.csv" in listing and 'data-status="completed"' in listing
    state = client.get(f"/imports/{upload_id}/status.json").get_json()
    assert state["status"] == "completed" and state["created"] == len(CREATED) and state["finished"]


def test_another_offices_import_is_404(app, login_as, org):
    client, _agent = login_as(Role.AGENT)
    upload_id = upload_list(client, csv_bytes(ROWS))
    other, _other_agent = login_as(Role.AGENT, office_id=org["other_office"].id)
    for url in ("", "/columns", "/status.json"):
        assert other.get(f"/imports/{upload_id}{url}").status_code == 404
    for url in ("/confirm", "/abandon", "/preset", "/columns"):
        assert other.post(f"/imports/{upload_id}{url}").status_code == 404
    assert upload_id not in other.get("/imports/").get_data(as_text=True)


def test_a_preset_prefills_the_columns(app, login_as, org):
    client, _agent = login_as(Role.AGENT)
    preset = ImportMapping(office_id=org["office"].id, name="Odd", columns={"nom": "", "prenom": "family_name"})
    db.session.add(preset)
    db.session.commit()
    upload_id = upload_list(client, csv_bytes(ROWS), preset=str(preset.id))
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.columns[0] == {"header": "Nom", "field": ""}
    assert upload.columns[1] == {"header": "Prénom", "field": "family_name"}


def test_a_refused_file_says_why_and_keeps_nothing(app, login_as):
    client, _agent = login_as(Role.AGENT)
    response = client.post(
        "/imports/", data={"file": (io.BytesIO(b"\x00\x01binary"), "list.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "binary data" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


MARKER = "Qzxwmarkerfamily"


def test_the_uploaded_list_is_never_on_disk_in_clear(app, login_as):
    client, _agent = login_as(Role.AGENT)
    rows = dict(ROWS)
    rows[2] = [MARKER, *ROWS[2][1:]]
    niss = niss_for(date(1995, 3, 14), 2)
    upload_id = upload_list(client, csv_bytes(rows))
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    sealed_file = staging.path_of(upload)
    assert sealed_file.exists()
    instance = Path(app.instance_path)
    needles = [MARKER.encode(), niss.encode(), MARKER.encode("utf-16-le"), b"list.csv"]
    scanned = 0
    for path in instance.rglob("*"):
        if path.is_file():
            scanned += 1
            content = path.read_bytes()
            for needle in needles:
                assert needle not in content, (path, needle)
    assert scanned >= 1
    # Readable back with the key, in memory only.
    assert MARKER.encode() in staging.open_stream(upload).getvalue()
    client.post(f"/imports/{upload_id}/abandon")
    db.session.expire_all()
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "abandoned" and not sealed_file.exists() and upload.wrapped_key is None


def test_stale_uploads_are_abandoned_by_the_sweep(app, login_as):
    from datetime import timedelta

    from integration_centre.clock import utcnow

    client, _agent = login_as(Role.AGENT)
    upload_id = upload_list(client, csv_bytes(ROWS))
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    path = staging.path_of(upload)
    stray = staging.store_dir() / ("ab" * 16 + staging.SUFFIX)
    stray.write_bytes(b"x")
    import os

    os.utime(stray, (0, 0))
    assert uploads.sweep(utcnow() + timedelta(hours=1)) == 1  # the stray file only
    assert path.exists() and not stray.exists()
    assert uploads.sweep(utcnow() + timedelta(hours=25)) == 1
    db.session.expire_all()
    assert db.session.get(ImportUpload, uuid.UUID(upload_id)).status == "abandoned" and not path.exists()


def test_a_list_larger_than_a_document_is_accepted_on_the_import_page_only(app, login_as):
    client, _agent = login_as(Role.AGENT)
    content = csv_bytes(ROWS)
    app.config["MAX_CONTENT_LENGTH"] = len(content) // 2  # the document limit, smaller than the list
    upload_list(client, content)  # accepted: the import's own limit (MAX_IMPORT_MB) applies
    big = {"locale": "x" * len(content)}
    assert client.post("/language", data=big).status_code == 413  # elsewhere the usual limit
    app.config["MAX_IMPORT_BYTES"] = 10
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path="/imports/", method="POST", data={"file": (io.BytesIO(content * 3000), "list.csv")})
    environ = builder.get_environ()  # a body over 500 kB: Werkzeug's test client spools it to a file
    try:
        response = client.open(environ)
        assert response.status_code == 413
        response.close()
    finally:
        environ["wsgi.input"].close()
        builder.close()


def test_the_dry_run_report_is_paginated(app, login_as, monkeypatch):
    from integration_centre.intake import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client, _agent = login_as(Role.AGENT)
    upload_id = upload_list(client, csv_bytes(ROWS))
    post_columns(client, upload_id)
    first = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    pages = int(re.search(r"Page 1 of (\d+)", first).group(1))
    count = int(re.search(r"Rows to look at \((\d+)\)", first).group(1))
    assert pages == -(-count // 2) >= 2
    assert first.count("<tr>") == 1 + 2  # the header row and one page of issues
    assert "<td>4</td>" in first and "<td>9</td>" not in first  # in line order
    last = client.get(f"/imports/{upload_id}?page={pages}").get_data(as_text=True)
    assert f"Page {pages} of {pages}" in last and "<td>9</td>" in last
    assert "Page 1 of" in client.get(f"/imports/{upload_id}?page=x").get_data(as_text=True)


def test_columns_missing_a_required_field_are_refused_at_once(app, login_as):
    client, _agent = login_as(Role.AGENT)
    upload_id = upload_list(client, csv_bytes(ROWS))
    response = client.post(f"/imports/{upload_id}/columns", data={"column_0": "family_name"}, follow_redirects=True)
    assert "Columns missing for" in response.get_data(as_text=True)
    assert db.session.get(ImportUpload, uuid.UUID(upload_id)).status == "uploaded"
    twice = {"column_0": "family_name", "column_1": "family_name"}
    page = client.post(f"/imports/{upload_id}/columns", data=twice).get_data(as_text=True)
    assert "Two columns feed the same field" in page


def test_a_file_found_unreadable_by_the_workers_dry_run_is_said_on_the_columns_page(app, login_as, monkeypatch):
    from integration_centre.intake.errors import ImportRefused
    from integration_centre.jobs.models import Job
    from integration_centre.worker import Worker

    client, _agent = login_as(Role.AGENT)
    app.config.update(IMPORT_INLINE_ROWS=3, IMPORT_BATCH_SIZE=2)
    upload_id = upload_list(client, csv_bytes(ROWS))
    post_columns(client, upload_id)  # a long list: the worker checks its rows
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "checking"
    staging.path_of(upload).unlink()  # the sealed file is gone: the dry run cannot read it
    assert Worker().round().jobs_failed == 1
    db.session.expire_all()
    upload = db.session.get(ImportUpload, uuid.UUID(upload_id))
    assert upload.status == "uploaded" and db.session.get(Job, upload.job_id).error == "import_refused_gone"
    response = client.get(f"/imports/{upload_id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == f"/imports/{upload_id}/columns"
    assert 'data-testid="dry-run-refused"' in page
    assert "The check of the rows stopped: the uploaded file is no longer kept." in page
    assert "Reason code: gone" in page

    # A badly quoted list: its own reason; a new check of the columns no longer says the old one.
    def refuse(*args, **kwargs):
        raise ImportRefused("The file is not a readable list (a cell is too long or badly quoted).", "csv")

    upload_id = upload_list(client, csv_bytes(ROWS), name="other.csv")
    monkeypatch.setattr(uploads, "run_import", refuse)
    post_columns(client, upload_id)
    Worker().round()
    page = client.get(f"/imports/{upload_id}/columns").get_data(as_text=True)
    assert "a cell is too long or badly quoted" in page and "Reason code: csv" in page
    monkeypatch.undo()
    post_columns(client, upload_id)  # checked again (queued): the refusal is no longer shown
    db.session.expire_all()
    assert uploads.dry_run_refusal(db.session.get(ImportUpload, uuid.UUID(upload_id))) is None
