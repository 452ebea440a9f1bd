"""Operator journey (issue 6, acceptance 7): the operator accepts a referral, records the hours and
confirms; the agent then sees the update on the dashboard and in the case timeline."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.harness import Pages

pytestmark = pytest.mark.e2e


def _forbidden_values(app, referral_id) -> tuple[str, list[str]]:
    """The reference and the person's values an operator must never see (read from the database)."""
    from integration_centre.extensions import db
    from integration_centre.operators.models import Referral
    from integration_centre.pathway.models import Newcomer
    from integration_centre.privacy.access import Actor, access

    with app.app_context():
        referral = db.session.get(Referral, uuid.UUID(referral_id))
        newcomer = db.session.get(Newcomer, referral.person_id)
        with access(Actor.system("e2e-check"), "e2e.check", [newcomer.id]):
            birth = newcomer.date_of_birth
            from integration_centre.pathway import reference as pathway_reference

            values = [
                newcomer.niss,
                newcomer.address,
                pathway_reference.country_name(newcomer.nationality, "fr"),
                birth.isoformat(),
                birth.strftime("%d/%m/%Y"),
                birth.strftime("%d.%m.%Y"),
            ]
        db.session.remove()
        assert newcomer.address_ct is not None
        return referral.reference, [v for v in values if v]


def _french(app, msgid: str) -> str:
    """``msgid`` as the French interface (the default locale) shows it."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("fr"):
        return gettext(msgid)


def test_operator_accepts_records_hours_and_confirms_then_the_agent_sees_it(pages: Pages) -> None:
    pages.login("operator")
    pages.page.get_by_role("link", name=_french(pages.server.app, "Referrals"), exact=True).first.click()
    assert pages.path.startswith("/operator/referrals")
    pages.screenshot("operator-inbox")
    pages.check_accessibility("operator inbox")

    # Open the first new referral of the citizenship training (60 hours required).
    row = pages.page.locator("table.table tbody tr", has_text=re.compile("citoyennet|Citizenship", re.I)).first
    row.locator("a").first.click()
    referral_id = pages.path.rsplit("/", 1)[-1]
    reference, forbidden = _forbidden_values(pages.server.app, referral_id)
    text = pages.page.locator("main").inner_text()
    assert reference in text
    for value in forbidden:
        assert value not in pages.page.content(), f"an operator page shows {value!r}"
    assert pages.page.locator("#person dd").count() == 5  # name, language, interpreter, phone, e-mail
    pages.screenshot("operator-referral-new")
    pages.check_accessibility("operator referral (new)")

    with pages.page.expect_navigation():
        pages.page.locator("form[action$='/accept'] button[type=submit]").click()
    pages.screenshot("operator-referral-accepted")
    pages.check_accessibility("operator referral (accepted)")

    pages.page.locator("#sessions").fill("20")
    pages.page.locator("#hours").fill("60")
    with pages.page.expect_navigation():
        pages.page.locator("form[action$='/attendance'] button[type=submit]").click()
    assert pages.page.locator("#referred").inner_text().count("60") >= 1
    pages.screenshot("operator-referral-attendance")
    pages.check_accessibility("operator referral (attendance)")

    pages.page.select_option("#result", "fic")
    with pages.page.expect_navigation():
        pages.page.locator("form[action$='/complete'] button[type=submit]").click()
    assert pages.page.locator(".notice-success").count() == 1
    for value in forbidden:
        assert value not in pages.page.content()
    pages.screenshot("operator-referral-completed")
    pages.check_accessibility("operator referral (completed)")
    pages.logout()

    # The agent: the dashboard panel lists the operator's update, the case timeline carries it.
    pages.login("agent")
    panel = pages.page.locator("#operator-updates")
    assert reference in panel.inner_text()
    pages.screenshot("agent-dashboard-operator-updates")
    pages.check_accessibility("agent dashboard with operator updates")
    panel.get_by_role("link", name=reference).first.click()
    assert pages.path == f"/referrals/{referral_id}"
    pages.screenshot("agent-referral")
    pages.check_accessibility("agent referral")
    pages.page.locator("main p a").first.click()
    assert pages.path.startswith("/cases/")
    timeline = pages.page.locator("[data-testid=timeline]").inner_text()
    assert _french(pages.server.app, "Referral completed by the operator") in timeline
    assert reference in pages.page.locator("#referrals").inner_text()
    pages.screenshot("agent-case-referral-completed")
    pages.check_accessibility("agent case with the referral")
