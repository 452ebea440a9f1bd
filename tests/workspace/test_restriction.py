"""Restricted files (GDPR Art. 18, privacy.restrictions) are left out of the dashboard and search."""

from __future__ import annotations

import re
from datetime import date

from integration_centre.extensions import db
from integration_centre.privacy import restrictions


def test_restricted_person_is_hidden_from_dashboard_and_search(agent, agent_client, open_case):
    kept = open_case(permit_order_date=date(2022, 1, 1), on=date(2022, 3, 1), family_name="Kept", niss=None)
    hidden = open_case(permit_order_date=date(2022, 1, 1), on=date(2022, 3, 1), family_name="Hidden", niss=None)
    restrictions.restrict(hidden.person_id, actor=agent)
    db.session.commit()
    html = agent_client.get("/agent?view=overdue").get_data(as_text=True)
    assert re.search(r'data-count="overdue">1<', html)
    assert "KEPT, Amira" in html and "HIDDEN" not in html
    assert "HIDDEN" not in agent_client.get("/agent?view=mine&status=all").get_data(as_text=True)
    found = agent_client.post("/search", data={"family_name": "Hidden", "date_of_birth": "1995-03-14"})
    assert 'data-testid="empty-state"' in found.get_data(as_text=True)
    found = agent_client.post("/search", data={"family_name": "Kept", "date_of_birth": "1995-03-14"})
    assert f"/cases/{kept.id}" in found.get_data(as_text=True)
