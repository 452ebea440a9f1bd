"""Issue 15, finding 8: rows written before the fix are converted by `pathway protect-reasons`
(the migration cannot encrypt: see migrations/versions/0008_pathway.py), and back by
`pathway reveal-reasons` before a downgrade."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from integration_centre.extensions import db
from integration_centre.pathway import services
from integration_centre.pathway.models import Case, TimelineEntry
from integration_centre.privacy.access import access


def test_protect_and_reveal_reasons_commands(app, agent, started_case):
    case = started_case()
    services.transition_case(agent, case, "suspend", reason="family", on=date(2025, 4, 1))
    db.session.commit()
    # A row as the code before the fix wrote it: the health reason in clear, no encrypted detail.
    db.session.execute(update(Case).where(Case.id == case.id).values(status_reason="illness"))
    db.session.execute(update(TimelineEntry).where(TimelineEntry.action == "case.suspend").values(reason="illness"))
    db.session.commit()
    db.session.expire_all()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["pathway", "protect-reasons"])
    assert result.exit_code == 0, result.output
    assert "2 reason(s)" in result.output
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    entry = next(e for e in case.timeline if e.action == "case.suspend")
    assert (case.status_reason, entry.reason) == ("personal_circumstances", "personal_circumstances")
    with access(agent, "test.view", [case.person_id]):
        assert (case.status_reason_detail, entry.reason_detail) == ("illness", "illness")
    assert "0 reason(s)" in runner.invoke(args=["pathway", "protect-reasons"]).output  # idempotent

    result = runner.invoke(args=["pathway", "reveal-reasons"])
    assert result.exit_code == 0 and "2 reason(s)" in result.output
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    entry = next(e for e in case.timeline if e.action == "case.suspend")
    assert (case.status_reason, entry.reason) == ("illness", "illness")
    assert case.status_reason_detail_ct is None and entry.reason_detail_ct is None
