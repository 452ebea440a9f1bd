"""An erased person (crypto-shredded) leaves a case shell: the workspace pages still answer."""

from __future__ import annotations

from datetime import date

from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.privacy import erasure
from tests.accounts.helpers import fr, page_text, row_counts

AUDIT = ("privacy_audit", "privacy_audit_head")  # reading is audited, by design


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


def test_a_write_to_an_erased_file_is_refused_with_an_explanation(agent, agent_client, open_case, monkeypatch):
    """A form posted for a person erased meanwhile (here the social assessment, encrypted under the
    destroyed key): 410 with a translated explanation, and nothing written."""
    case = open_case(on=date(2025, 3, 1))
    monkeypatch.setattr(erasure, "legal_holds", lambda person_id: [])
    erasure.erase_person(case.person_id, actor=agent)
    db.session.commit()
    before = {k: v for k, v in row_counts().items() if k not in AUDIT}
    response = agent_client.post(
        f"/cases/{case.id}/reception/assessment",
        data={"assessed_on": "2025-03-03", "health_level": "urgent", "health_detail": "asthma", "notes": "x"},
    )
    assert response.status_code == 410
    text = page_text(response)
    assert fr("File erased") in text and "Dossier effacé" in text  # French, the default locale
    explanation = "This person's file was erased (right to erasure): nothing in it can be read or changed any more."
    assert fr(explanation) in text
    assert {k: v for k, v in row_counts().items() if k not in AUDIT} == before
