"""User administration pages and the rules behind them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from integration_centre.accounts import services
from integration_centre.accounts.models import Centre, Role, User
from integration_centre.extensions import db
from tests.accounts.helpers import fr, page_text
from tests.conftest import TEST_PASSWORD, login

TEMPORARY = "temporary password for today"


def _names(response) -> list[str]:
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a></td>', response.get_data(as_text=True))


def test_list_is_sortable_and_paginated(login_as, make_user, monkeypatch):
    client, _ = login_as(Role.ADMIN, display_name="Zoé Admin")
    for name in ["Bernard", "Alice", "Chloé"]:
        make_user(Role.AGENT, display_name=name)
    page = client.get("/admin/users")
    assert _names(page) == ["Alice", "Bernard", "Chloé", "Zoé Admin"]
    assert "<caption>" in page.get_data(as_text=True)
    assert 'aria-sort="ascending"' in page.get_data(as_text=True)
    assert _names(client.get("/admin/users?sort=name&dir=desc")) == ["Zoé Admin", "Chloé", "Bernard", "Alice"]
    by_role = _names(client.get("/admin/users?sort=role"))
    assert by_role[-1] == "Alice" or by_role[0] == "Zoé Admin"
    monkeypatch.setattr("integration_centre.accounts.admin_views.PER_PAGE", 3)
    first, second = client.get("/admin/users?page=1"), client.get("/admin/users?page=2")
    assert _names(first) == ["Alice", "Bernard", "Chloé"]
    assert _names(second) == ["Zoé Admin"]
    assert 'aria-current="page">2<' in second.get_data(as_text=True)
    assert _names(client.get("/admin/users?page=99")) == ["Zoé Admin"]
    assert client.get("/admin/users?sort=password_hash&dir=sideways").status_code == 200


def test_role_filter_with_empty_state(login_as):
    client, _ = login_as(Role.ADMIN)
    response = client.get("/admin/users?role=operator")
    assert _names(response) == []
    assert fr("No user has this role yet.") in page_text(response)
    assert 'href="/admin/users/new"' in response.get_data(as_text=True)


def test_status_is_shown_in_words(login_as, make_user):
    client, _ = login_as(Role.ADMIN)
    make_user(Role.AGENT, is_enabled=False)
    make_user(Role.AGENT, must_change_password=True)
    text = page_text(client.get("/admin/users"))
    for word in ("Active", "Disabled", "Must change password"):
        assert fr(word) in text


@pytest.mark.parametrize(
    ("role", "field", "expected"),
    [
        (Role.AGENT, "office_id", "office"),
        (Role.OPERATOR, "operator_id", "operator"),
        (Role.COMMITTEE, "centre_id", "centre"),
        (Role.ADMIN, "centre_id", "centre"),
    ],
)
def test_create_user_with_role_and_attachment(login_as, org, role, field, expected):
    client, _ = login_as(Role.ADMIN)
    value = org[expected].id
    response = client.post(
        "/admin/users/new",
        data={
            "display_name": "Nouvelle Personne",
            "email": "New.Person@Test.example",
            "role": role.value,
            field: str(value),
            "password": TEMPORARY,
        },
    )
    assert response.status_code == 302
    created = services.find_user_by_email("new.person@test.example")
    assert created.role == role and created.must_change_password
    assert getattr(created, field) == value
    assert created.attached_centre.id == org["centre"].id
    assert urlsplit(response.headers["Location"]).path == f"/admin/users/{created.id}/done/created"
    confirmation = client.get(response.headers["Location"])
    assert fr("User created") in page_text(confirmation)


def test_new_user_must_change_the_temporary_password(app, login_as, org):
    admin_client, _ = login_as(Role.ADMIN)
    admin_client.post(
        "/admin/users/new",
        data={
            "display_name": "A",
            "email": "a@test.example",
            "role": "agent",
            "office_id": org["office"].id,
            "password": TEMPORARY,
        },
    )
    user = services.find_user_by_email("a@test.example")
    client = app.test_client()
    assert login(client, user, password=TEMPORARY).status_code == 302
    assert client.get("/agent").headers["Location"] == "/account/password"
    new = "my own long password sentence"
    client.post("/account/password", data={"current_password": TEMPORARY, "new_password": new, "confirm_password": new})
    assert client.get("/agent").status_code == 200


def test_role_change_ends_the_sessions_and_applies(app, login_as, make_user, org):
    admin_client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    agent_client = app.test_client()
    login(agent_client, agent)
    response = admin_client.post(
        f"/admin/users/{agent.id}/role", data={"role": "operator", "operator_id": org["other_operator"].id}
    )
    assert response.headers["Location"] == f"/admin/users/{agent.id}/done/role"
    assert agent_client.get("/agent").status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, agent.id)
    assert changed.role == Role.OPERATOR and changed.office_id is None
    assert changed.operator_id == org["other_operator"].id
    login(agent_client, changed)
    assert agent_client.get("/operator").status_code == 200
    assert agent_client.get("/agent").status_code == 404


def test_admin_cannot_change_own_role_or_disable_self(login_as):
    client, admin = login_as(Role.ADMIN)
    assert client.post(f"/admin/users/{admin.id}/role", data={"role": "committee"}).status_code == 302
    assert client.post(f"/admin/users/{admin.id}/disable").status_code == 302
    assert client.post(f"/admin/users/{admin.id}/password", data={}).headers["Location"] == "/account/password"
    db.session.expire_all()
    me = db.session.get(User, admin.id)
    assert me.role == Role.ADMIN and me.is_enabled
    with pytest.raises(services.AccountError):
        services.assign_role(me, Role.COMMITTEE, None, None, acting=me)
    with pytest.raises(services.AccountError):
        services.set_enabled(me, False, acting=me)


def test_disable_has_a_confirmation_page_then_reenable(app, login_as, make_user):
    client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    page = client.get(f"/admin/users/{agent.id}/disable")
    assert fr("Disable the user") in page_text(page)
    response = client.post(f"/admin/users/{agent.id}/disable")
    assert fr("User disabled") in page_text(client.get(response.headers["Location"]))
    assert login(app.test_client(), agent).status_code == 200
    assert fr("Re-enable this user") in page_text(client.get(f"/admin/users/{agent.id}"))
    client.post(f"/admin/users/{agent.id}/enable")
    assert login(app.test_client(), agent).status_code == 302


def test_reset_password_sets_temporary_and_ends_sessions(app, login_as, make_user):
    admin_client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    agent_client = app.test_client()
    login(agent_client, agent)
    response = admin_client.post(
        f"/admin/users/{agent.id}/password", data={"new_password": TEMPORARY, "confirm_password": TEMPORARY}
    )
    assert response.headers["Location"] == f"/admin/users/{agent.id}/done/password"
    assert agent_client.get("/agent").status_code == 302
    assert login(agent_client, agent).status_code == 200  # old password no longer works
    db.session.expire_all()
    assert login(agent_client, db.session.get(User, agent.id), password=TEMPORARY).status_code == 302
    assert agent_client.get("/agent").headers["Location"] == "/account/password"


def test_admin_sets_two_step_login_compulsory_for_a_centre(app, login_as, make_user, org):
    client, _ = login_as(Role.ADMIN)
    agent = make_user(Role.AGENT)
    assert fr("Optional") in page_text(client.get("/admin/centres"))
    response = client.post(f"/admin/centres/{org['centre'].id}/two-step", data={"mfa_required": "yes"})
    assert response.headers["Location"] == "/admin/centres"
    assert db.session.scalar(select(Centre.mfa_required).where(Centre.id == org["centre"].id)) is True
    assert fr("Compulsory") in page_text(client.get("/admin/centres"))
    agent_client = app.test_client()
    assert login(agent_client, agent).headers["Location"] == "/login/enrol"
    client.post(f"/admin/centres/{org['centre'].id}/two-step", data={"mfa_required": "no"})
    assert login(app.test_client(), agent).headers["Location"] == "/agent"


def test_unknown_user_or_centre_answers_404(login_as):
    client, _ = login_as(Role.ADMIN)
    for path in ("/admin/users/999999", "/admin/users/999999/role", "/admin/centres/999999/two-step"):
        assert client.get(path).status_code == 404
    assert client.get("/admin/users/1/done/unknown-action").status_code in (404,)


def test_admin_pages_are_admin_only(login_as, make_user):
    target = make_user(Role.AGENT)
    for role in (Role.AGENT, Role.OPERATOR, Role.COMMITTEE):
        client, _ = login_as(role)
        for path in ("/admin/users", f"/admin/users/{target.id}", "/admin/users/new", "/admin/centres"):
            assert client.get(path).status_code == 404
        assert client.post(f"/admin/users/{target.id}/disable").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, target.id).is_enabled


def test_service_rules_without_http(app, make_user, org):
    with pytest.raises(services.AccountError) as error:
        services.create_user(email="x@test.example", display_name="X", role=Role.AGENT, password=TEMPORARY)
    assert error.value.code == "office_required"
    with pytest.raises(services.AccountError) as error:
        services.create_user(
            email="x@test.example", display_name="X", role=Role.OPERATOR, password=TEMPORARY, operator_id=424242
        )
    assert error.value.code == "operator_required"
    existing = make_user(Role.AGENT)
    with pytest.raises(services.AccountError) as error:
        services.create_user(email=existing.email.upper(), display_name="X", role=Role.COMMITTEE, password=TEMPORARY)
    assert error.value.code == "email_taken"
    with pytest.raises(services.AccountError) as error:
        services.reset_password(existing, "password1234")
    assert error.value.code == "too_common"
    assert services.open_session_count(existing) == 0
    assert TEST_PASSWORD
