"""Contract 1: the reception panels render on the shared case page slot, for the case's office only."""

from __future__ import annotations

from datetime import date

from flask_login import login_user

from integration_centre.accounts.models import Role
from integration_centre.core.panels import panels_of, render_panels
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Newcomer
from integration_centre.reception import services
from tests.reception.helpers import do_reception, finish_training

MARKER = "MkPanelDetail42"


def _render(app, user, case) -> str:
    with app.test_request_context("/"):
        login_user(user)
        return str(
            render_panels(
                "case",
                case=case,
                definition=pathway.definition_of(case),
                newcomer=db.session.get(Newcomer, case.person_id),
            )
        )


def test_reception_panels_are_registered_in_order(app):
    names = [p.name for p in panels_of("case")]
    for name in ("reception", "agreement", "certificate", "notifications"):
        assert name in names
    assert names.index("reception") < names.index("agreement") < names.index("certificate")


def test_panels_render_for_the_office_agent(app, agent, started_case):
    case = started_case()
    services.record_assessment(agent, case, {"health": {"level": "urgent", "detail": MARKER}}, on=date(2025, 3, 3))
    db.session.commit()
    html = _render(app, agent, case)
    for title in ("panel-reception-title", "panel-agreement-title", "panel-certificate-title"):
        assert title in html
    assert "panel-notifications-title" in html
    assert MARKER not in html  # levels only on the case page
    assert f"/cases/{case.id}/reception/assessment" in html
    assert f"/cases/{case.id}/agreement.pdf?lang=fr" in html
    assert f"/cases/{case.id}/agreement/sign" in html
    assert f"/cases/{case.id}/certificate/issue" not in html  # mandatory steps still open


def test_certificate_panel_offers_issue_then_verify(app, agent, started_case):
    case = started_case()
    do_reception(agent, case)
    finish_training(agent, case)
    assert f"/cases/{case.id}/certificate/issue" in _render(app, agent, case)
    certificate = services.issue_certificate(agent, case, on=date(2025, 9, 2))
    db.session.commit()
    html = _render(app, agent, case)
    assert f"/verify/{certificate.code}" in html
    assert f"/certificates/{certificate.id}/revoke" in html
    assert f"/cases/{case.id}/certificate/issue" not in html


def test_panels_hidden_from_everyone_else(app, agent, other_agent, make_user, started_case):
    case = started_case()
    services.record_assessment(agent, case, {"health": MARKER}, on=date(2025, 3, 3))
    db.session.commit()
    for outsider in (other_agent, make_user(Role.OPERATOR), make_user(Role.COMMITTEE), make_user(Role.ADMIN)):
        html = _render(app, outsider, case)
        for title in ("reception", "agreement", "certificate", "notifications"):
            assert f"panel-{title}-title" not in html, (outsider.role, title)
        assert MARKER not in html


def test_the_case_page_shows_the_reception_panels(app, client, agent, started_case):
    from tests.conftest import login

    case = started_case()
    services.record_assessment(agent, case, {"health": {"level": "urgent", "detail": MARKER}}, on=date(2025, 3, 3))
    db.session.commit()
    login(client, agent)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for title in ("reception", "agreement", "certificate", "notifications"):
        assert f"panel-{title}-title" in html, title
    assert MARKER not in html


def test_agreement_offered_in_the_persons_language_when_a_layout_exists(app, agent, started_case):
    english = started_case(preferred_language="en", family_name="Smith")
    arabic = started_case(preferred_language="ar", family_name="Haddad")
    html = _render(app, agent, english)
    assert f"/cases/{english.id}/agreement.pdf?lang=fr" in html
    assert f"/cases/{english.id}/agreement.pdf?lang=en" in html
    html = _render(app, agent, arabic)
    assert f"/cases/{arabic.id}/agreement.pdf?lang=fr" in html
    assert "lang=ar" not in html  # no Arabic layout: French only
