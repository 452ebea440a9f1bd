"""The structured export of the reception records for the person's access request (GDPR Art. 15/20),
registered as the reception exporter of the privacy core's access export."""

from __future__ import annotations

import json
from datetime import date

from integration_centre.extensions import db
from integration_centre.privacy import subject_data
from integration_centre.privacy.access import access
from integration_centre.reception import services
from tests.reception.helpers import do_reception, finish_training


def test_reception_export_provider(app, agent, started_case):
    case = started_case()
    do_reception(agent, case)
    services.record_assessment(agent, case, {"health": {"level": "urgent", "detail": "asthma"}}, on=date(2025, 3, 6))
    finish_training(agent, case)
    certificate = services.issue_certificate(agent, case, on=date(2025, 9, 2))
    services.queue_notification(agent, case, "cpas")
    db.session.commit()
    registered = dict(subject_data.exporters())["reception"]
    with access(agent, "test.export", [case.person_id], action="export"):
        exported = services.subject_export(case.person_id)
        assert registered(case.person_id) == exported
    json.dumps(exported)  # plain JSON values only
    assert exported["social_assessments"][0]["needs"]["health"] == {"level": "urgent", "detail": "asthma"}
    assert exported["positioning_tests"][0]["level"] == "B1"
    assert exported["information_sessions"][0]["interpreter"] is True
    assert exported["procedure_tasks"][0]["title"] == "Mutuelle"
    assert exported["certificates"][0]["verification_code"] == services.format_code(certificate.code)
    assert exported["third_party_notifications"][0]["data_sent"]["agreement"] is True
    other = started_case(family_name="Empty")
    with access(agent, "test.export", [other.person_id], action="export"):
        assert services.subject_export(other.person_id) == {}
