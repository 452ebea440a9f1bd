"""Network administration: deactivation refused with open work, services feeding the directory,
and every admin form through HTTP (bad input: the error in the field, nothing written)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from integration_centre.accounts import network as accounts_network
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role, User
from integration_centre.extensions import db
from integration_centre.operators import network, services
from integration_centre.operators.models import OperatorProfile, OperatorService
from integration_centre.privacy.models import AuditRecord
from tests.accounts.helpers import page_text

NAMUR, DINANT, LIEGE = "92094", "91034", "62063"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def territory(org):
    org["centre"].territory = [NAMUR, DINANT]
    db.session.commit()


@pytest.fixture
def admin_client(login_as):
    client, _user = login_as(Role.ADMIN)
    return client


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audits() -> int:
    return _count(AuditRecord)


def _field_error(html: str, field_id: str) -> str:
    """The error message shown beside field ``field_id`` (empty when none)."""
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', html, re.S)
    if not match:
        return ""
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()


# --- deactivation ------------------------------------------------------------------------------


def test_office_with_open_cases_and_referrals_cannot_be_deactivated(admin, org, referral):
    with pytest.raises(accounts_network.NetworkRefused) as refused:
        network.deactivate_office(admin, org["office"])
    assert refused.value.message == (
        "It cannot be deactivated: it still has 1 open case and 1 open referral. Close or transfer them first."
    )
    db.session.rollback()
    assert org["office"].is_active


def test_organisation_with_open_referrals_cannot_be_deactivated_http(admin_client, org, referral):
    audits = _audits()
    page = admin_client.get(f"/admin/organisations/{org['operator'].id}/deactivate")
    assert "1 open referral" in page_text(page) and "button-warning" not in page.get_data(as_text=True)
    response = admin_client.post(f"/admin/organisations/{org['operator'].id}/deactivate")
    assert response.status_code == 409 and "1 open referral" in page_text(response)
    db.session.expire_all()
    assert org["operator"].is_active and _audits() == audits


def test_open_cases_are_counted(admin, org, case_ready):
    for _ in range(3):
        case_ready()
    with pytest.raises(accounts_network.NetworkRefused) as refused:
        network.deactivate_office(admin, org["office"])
    assert "3 open cases" in refused.value.message


def test_deactivated_office_and_organisation_are_not_offered(admin_client, admin, org, profiles, agent):
    confirm = admin_client.get(f"/admin/offices/{org['other_office'].id}/deactivate")
    assert "button-warning" in confirm.get_data(as_text=True)
    assert "no longer be offered for new users" in page_text(confirm)
    assert admin_client.post(f"/admin/offices/{org['other_office'].id}/deactivate").status_code == 302
    assert admin_client.post(f"/admin/organisations/{org['other_operator'].id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not org["other_office"].is_active and not org["other_operator"].is_active
    form = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert "Bureau de Dinant" not in form and "Forem Namur" not in form
    assert "Bureau de Namur" in form and "École de Namur" in form
    # Nor through the service, nor in the directory.
    from integration_centre.accounts import services as account_services

    with pytest.raises(account_services.AccountError):
        account_services.create_user(
            email="new@test.example",
            display_name="New",
            role=Role.OPERATOR,
            password="a long enough passphrase",
            operator_id=org["other_operator"].id,
        )
    db.session.rollback()
    names = [e.organisation.name for e in services.search_directory().items]
    assert names == ["École de Namur"]
    history = page_text(admin_client.get(f"/admin/offices/{org['other_office'].id}"))
    assert "Office deactivated" in history
    # Reactivation is audited too.
    admin_client.post(f"/admin/offices/{org['other_office'].id}/reactivate")
    db.session.expire_all()
    assert org["other_office"].is_active
    assert "Office reactivated" in page_text(admin_client.get(f"/admin/offices/{org['other_office'].id}"))


def test_deactivated_organisation_cannot_receive_referrals(agent, admin, org, case_ready, profiles):
    network.deactivate_organisation(admin, org["operator"])
    db.session.commit()
    case = case_ready()
    suggestions = services.suggest_operators(case, "french_course", municipality=None, language=None)
    assert org["operator"].id not in [s.entry.organisation.id for s in suggestions]
    with pytest.raises(services.ReferralInvalid):
        services.refer(agent, case, "french_course", org["operator"].id)


# --- services and the directory ----------------------------------------------------------------


def test_services_feed_the_directory(admin, org, agent, login_as):
    service = network.create_service(
        admin,
        org["operator"],
        network.ServiceData(
            service_type="french_course", places=12, languages=["fr", "ar"], schedule="Lu 18-21", territory=[NAMUR]
        ),
    )
    network.create_service(
        admin,
        org["operator"],
        network.ServiceData(service_type="citizenship", places=8, languages=["fr", "uk"], territory=[DINANT]),
    )
    db.session.commit()
    profile = db.session.get(OperatorProfile, org["operator"].id)
    assert profile.service_types == ["citizenship", "french_course"]
    assert profile.capacity == 20 and profile.languages == ["ar", "fr", "uk"]
    assert profile.municipalities == [DINANT, NAMUR]
    entries = services.search_directory(service_type="citizenship", municipality=DINANT).items
    assert [e.organisation.name for e in entries] == ["École de Namur"]
    network.delete_service(admin, service)
    db.session.commit()
    assert profile.service_types == ["citizenship"] and profile.capacity == 8
    client, _ = login_as(Role.AGENT)
    assert "École de Namur" in page_text(client.get("/directory?service_type=citizenship"))
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_id == str(org["operator"].id)).order_by(AuditRecord.seq)
    ).all()
    assert actions == ["service_create", "service_create", "service_delete"]


# --- HTTP: every form, good and bad input ------------------------------------------------------


def test_centre_pages(admin_client, org):
    response = admin_client.post(
        "/admin/centres/new",
        data={"name": "CRI Test", "code": "crit", "address": "Rue 1, 5000 Namur", "territory": [NAMUR, DINANT]},
    )
    centre = db.session.scalar(select(Centre).where(Centre.code == "CRIT"))
    assert response.headers["Location"] == f"/admin/centres/{centre.id}"
    page = page_text(admin_client.get(f"/admin/centres/{centre.id}"))
    assert "Rue 1, 5000 Namur" in page and "Centre created" in page and "2 municipalities" in page
    assert "CRI Test" in page_text(admin_client.get("/admin/centres"))
    edit = admin_client.get(f"/admin/centres/{centre.id}/edit").get_data(as_text=True)
    assert 'value="CRIT"' in edit and f'<option selected value="{NAMUR}">' in edit
    admin_client.post(
        f"/admin/centres/{centre.id}/edit", data={"name": "CRI Test 2", "code": "CRIT", "territory": [NAMUR]}
    )
    db.session.expire_all()
    assert centre.name == "CRI Test 2" and centre.territory == [NAMUR]
    assert "Centre changed" in page_text(admin_client.get(f"/admin/centres/{centre.id}"))


def test_centre_jurisdiction_is_chosen_among_the_installed_definitions(admin_client, org):
    # Issue 16, rule 11: the centre's region decides which definitions its new cases follow.
    centre = org["centre"]
    edit = admin_client.get(f"/admin/centres/{centre.id}/edit").get_data(as_text=True)
    for code in ("wallonia", "brussels", "flanders"):
        assert f'value="{code}"' in edit
    admin_client.post(
        f"/admin/centres/{centre.id}/edit",
        data={
            "name": centre.name,
            "code": "CAI",
            "territory": list(centre.territory or []),
            "jurisdiction": "brussels",
        },
    )
    db.session.expire_all()
    assert centre.jurisdiction == "brussels"
    page = admin_client.get(f"/admin/centres/{centre.id}").get_data(as_text=True)
    assert 'data-testid="jurisdiction"' in page


def test_two_step_policy_is_reached_from_the_centre_page_and_audited(admin_client, org):
    page = admin_client.get(f"/admin/centres/{org['centre'].id}").get_data(as_text=True)
    assert f"/admin/centres/{org['centre'].id}/two-step" in page
    admin_client.post(f"/admin/centres/{org['centre'].id}/two-step", data={"mfa_required": "yes"})
    assert "Two-step login policy changed" in page_text(admin_client.get(f"/admin/centres/{org['centre'].id}"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "code": "NEW"}, "name", "Enter the name."),
        ({"name": "X", "code": "CAI"}, "code", "Another centre already has this code."),
        ({"name": "X", "code": "NEW", "territory": ["12345"]}, "territory", "Unknown municipality code: 12345."),
        (
            {"name": "X", "code": "NEW", "jurisdiction": "mars"},
            "jurisdiction",
            "Choose a region whose pathway rules are installed.",
        ),
    ],
)
def test_bad_centre_form(admin_client, org, data, field, message):
    before, audits = _count(Centre), _audits()
    response = admin_client.post("/admin/centres/new", data=data)
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field) == message
    assert (_count(Centre), _audits()) == (before, audits)
    if field == "code":
        return
    edit = admin_client.post(f"/admin/centres/{org['centre'].id}/edit", data={**data, "code": "CAI"})
    assert _field_error(edit.get_data(as_text=True), field) == message
    db.session.expire_all()
    assert org["centre"].name == "Centre de Namur" and _audits() == audits


def test_office_pages(admin_client, org, territory):
    data = {"name": "Bureau d'Andenne", "address": "Place 1", "territory": [NAMUR], "mon_opens": "09:00"}
    data |= {"mon_closes": "12:00", "wed_opens": "13:30", "wed_closes": "17:00"}
    response = admin_client.post(f"/admin/centres/{org['centre'].id}/offices/new", data=data)
    office = db.session.scalar(select(Office).where(Office.name == "Bureau d'Andenne"))
    assert response.headers["Location"] == f"/admin/offices/{office.id}"
    assert office.opening_hours == {"mon": [["09:00", "12:00"]], "wed": [["13:30", "17:00"]]}
    page = page_text(admin_client.get(f"/admin/offices/{office.id}"))
    assert "Monday : 09:00–12:00" in page and "Office created" in page
    edit = admin_client.get(f"/admin/offices/{office.id}/edit").get_data(as_text=True)
    assert 'value="13:30"' in edit and f'value="{LIEGE}"' not in edit  # only the centre's territory
    admin_client.post(f"/admin/offices/{office.id}/edit", data={**data, "wed_opens": "", "wed_closes": ""})
    db.session.expire_all()
    assert office.opening_hours == {"mon": [["09:00", "12:00"]]}
    assert "Office changed" in page_text(admin_client.get(f"/admin/offices/{office.id}"))
    link = admin_client.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert f"/admin/users/new?role=agent&amp;office_id={office.id}" in link
    form = admin_client.get(f"/admin/users/new?role=agent&office_id={office.id}").get_data(as_text=True)
    assert f'<option selected value="{office.id}">' in form or f'value="{office.id}" selected' in form


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name."),
        ({"name": "Bureau de Namur"}, "name", "This centre already has an office with this name."),
        ({"name": "B", "territory": ["00000"]}, "territory", "Unknown municipality code: 00000."),
        ({"name": "B", "territory": [LIEGE]}, "territory", "Outside the centre's territory: Liège (62063)."),
        (
            {"name": "B", "fri_opens": "16:00", "fri_closes": "09:00"},
            "fri_closes",
            "The closing time must be after the opening time.",
        ),
        ({"name": "B", "fri_opens": "9h"}, "fri_opens", "Enter the opening time, e.g. 09:00."),
    ],
)
def test_bad_office_form(admin_client, org, territory, data, field, message):
    before, audits = _count(Office), _audits()
    response = admin_client.post(f"/admin/centres/{org['centre'].id}/offices/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _field_error(html, field) == message
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert (_count(Office), _audits()) == (before, audits)
    if field == "name" and data["name"]:
        return
    admin_client.post(f"/admin/offices/{org['office'].id}/edit", data=data)
    db.session.expire_all()
    assert org["office"].name == "Bureau de Namur" and _audits() == audits


def test_organisation_pages(admin_client, org, make_user):
    response = admin_client.post(
        "/admin/organisations/new",
        data={"name": "ILI Gembloux", "centre_id": org["centre"].id, "contact_email": "ili@test.example"},
    )
    organisation = db.session.scalar(select(OperatorOrganisation).where(OperatorOrganisation.name == "ILI Gembloux"))
    assert response.headers["Location"] == f"/admin/organisations/{organisation.id}"
    assert db.session.get(OperatorProfile, organisation.id).contact_email == "ili@test.example"
    response = admin_client.post(
        f"/admin/organisations/{organisation.id}/services/new",
        data={"service_type": "french_course", "places": "15", "languages": ["fr", "ar"], "territory": [NAMUR]},
    )
    assert response.status_code == 302
    service = db.session.scalar(select(OperatorService))
    admin_client.post(
        f"/admin/services/{service.id}/edit",
        data={"service_type": "french_course", "places": "20", "languages": ["fr"], "territory": [NAMUR]},
    )
    db.session.expire_all()
    assert service.places == 20
    make_user(Role.OPERATOR, operator_id=organisation.id, display_name="Olivia Operator")
    page = page_text(admin_client.get(f"/admin/organisations/{organisation.id}"))
    assert "Olivia Operator" in page and "Service changed" in page and "Organisation created" in page
    html = admin_client.get(f"/admin/organisations/{organisation.id}").get_data(as_text=True)
    assert f"/admin/users/new?role=operator&amp;operator_id={organisation.id}" in html
    confirm = admin_client.get(f"/admin/services/{service.id}/delete")
    assert "button-warning" in confirm.get_data(as_text=True)
    admin_client.post(f"/admin/services/{service.id}/delete")
    assert _count(OperatorService) == 0
    admin_client.post(
        f"/admin/organisations/{organisation.id}/edit",
        data={"name": "ILI Gembloux asbl", "centre_id": org["centre"].id, "address": "Rue 2"},
    )
    db.session.expire_all()
    assert organisation.name == "ILI Gembloux asbl" and organisation.address == "Rue 2"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": " "}, "name", "Enter the name."),
        ({"name": "forem namur"}, "name", "An organisation with this name already exists."),
        ({"name": "X", "centre_id": ""}, "centre_id", "Choose the centre this organisation works with."),
        ({"name": "X", "centre_id": "999999"}, "centre_id", "Choose the centre this organisation works with."),
        (
            {"name": "X", "contact_email": "not-an-email"},
            "contact_email",
            "Enter an e-mail address like name@example.be.",
        ),
    ],
)
def test_bad_organisation_form(admin_client, org, data, field, message):
    data = {"centre_id": str(org["centre"].id), **data}
    before, audits, profiles = _count(OperatorOrganisation), _audits(), _count(OperatorProfile)
    response = admin_client.post("/admin/organisations/new", data=data)
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field) == message
    assert (_count(OperatorOrganisation), _audits(), _count(OperatorProfile)) == (before, audits, profiles)
    admin_client.post(f"/admin/organisations/{org['operator'].id}/edit", data=data)
    db.session.expire_all()
    assert org["operator"].name == "École de Namur" and _audits() == audits


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"service_type": ""}, "service_type", "Choose a service from the list."),
        ({"service_type": "cooking"}, "service_type", "Choose a service from the list."),
        ({"places": "-3"}, "places", "Enter a number of places between 0 and 100,000."),
        ({"places": "many"}, "places", "Enter a whole number."),
        ({"places": ""}, "places", "Enter the number of places."),
        ({"languages": []}, "languages", "Choose at least one language."),
        ({"languages": ["zz-bad"]}, "languages", "Choose languages from the list."),
        ({"territory": ["99999"]}, "territory", "Unknown municipality code: 99999."),
        ({"territory": []}, "territory", "Choose at least one municipality."),
    ],
)
def test_bad_service_form(admin_client, org, data, field, message):
    data = {"service_type": "french_course", "places": "10", "languages": ["fr"], "territory": [NAMUR], **data}
    before, audits = _count(OperatorService), _audits()
    response = admin_client.post(f"/admin/organisations/{org['operator'].id}/services/new", data=data)
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field) == message
    assert (_count(OperatorService), _audits(), _count(OperatorProfile)) == (before, audits, 0)


def test_forms_are_translated(admin_client, org, app):
    refresh()
    response = admin_client.post(f"/admin/centres/{org['centre'].id}/offices/new", data={"name": ""})
    assert _field_error(response.get_data(as_text=True), "name") == "Indiquez le nom."
    # The test's app context is shared by its requests: forget the locale Flask-Babel cached there.
    admin_client.post("/language", data={"locale": "nl"})
    refresh()
    response = admin_client.post(
        f"/admin/organisations/{org['operator'].id}/services/new", data={"places": "-1", "service_type": "x"}
    )
    html = response.get_data(as_text=True)
    assert _field_error(html, "places") == "Geef een aantal plaatsen tussen 0 en 100.000."


def test_network_pages_are_for_admins_only(login_as, org):
    for role in (Role.AGENT, Role.OPERATOR, Role.COMMITTEE):
        client, _ = login_as(role)
        for path in (
            "/admin/centres",
            f"/admin/centres/{org['centre'].id}",
            f"/admin/offices/{org['office'].id}/edit",
            f"/admin/organisations/{org['operator'].id}",
            "/admin/organisations/new",
        ):
            assert client.get(path).status_code in (403, 404), (role, path)


def test_unknown_objects_answer_404(admin_client):
    for path in ("/admin/centres/999999", "/admin/offices/999999", "/admin/organisations/999999/edit"):
        assert admin_client.get(path).status_code == 404
    assert admin_client.get("/admin/services/999999/edit").status_code == 404


def test_users_are_not_touched_by_deactivation(admin, org, make_user):
    user = make_user(Role.AGENT, office_id=org["other_office"].id)
    network.deactivate_office(admin, org["other_office"])
    db.session.commit()
    # Their role page still offers their own (deactivated) office, so saving it again works.
    from integration_centre.accounts import services as account_services

    account_services.assign_role(user, Role.AGENT, org["other_office"].id, None)
    db.session.commit()
    assert db.session.get(User, user.id).office_id == org["other_office"].id


def test_service_form_shows_every_error_at_once(admin_client, org):
    response = admin_client.post(
        f"/admin/organisations/{org['operator'].id}/services/new", data={"places": "", "territory": ["99999"]}
    )
    html = response.get_data(as_text=True)
    assert _field_error(html, "places") == "Enter the number of places."
    assert _field_error(html, "service_type") == "Choose a service from the list."
    assert _field_error(html, "territory") == "Unknown municipality code: 99999."
    assert _count(OperatorService) == 0
