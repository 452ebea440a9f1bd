"""Rectification with its encrypted history, the privacy notice (versions, languages, given at
registration) and the records of processing generated from configuration."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import select, text

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway.models import Newcomer
from integration_centre.privacy import audit, blind_index, restrictions
from integration_centre.privacy.access import access
from integration_centre.privacy.models import AuditRecord
from integration_centre.rights import notice, records, rectification
from integration_centre.rights.models import NoticeGiven, RectificationEntry
from integration_centre.rights.requests import RequestInvalid
from tests.conftest import csrf_token_from

TEXTS = {
    "fr": {"title": "Protection de vos données", "body": "Le centre traite vos données pour le parcours."},
    "en": {"title": "Protecting your data", "body": "The centre processes your data for the pathway."},
    "nl": {"title": "Bescherming van uw gegevens", "body": "Het centrum verwerkt uw gegevens voor het traject."},
}


def test_rectification_keeps_the_previous_value_encrypted_and_reindexes(admin, agent, register, record):
    person = register()
    item = record(person.id, "rectification")
    entry = rectification.rectify(admin, person.id, "family_name", "Al-Hassani", request=item)
    db.session.commit()

    with access(agent, "test.read", [person.id]):
        assert db.session.get(Newcomer, person.id).family_name == "Al-Hassani"
    raw = db.session.execute(text("SELECT previous_value_ct FROM privacy_rectification")).scalar_one()
    assert b"Al-Hassan" not in raw
    assert rectification.history(admin, person.id) == [
        {"field": "family_name", "at": entry.rectified_at, "previous": "Al-Hassan", "new": "Al-Hassani"}]  # fmt: skip
    found = blind_index.search(Newcomer, lambda r: r.family_name == "Al-Hassani", actor=agent, purpose="test",
                               family_name="al hassani", birth_date=date(1995, 3, 14))  # fmt: skip
    assert [r.id for r in found] == [person.id]
    assert "rectify" in {r.action for r in db.session.scalars(select(AuditRecord).where(
        AuditRecord.object_id == str(person.id)))}  # fmt: skip
    assert audit.verify_chain().ok


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", (date.today() + timedelta(days=3)).isoformat(), "The date of birth cannot be in the future."),
        ("date_of_birth", "14/03/1995", "Enter a date such as 2026-03-31."),
        ("nationality", "ZZ", "Choose a nationality from the list."),
        ("family_name", "Al-Hassan", "The new value is the same as the current one."),
        ("family_name", "", "Enter the family name."),
        ("created_at", "2020-01-01", "Choose the field to rectify."),
    ],
)
def test_rectification_refuses_bad_values_and_changes_nothing(admin, agent, register, field, value, message):
    person = register()
    with pytest.raises(RequestInvalid) as refused:
        rectification.rectify(admin, person.id, field, value)
    assert message in refused.value.errors.values()
    db.session.rollback()
    assert db.session.scalar(select(RectificationEntry.id)) is None
    with access(agent, "test.read", [person.id]):
        assert db.session.get(Newcomer, person.id).date_of_birth == date(1995, 3, 14)


def test_notice_versions_need_french_english_and_dutch(admin):
    with pytest.raises(RequestInvalid) as refused:
        notice.publish(admin, {"fr": TEXTS["fr"], "en": TEXTS["en"]})
    assert set(refused.value.errors) == {"nl_body"}
    first = notice.publish(admin, TEXTS)
    second = notice.publish(admin, {**TEXTS, "de": {"title": "Datenschutz", "body": "Das Zentrum..."}}, "German added")
    db.session.commit()
    assert (first.version, second.version) == (1, 2) and notice.current().version == 2
    assert notice.text_of(second, "de")[1]["title"] == "Datenschutz"
    assert notice.text_of(first, "de") == ("fr", TEXTS["fr"])  # falls back to French
    assert first.texts == TEXTS  # an old version is never changed


def test_notice_page_printable_in_three_languages(login_as, admin):
    notice.publish(admin, TEXTS)
    db.session.commit()
    client, _agent = login_as(Role.AGENT)
    for language, part in TEXTS.items():
        html = client.get(f"/privacy/notice?lang={language}").get_data(as_text=True)
        assert part["title"] in html and part["body"] in html and f'lang="{language}"' in html
        assert "css/rights.css" in html  # the print stylesheet
    response = client.get("/static/css/rights.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "@media print" in css and ".no-print" in css


def test_admin_publishes_a_notice_through_the_form(login_as):
    client, _admin = login_as(Role.ADMIN)
    page = client.get("/admin/privacy/notice/").get_data(as_text=True)
    assert "No version published yet" in page
    form = {"csrf_token": csrf_token_from(page)}
    for language, part in TEXTS.items():
        form |= {f"{language}_title": part["title"], f"{language}_body": part["body"]}
    missing = client.post("/admin/privacy/notice/", data={**form, "nl_body": ""})
    assert missing.status_code == 200 and notice.current() is None
    assert client.post("/admin/privacy/notice/", data=form).status_code == 302
    assert notice.current().texts["nl"] == TEXTS["nl"]


def test_agent_records_the_notice_given_from_the_person_page(login_as, admin, org, register):
    notice.publish(admin, TEXTS)
    db.session.commit()
    person = register()
    client, agent = login_as(Role.AGENT)
    page = client.get(f"/newcomers/{person.id}").get_data(as_text=True)
    assert 'data-testid="notice-panel"' in page and "has not been recorded as given" in page
    token = csrf_token_from(page)
    form = {"csrf_token": token, "notice-language": "nl", "notice-given_on": "2026-11-02", "notice-version": "1"}
    assert client.post(f"/privacy/notice-given/{person.id}", data=form).status_code == 302
    page = client.get(f"/newcomers/{person.id}").get_data(as_text=True)
    assert "Version 1 given on" in page and "Nederlands" in page
    row = db.session.scalar(select(NoticeGiven))
    assert row.given_on == date(2026, 11, 2) and row.notice_version == 1 and b"nl" not in (row.language_ct or b"")
    assert notice.given_to(agent, person.id)[0]["language"] == "nl"

    future = client.post(f"/privacy/notice-given/{person.id}", data={**form, "notice-given_on": "2099-01-01"})
    assert future.status_code == 302
    assert db.session.scalar(select(NoticeGiven.id).where(NoticeGiven.id != row.id)) is None

    restrictions.restrict(person.id, actor=admin)
    db.session.commit()
    assert client.post(f"/privacy/notice-given/{person.id}", data=form).status_code == 302
    assert len(db.session.scalars(select(NoticeGiven)).all()) == 1  # a restricted file is read-only

    other_client, _other = login_as(Role.AGENT, office_id=org["other_office"].id)
    assert other_client.post(f"/privacy/notice-given/{person.id}", data=form).status_code == 404


def test_records_page_shows_purposes_legal_bases_recipients_and_retention(app, login_as):
    app.config["RETENTION_CLOSED_CASE_YEARS"] = 30
    client, _admin = login_as(Role.ADMIN)
    html = client.get("/admin/privacy/records").get_data(as_text=True)
    for purpose in records.purposes("en"):
        assert purpose.name in html and purpose.legal_basis_article in html
    assert "No transfer of data outside the European Union." in html
    assert "Approved operators" in html and "Municipalities" in html and "CPAS" in html
    assert "30 years" in html  # the configured period, not a copy of it
    assert "Audit log" in html
    assert "Field-level encryption" in html


def test_records_configuration_refuses_a_purpose_without_legal_basis():
    data = yaml.safe_load(records.CONFIG_PATH.read_text(encoding="utf-8"))
    records.check(data)
    broken = copy.deepcopy(data)
    del broken["purposes"][0]["legal_basis"]["article"]
    with pytest.raises(ValueError, match="legal basis"):
        records.check(broken)
    broken = copy.deepcopy(data)
    broken["purposes"][0]["recipients"].append("police")
    with pytest.raises(ValueError, match="unknown recipient"):
        records.check(broken)
