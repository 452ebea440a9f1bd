"""The minimal agent pages: register (with duplicate confirmation), eligibility, open a case; admin."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer

FORM = {
    "family_name": "Mukendi",
    "given_names": "Grâce",
    "date_of_birth": "1992-04-18",
    "sex": "F",
    "nationality": "CD",
    "niss": "",
    "address": "Avenue Reine Astrid 3, 5000 Namur",
    "municipality_code": "92094",
    "phone": "0470 11 22 33",
    "email": "grace@example.org",
    "languages": ["fr", "ln"],
    "preferred_language": "fr",
    "residence_category": "family_reunification",
    "permit_order_date": "2025-05-02",
    "registration_date": "2025-05-10",
    "education_level": "higher",
}


def newcomer_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Newcomer))


def test_register_show_eligibility_and_open_case(login_as):
    client, _ = login_as(Role.AGENT)
    assert client.get("/newcomers/new").status_code == 200
    response = client.post("/newcomers/new", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>MUKENDI, Grâce</h1>" in page  # the one name format (issue 17)
    assert "Obliged: stay of less than 3 years, permit of more than 3 months, outside the EU+, aged 18–64" in page
    newcomer = db.session.scalar(select(Newcomer))
    response = client.post(f"/newcomers/{newcomer.id}/cases", data={})
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "wallonia" not in page or "2025" in page
    assert "Social assessment" in page or "Bilan social" in page


def test_errors_are_shown_beside_fields_and_nothing_is_written(login_as):
    client, _ = login_as(Role.AGENT)
    data = dict(FORM, niss="85073003329", email="nope", municipality_code="63023")
    page = client.post("/newcomers/new", data=data).get_data(as_text=True)
    assert "There is a problem" in page or "problème" in page
    assert 'href="#niss"' in page and 'href="#email"' in page and 'href="#municipality_code"' in page
    assert newcomer_count() == 0


def test_duplicate_is_shown_and_needs_confirmation(login_as):
    client, _ = login_as(Role.AGENT)
    assert client.post("/newcomers/new", data=FORM).status_code == 302
    again = dict(FORM, family_name="MUKENDI", given_names="grace ")
    page = client.post("/newcomers/new", data=again).get_data(as_text=True)
    assert "Open the existing file" in page or "dossier existant" in page
    assert 'name="confirm_duplicate" type="hidden" value="yes"' in page or 'value="yes"' in page
    assert newcomer_count() == 1
    response = client.post("/newcomers/new", data=dict(again, confirm_duplicate="yes"))
    assert response.status_code == 302
    assert newcomer_count() == 2


def test_other_office_gets_404_and_other_roles_too(login_as, make_user, org):
    client, _ = login_as(Role.AGENT)
    client.post("/newcomers/new", data=FORM)
    newcomer = db.session.scalar(select(Newcomer))
    client.post(f"/newcomers/{newcomer.id}/cases", data={})
    case = db.session.scalar(select(Case))
    other, _ = login_as(Role.AGENT, office_id=org["other_office"].id)
    assert other.get(f"/newcomers/{newcomer.id}").status_code == 404
    assert other.get(f"/cases/{case.id}").status_code == 404
    assert other.post(f"/newcomers/{newcomer.id}/cases", data={}).status_code == 404
    operator, _ = login_as(Role.OPERATOR)
    assert operator.get("/newcomers/new").status_code == 404
    assert operator.get(f"/cases/{case.id}").status_code == 404


def test_admin_lists_definitions_and_shows_one(login_as):
    client, _ = login_as(Role.ADMIN)
    page = client.get("/admin/pathways/").get_data(as_text=True)
    for version in ("wallonia/2018", "wallonia/2025", "brussels/2022", "flanders/2022"):
        assert f"/admin/pathways/{version}" in page
    page = client.get("/admin/pathways/wallonia/2018").get_data(as_text=True)
    assert "400" in page and "wallonia-2018.yaml" in page
    assert client.get("/admin/pathways/wallonia/1999").status_code == 404
    agent, _ = login_as(Role.AGENT)
    assert agent.get("/admin/pathways/").status_code == 404
