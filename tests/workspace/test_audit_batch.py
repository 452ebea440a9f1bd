"""A list page audits every person it shows in one batch; the chain still verifies."""

from __future__ import annotations

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.privacy import audit
from integration_centre.privacy.models import AuditRecord
from integration_centre.workspace import services


def test_dashboard_names_are_audited_one_row_per_person_and_chained(agent, register):
    persons = [register(given_names=f"Given{n}") for n in range(5)]
    before = db.session.scalar(select(db.func.count()).select_from(AuditRecord))
    names = services.display_names(agent, [p.id for p in persons])
    db.session.commit()
    assert sorted(names.values()) == [f"AL-HASSAN, Given{n}" for n in range(5)]
    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.purpose == "dashboard.list")).all()
    assert sorted(r.object_id for r in rows) == sorted(str(p.id) for p in persons)
    assert db.session.scalar(select(db.func.count()).select_from(AuditRecord)) == before + 5
    result = audit.verify_chain()
    assert result.ok, result.reason
