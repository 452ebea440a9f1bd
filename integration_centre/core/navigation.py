"""Navigation per role, grouped by task. Packages add their entries with ``add_item`` (and their
groups with ``add_group``) from their ``register(app)``.

An item without a group is a top-level link; an item of a group is listed under the group's name
(a disclosure in the header, a card on the role's home page). Items of the ``ACCOUNT`` group are
the user's own pages: they go in the header's user menu, not in the main navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import format_number
from flask_login import current_user

ACCOUNT = "account"  # the group of the user's own pages (password, two-step login): the user menu


@dataclass(frozen=True)
class NavGroup:
    """A task the navigation groups links under (e.g. the admin's "Personal data")."""

    key: str
    label: object  # a lazy string
    roles: frozenset[str]
    order: int = 100
    description: object | None = None  # a lazy string: one sentence for the home page's card
    endpoints: frozenset[str] = frozenset()  # items registered without a group that belong here


@dataclass(frozen=True)
class NavItem:
    """One link in the main navigation."""

    endpoint: str
    label: object  # a lazy string, translated at render time
    roles: frozenset[str]  # role values ("agent"…); a role enum of string values compares equal
    order: int = 100
    group: str | None = None
    description: object | None = None  # a lazy string for the home page's card
    count: Callable[[], int | None] | None = None  # a cheap count shown on the home page
    count_label: Callable[[int], str] | None = None  # the count in words ("3 open"), plural-aware


_ITEMS: dict[str, NavItem] = {}
_GROUPS: dict[str, NavGroup] = {}


def _role_values(roles) -> frozenset[str]:
    return frozenset(str(role) for role in roles)


def add_group(key: str, label, roles, order: int = 100, description=None, endpoints=()) -> None:
    """Register a group of links for some roles (idempotent per key).

    ``endpoints``: items that another package registers without a ``group`` and that belong to
    this one (an item's own ``group`` wins).
    """
    _GROUPS[key] = NavGroup(key, label, _role_values(roles), order, description, frozenset(endpoints))


def _group_of(item: NavItem) -> str | None:
    if item.group is not None:
        return item.group
    return next((key for key, group in _GROUPS.items() if item.endpoint in group.endpoints), None)


def add_item(
    endpoint: str,
    label,
    roles,
    order: int = 100,
    *,
    group: str | None = None,
    description=None,
    count: Callable[[], int | None] | None = None,
    count_label: Callable[[int], str] | None = None,
) -> None:
    """Register a navigation link for some roles, given by value (idempotent per endpoint).

    ``group``: the key of a group given to ``add_group`` (or ``ACCOUNT``); ``description`` and
    ``count`` (a cheap query, called only on the home page) with ``count_label`` (the count in
    words, e.g. an ``ngettext``) describe the link on the home page.
    """
    _ITEMS[endpoint] = NavItem(endpoint, label, _role_values(roles), order, group, description, count, count_label)


def _visible_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return sorted(
        (item for item in _ITEMS.values() if current_user.role in item.roles),
        key=lambda item: (item.order, str(item.label)),
    )


def _link(item: NavItem, *, with_count: bool = False) -> dict:
    link = {
        "endpoint": item.endpoint,
        "url": url_for(item.endpoint),
        "label": item.label,
        "description": item.description,
        "active": request.endpoint == item.endpoint,
        "group": _group_of(item),
    }
    if with_count:
        link["count"] = count = _safe_count(item)
        link["count_text"] = None
        if count is not None:
            link["count_text"] = item.count_label(count) if item.count_label else format_number(count)
    return link


def _safe_count(item: NavItem) -> int | None:
    """The item's count, or None when it has none or it fails (a card never breaks the home page)."""
    if item.count is None:
        return None
    try:
        return item.count()
    except Exception:
        current_app.logger.exception("navigation count of %s failed", item.endpoint)
        return None


def navigation_items() -> list[dict]:
    """The links of the main navigation the current user may follow, in order (user menu excluded)."""
    return [_link(item) for item in _visible_items() if item.group != ACCOUNT]


def user_menu_items() -> list[dict]:
    """The current user's own pages (password, two-step login), for the header's user menu."""
    return [_link(item) for item in _visible_items() if item.group == ACCOUNT]


def navigation_entries(*, with_counts: bool = False) -> list[dict]:
    """The main navigation as entries in order: a top-level link (``kind`` "link") or a group
    (``kind`` "group", with its ``items`` and whether one of them is the current page).

    A group is placed at the order of its own registration; an item whose group is unknown or
    not for this role is a top-level link. ``with_counts`` computes the items' counts (home page).
    """
    items = [item for item in _visible_items() if item.group != ACCOUNT]
    role = str(current_user.role) if current_user.is_authenticated else ""
    groups = {key: group for key, group in _GROUPS.items() if key != ACCOUNT and role in group.roles}
    entries: list[tuple[tuple, dict]] = []
    members: dict[str, list[dict]] = {key: [] for key in groups}
    for item in items:
        key = _group_of(item)
        if key in groups:
            members[key].append(_link(item, with_count=with_counts))
        else:
            entries.append(((item.order, str(item.label)), {"kind": "link", **_link(item, with_count=with_counts)}))
    top_level_active = any(entry["active"] for _order, entry in entries)
    for key, group in groups.items():
        links = members[key]
        if not links:
            continue
        entry = {
            "kind": "group",
            "key": key,
            "label": group.label,
            "description": group.description,
            "items": links,
            "active": any(link["active"] for link in links),
            # the current page belongs to the group (one of its pages, or a page below one of them)
            "current": any(link["active"] for link in links)
            or (not top_level_active and any(link["endpoint"].split(".")[0] == request.blueprint for link in links)),
        }
        entries.append(((group.order, str(group.label)), entry))
    entries.sort(key=lambda pair: pair[0])
    return [entry for _key, entry in entries]


def navigation_groups(*, with_counts: bool = False) -> list[dict]:
    """Only the groups of ``navigation_entries`` (the cards of a role's home page)."""
    return [entry for entry in navigation_entries(with_counts=with_counts) if entry["kind"] == "group"]


def init_app(app: Flask) -> None:
    """Expose the navigation to templates."""
    app.jinja_env.globals["navigation_items"] = navigation_items
    app.jinja_env.globals["navigation_entries"] = navigation_entries
    app.jinja_env.globals["user_menu_items"] = user_menu_items
