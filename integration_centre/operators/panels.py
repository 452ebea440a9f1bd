"""The operators' panels on shared pages (contract 1): a case's referrals, the agents' operator updates."""

from __future__ import annotations

from flask_login import current_user

from integration_centre.accounts.models import Role
from integration_centre.core import panels
from integration_centre.i18n import current_language
from integration_centre.operators import services
from integration_centre.operators.forms import VersionForm
from integration_centre.operators.labels import template_labels
from integration_centre.operators.referrals import OPEN_STATES, REFERABLE_STATES
from integration_centre.pathway import services as pathway


def referrals_panel(case=None, definition=None, newcomer=None, **_page) -> dict | None:
    """The "referrals" case panel: the case's referrals and a refer link per referable step."""
    if case is None or getattr(current_user, "role", None) != Role.AGENT:
        return None
    if current_user.office_id != case.office_id:
        return None
    definition = definition or pathway.definition_of(case)
    items = services.case_referrals(current_user, case)
    open_steps = {r.step_code for r in items if r.state in OPEN_STATES}
    language = current_language()

    def waiting(code: str) -> list[tuple[str, str]]:
        """What must come first: the link is shown disabled with it, never offered then refused."""
        return [(s.code, s.label(language)) for s in pathway.waiting_for(case, definition.step(code), definition)]

    referable = [
        (step, definition.step(step.step_code).label(language), waiting(step.step_code))
        for step in case.steps
        if step.state in REFERABLE_STATES
        and step.step_code not in open_steps
        and services.step_service_types(case, step.step_code)
    ]
    labels = {s.step_code: definition.step(s.step_code).label(current_language()) for s in case.steps}
    return {
        "referral_items": items,
        "referable_steps": referable if case.status == "in_progress" else [],
        "step_labels": labels,
        "referral_labels": template_labels(),
    }


def updates_panel(user=None, **_page) -> dict | None:
    """The "operator_updates" agent dashboard panel: the referrals of the office with the latest
    operator news (one entry per referral, with the person's name and its latest events), and
    the number of referrals with unseen news — the number the "new" list of the updates page shows."""
    user = user or current_user
    if getattr(user, "role", None) != Role.AGENT:
        return None
    counts = services.update_counts(user)
    entries = services.updates_page(user, view="all", per_page=services.PANEL_ENTRIES, counts=counts).items
    return {
        "update_entries": entries,
        "update_counts": counts,
        "seen_form": VersionForm(formdata=None) if counts["new"] else None,  # the form shows only with news
        "referral_labels": template_labels(),
    }


def register() -> None:
    """Register the panels with the shared pages (``core.panels``)."""
    panels.register("case", "referrals", "operators/_case_panel.html", context=referrals_panel, order=40)
    panels.register(
        "agent_dashboard", "operator_updates", "operators/_dashboard_panel.html", context=updates_panel, order=30
    )
