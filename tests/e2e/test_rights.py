"""Data-subject rights journey (browser): the DPO (admin) records an access request, produces the
export and downloads it after typing the password again; the register flags the overdue demo
request; the records of processing and the printable notice pass axe-core."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.rights.models import ExportFile
from tests.e2e.harness import DEMO_PASSWORD, Pages

pytestmark = pytest.mark.e2e


def _a_demo_person(app) -> tuple[str, str, str, str]:
    """Id, family name, given names and ISO birth date of a demo newcomer (read as the test)."""
    with app.app_context():
        person = db.session.scalars(select(Newcomer).order_by(Newcomer.created_at.desc())).first()
        with access(Actor.system("e2e"), "test.read", [person.id]):
            return str(person.id), person.family_name, person.given_names, person.date_of_birth.isoformat()


def test_admin_records_an_access_request_and_downloads_the_export(pages: Pages, tmp_path) -> None:
    person_id, family, given, born = _a_demo_person(pages.server.app)
    pages.login("admin")
    page = pages.page

    pages.goto("/admin/privacy/requests/")
    assert page.get_by_test_id("overdue-banner").is_visible()
    assert page.get_by_test_id("overdue").count() >= 1
    pages.screenshot("rights-register")
    pages.check_accessibility("rights register")

    with page.expect_navigation():
        page.locator("main a[href='/admin/privacy/requests/new']").click()
    page.locator("#find-family_name").fill(family)
    page.locator("#find-date_of_birth").fill(born)
    with page.expect_navigation():
        page.locator("form:has(input[name=step][value=find]) button[type=submit]").click()
    assert person_id not in page.url and family not in page.url  # the search went in the POST body
    pages.screenshot("rights-new-request-found")
    pages.check_accessibility("rights new request")
    page.locator(f"input[name='req-person_id'][value='{person_id}']").check()
    page.locator("#req-kind").select_option("access")
    with page.expect_navigation():
        page.locator("form:has(input[name=step][value=record]) button[type=submit]").click()
    assert "/admin/privacy/requests/" in page.url
    assert family.upper() in page.get_by_test_id("person").inner_text()  # "NOM, Prénom"
    pages.screenshot("rights-request")
    pages.check_accessibility("rights request")

    with page.expect_navigation():
        page.locator("form[action$='/export'] button[type=submit]").click()
    pages.screenshot("rights-export-ready")
    pages.check_accessibility("rights export ready")

    page.get_by_test_id("download-json").click()
    page.wait_for_load_state()
    assert page.locator("input[name=password]").is_visible()
    pages.screenshot("rights-download-password")
    pages.check_accessibility("rights download password")
    page.locator("input[name=password]").fill("not my password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".field-error").is_visible()
    pages.screenshot("rights-download-wrong-password")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_download() as download:
        page.locator("main form button[type=submit]").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["person_id"] == person_id
    assert document["data"]["pathway"]["file"]["family_name"] == family
    assert document["accesses"]

    pages.goto(pages.path)  # the same download page again: gone after one download
    assert page.locator("input[name=password]").count() == 0
    pages.screenshot("rights-download-once")

    with pages.server.app.app_context():
        pdf_id = db.session.scalar(select(ExportFile.id).where(ExportFile.format == "pdf"))
    pages.goto(f"/admin/privacy/exports/{pdf_id}")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_download() as download:
        page.locator("main form button[type=submit]").click()
    saved_pdf = tmp_path / "export.pdf"
    download.value.save_as(saved_pdf)
    text = " ".join(p.extract_text() for p in PdfReader(saved_pdf).pages)
    assert family in text and given in text

    for path, name in (("/admin/privacy/records", "rights-records"), ("/admin/privacy/notice/", "rights-notice-admin"),
                       ("/privacy/notice?lang=nl", "rights-notice-nl")):  # fmt: skip
        assert pages.goto(path).status == 200
        pages.screenshot(name)
        pages.check_accessibility(name)


def test_agent_records_the_privacy_notice_given_on_the_person_page(pages: Pages) -> None:
    person_id, _family, _given, _born = _a_demo_person(pages.server.app)
    pages.login("agent")
    page = pages.page
    assert pages.goto(f"/newcomers/{person_id}").status == 200
    panel = page.get_by_test_id("notice-panel")
    assert panel.is_visible()
    panel.locator("select[name='notice-language']").select_option("nl")
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    assert "Nederlands" in page.get_by_test_id("notice-panel").inner_text()
    pages.screenshot("rights-notice-given")
    pages.check_accessibility("person page with the notice panel")
    with page.expect_navigation():
        page.get_by_test_id("notice-panel").locator("a").first.click()
    assert page.get_by_test_id("notice-text").is_visible()
    pages.screenshot("rights-notice-print")
    pages.check_accessibility("printable notice")
