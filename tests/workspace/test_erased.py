"""An erased person (crypto-shredded) leaves a case shell: the workspace pages still answer."""

from __future__ import annotations

from datetime import date

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.privacy import erasure
from tests.accounts.helpers import page_text


def test_erased_person_case_page_and_dashboard(agent, agent_client, open_case, monkeypatch):
    case = open_case(on=date(2019, 3, 1), permit_order_date=date(2019, 1, 2), registration_date=date(2019, 1, 9))
    pathway.transition_case(agent, case, "close", reason="moved_away", on=date(2019, 6, 1))
    db.session.commit()
    monkeypatch.setattr(erasure, "legal_holds", lambda person_id: [])  # as if the retention period were over
    erasure.erase_person(case.person_id, actor=agent)
    db.session.commit()
    response = agent_client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    assert "AL-HASSAN" not in page_text(response)
    dashboard = agent_client.get("/agent?view=recent&status=all")
    assert dashboard.status_code == 200
    html = dashboard.get_data(as_text=True)
    assert f"/cases/{case.id}" in html and "AL-HASSAN" not in html
