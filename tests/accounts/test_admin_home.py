"""The administrator's home and the navigation grouped by task, the account pages in a user menu."""

from __future__ import annotations

import re

import pytest

from integration_centre.accounts.models import Role
from integration_centre.core import navigation

ADMIN_GROUPS = ("accounts", "network", "pathways", "personal_data", "audit", "languages")


@pytest.fixture(autouse=True)
def english_messages(app):
    """Assert on the English msgids (the French catalogs are filled separately)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def _main_nav(html: str) -> str:
    match = re.search(r'<nav class="main-nav".*?</nav>', html, flags=re.S)
    assert match, "the page has a main navigation"
    return match.group(0)


def _user_menu(html: str) -> str:
    match = re.search(r'<details class="user-menu">.*?</details>', html, flags=re.S)
    assert match, "the page has a user menu"
    return match.group(0)


def test_admin_lands_on_the_admin_home_with_a_card_per_task(app, login_as):
    client, _ = login_as(Role.ADMIN, display_name="Dana Admin")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/admin/"
    html = client.get("/admin/").get_data(as_text=True)
    cards = re.findall(r'<li class="card admin-card" data-nav-group="([a-z_]+)"', html)
    assert cards == list(ADMIN_GROUPS)
    main = html.split("<main", 1)[1]
    for path in ("/admin/users", "/admin/centres", "/admin/pathways/", "/admin/audit/", "/admin/api-tokens"):
        assert f'href="{path}' in main, path
    assert re.search(r'data-count="\d+">\d+ accounts? enabled<', main), "the Users card counts the accounts"
    assert "data-count=" in main and "open<" in main  # the data-subject requests
    assert "Who opened which file, when and why" in main


def test_admin_navigation_is_grouped_and_short(app, login_as):
    client, _ = login_as(Role.ADMIN)
    nav = _main_nav(client.get("/admin/users").get_data(as_text=True))
    groups = re.findall(r'<li class="nav-group[^"]*" data-nav-group="([a-z_]+)"', nav)
    assert groups == list(ADMIN_GROUPS)
    outside_groups = re.sub(r'<li class="nav-group.*?</details>\s*</li>', "", nav, flags=re.S)
    direct_links = re.findall(r"<li><a ", outside_groups)
    assert len(direct_links) == 1, "only Home outside the groups"
    assert 'class="nav-group nav-group-current" data-nav-group="accounts"' in nav, "the users page is in Accounts"
    assert 'href="/admin/users" aria-current="page"' in nav
    assert "/account/password" not in nav and "My password" not in nav, "account pages are in the user menu"
    assert '<summary class="nav-menu-toggle">Menu</summary>' in nav


def test_the_admin_home_is_not_marked_as_a_group(app, login_as):
    client, _ = login_as(Role.ADMIN)
    nav = _main_nav(client.get("/admin/").get_data(as_text=True))
    assert "nav-group-current" not in nav
    assert 'href="/admin/" aria-current="page"' in nav


@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN, Role.COMMITTEE])
def test_user_menu_holds_the_account_pages_and_log_out(app, login_as, role):
    client, _user = login_as(role, display_name="Sam Example")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    menu = _user_menu(html)
    assert "Sam Example" in menu
    assert 'href="/account/password"' in menu and "My password" in menu
    assert "Two-step login" in menu
    assert 'class="logout-form"' in menu and "Log out" in menu


def test_agent_navigation_keeps_its_direct_links(app, login_as):
    client, _ = login_as(Role.AGENT)
    nav = _main_nav(client.get("/agent").get_data(as_text=True))
    assert "data-nav-group" not in nav, "the agent's frequent pages stay one click away"
    assert 'href="/agent" aria-current="page"' in nav


def test_a_user_who_must_change_password_has_no_navigation_but_can_log_out(app, login_as):
    client, _user = login_as(Role.AGENT, must_change_password=True)
    html = client.get("/account/password").get_data(as_text=True)
    assert '<nav class="main-nav"' not in html
    menu = _user_menu(html)
    assert 'class="logout-form"' in menu and "My password" not in menu


def test_admin_home_is_for_admins_only(app, login_as):
    client, _ = login_as(Role.AGENT)
    assert client.get("/admin/").status_code == 404


def test_groups_claim_items_registered_without_a_group(app):
    """A package's item without ``group`` joins the group that claims its endpoint."""
    with app.test_request_context("/"):
        navigation.add_group("zz_test", "ZZ", ["admin"], order=999, endpoints=["observability.healthz"])
        navigation.add_item("observability.healthz", "Health", ["admin"], order=999)
        try:
            item = navigation._ITEMS["observability.healthz"]
            assert navigation._group_of(item) == "zz_test"
            navigation.add_item("observability.healthz", "Health", ["admin"], order=999, group="audit")
            own = navigation._ITEMS["observability.healthz"]
            assert navigation._group_of(own) == "audit", "the item's own group wins"
        finally:
            navigation._ITEMS.pop("observability.healthz", None)
            navigation._GROUPS.pop("zz_test", None)


def test_a_failing_count_does_not_break_the_home_page(app, login_as, monkeypatch):
    client, _ = login_as(Role.ADMIN)
    item = navigation._ITEMS["accounts_admin.users"]

    def broken() -> int:
        raise RuntimeError("count failed")

    monkeypatch.setitem(
        navigation._ITEMS, "accounts_admin.users", navigation.NavItem(**{**item.__dict__, "count": broken})
    )
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "accounts enabled" not in response.get_data(as_text=True)
