"""Demo of the person's space (fictitious people, demo mode only): a person of the demo office's
open cases gets a live personal link, printed by quickstart with the date of birth that opens it.

The demo token is derived from the demo keyring (the same on every run of quickstart on one
instance), so the link printed stays the one that works; only its SHA-256 is stored, as always.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from integration_centre.accounts.demo import demo_office
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.pathway.states import ACTIVE_CASE_STATUSES
from integration_centre.privacy import sealed
from integration_centre.privacy.access import access
from integration_centre.privacy.context import Actor
from integration_centre.space import links

DEMO_ACTOR = Actor.system("space-demo")


def demo_token() -> str:
    """The demo link's token: a keyed digest under the instance's keyring (256 bits, hex)."""
    return sealed.digest("space-demo-link", "space_link", b"demo")


def load(report) -> None:
    """Give the first open case's person of the demo office a live link (demo mode only)."""
    if not current_app.config.get("DEMO_MODE"):
        return
    office = demo_office()
    if office is None:
        return
    case = db.session.scalar(
        select(Case)
        .where(Case.office_id == office.id, Case.status.in_(ACTIVE_CASE_STATUSES))
        .order_by(Case.opened_on, Case.id)
        .limit(1)
    )
    if case is None:
        return
    token = demo_token()
    link = links.find(token)
    if link is None:
        links.issue(case.person_id, office_id=office.id, issued_by_id=None, actor=DEMO_ACTOR, token=token)
        report.count("personal links (person's space)")
    elif link.person_id != case.person_id or not link.is_live:
        # the link of an earlier run (revoked, locked, or another person's): the demo link works again
        links.end_sessions_of_link(link.id)
        link.person_id, link.revoked_at, link.locked_at, link.failed_attempts = case.person_id, None, None, 0
        report.count("personal links (person's space) restored")
    with access(DEMO_ACTOR, "space.demo", [case.person_id]):
        born = db.session.get(Newcomer, case.person_id).date_of_birth
    report.space_link_path = f"/my/link/{token}"
    report.space_birth_date = born
