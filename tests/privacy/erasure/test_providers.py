"""Legal holds and retention dates from reception (certificate) and workspace (non-compliance)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway.models import Case
from integration_centre.privacy import erasure, retention
from integration_centre.reception.models import Certificate
from integration_centre.workspace.models import NoncomplianceProcedure
from tests.privacy.erasure.conftest import ADMIN_ACTOR


def _case(person_id) -> Case:
    return db.session.scalars(select(Case).where(Case.person_id == person_id)).one()


def test_a_recent_certificate_keeps_the_file_and_refuses_erasure(app, person, org):
    app.config.update(RETENTION_CLOSED_CASE_YEARS=1, RETENTION_CERTIFICATE_YEARS=5)
    holder = person("Ahmadi", "Farid", stage="closed", ended=date(2025, 3, 1))
    without = person("Berhane", "Selam", stage="closed", ended=date(2025, 3, 1))
    case = _case(holder.id)
    db.session.add(Certificate(code="TESTCODE0001", case_id=case.id, person_id=holder.id, office_id=case.office_id,
                               centre_id=case.centre_id, issued_on=date(2025, 2, 27)))  # fmt: skip
    db.session.commit()
    due = {i.person_id for i in retention.due(date(2026, 11, 23))}
    assert due == {without.id}
    later = {i.person_id: i for i in retention.due(date(2030, 3, 1))}
    assert later[holder.id].category == "certificate" and later[holder.id].due_on == date(2030, 2, 27)
    with pytest.raises(erasure.ErasureRefused) as refused:
        erasure.erase_person(holder.id, actor=ADMIN_ACTOR)
    db.session.rollback()
    assert any("certificate of attendance" in r and "until" in r for r in refused.value.reasons)


def test_a_pending_noncompliance_procedure_is_a_legal_hold(app, person, agent):
    app.config.update(RETENTION_CLOSED_CASE_YEARS=1)
    target = person("Dubois", "Marie", stage="closed", ended=date(2025, 3, 1))
    case = _case(target.id)
    procedure = NoncomplianceProcedure(case_id=case.id, person_id=target.id, status="referred",
                                       notice_sent_on=date(2025, 1, 10), grace_until=date(2025, 2, 10),
                                       referred_on=date(2025, 2, 15), opened_by_id=agent.id)  # fmt: skip
    db.session.add(procedure)
    db.session.commit()
    reasons = erasure.legal_holds(target.id)
    assert any("regional administration" in r for r in reasons)
    procedure.status = "closed"
    db.session.commit()
    assert erasure.legal_holds(target.id) == []
    erasure.erase_person(target.id, actor=ADMIN_ACTOR)
    db.session.commit()
    assert erasure.erased_on(target.id) is not None
