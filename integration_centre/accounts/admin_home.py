"""The administrator's home: the admin navigation's groups (tasks), each a card with its pages.

The groups are registered here, once, for every package: a package names the group of its
admin links with ``add_item(..., group=KEY)``; ``endpoints`` below claims the links of packages
that register theirs without a group.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from integration_centre.accounts.models import Role, User
from integration_centre.core.navigation import add_group
from integration_centre.extensions import db

ADMIN_GROUPS = (
    # key, label, description, order, endpoints registered elsewhere without a group
    (
        "accounts",
        _l("Accounts"),
        _l("Who may log in, with which role, and the systems that use the API."),
        10,
        (),
    ),
    (
        "network",
        _l("Network"),
        _l("The centres, their offices, and the operators newcomers are referred to."),
        20,
        ("network.centres", "operators_admin.organisations"),
    ),
    (
        "pathways",
        _l("Pathways"),
        _l("The pathway's definitions and the files that may be duplicates."),
        30,
        (),
    ),
    (
        "personal_data",
        _l("Personal data"),
        _l("The rights of the persons (GDPR): requests, retention, erasure, notice and records."),
        40,
        (),
    ),
    (
        "audit",
        _l("Audit"),
        _l("The log of every access to personal data and of security events."),
        50,
        (),
    ),
)


def register_groups() -> None:
    """The administrator's navigation groups."""
    for key, label, description, order, endpoints in ADMIN_GROUPS:
        add_group(key, label, [Role.ADMIN], order=order, description=description, endpoints=endpoints)


def active_users() -> int:
    """How many accounts may log in (the Users card)."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.is_enabled.is_(True))) or 0
