"""Deadlines from the definition's clock-start events, and extensions on the definition's grounds."""

from datetime import date

import pytest
from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import services
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.models import Case, EvidenceDocument
from integration_centre.pathway.services import UploadedDocument

CERTIFICATE = UploadedDocument("attestation.pdf", "application/pdf", b"%PDF-1.4 certificat du docteur")


def dates(permit, registration):
    return {"permit_order": permit, "registration": registration}


@pytest.mark.parametrize(("permit", "months"), [(date(2024, 6, 3), 18), (date(2025, 2, 3), 36)])
def test_completion_deadline_per_rule_version(agent, register, permit, months):
    newcomer = register(permit_order_date=permit, registration_date=permit)
    case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
    db.session.commit()
    expected = date(permit.year + (permit.month + months - 1) // 12, (permit.month + months - 1) % 12 + 1, 3)
    assert services.deadline_date(case, dates(permit, permit)) == expected
    assert services.deadline_date(case, dates(permit, permit), "report") == date(
        permit.year + (permit.month + 2) // 12, (permit.month + 2) % 12 + 1, 3
    )


def test_extension_on_a_ground_of_the_definition(agent, started_case):
    case = started_case()
    permit = date(2025, 2, 3)
    before = services.deadline_date(case, dates(permit, permit))
    # Illness needs evidence since issue 16: the certificate is stored with the case.
    services.extend_deadline(agent, case, "illness", 6, note="Hospitalisation", document=CERTIFICATE)
    db.session.commit()
    assert services.deadline_date(case, dates(permit, permit)) == date(before.year, before.month + 6, before.day)
    for ground, months in (("holiday", 3), ("illness", 0)):
        with pytest.raises(PathwayError):
            services.extend_deadline(agent, case, ground, months)
        db.session.rollback()
    assert db.session.get(Case, case.id).deadline_extended_months == 6


@pytest.mark.parametrize(
    ("permit", "version"), [(date(2024, 6, 3), "2018"), (date(2025, 2, 3), "2025")], ids=["2018", "2025"]
)
def test_grounds_that_require_evidence_are_refused_without_it(agent, started_case, permit, version):
    case = started_case(permit_order_date=permit, registration_date=permit)
    assert (case.definition_code, case.definition_version) == ("wallonia", version)
    grounds = {g["code"]: g.get("evidence_required", False) for g in services.definition_of(case).extension_grounds}
    assert grounds == {"illness": True, "pregnancy": True, "force_majeure": True, "no_places": False}
    for ground in ("illness", "pregnancy", "force_majeure"):
        with pytest.raises(PathwayError, match="requires an evidence document") as error:
            services.extend_deadline(agent, case, ground, 3)
        assert "document" in error.value.field_errors
        db.session.rollback()
    assert db.session.get(Case, case.id).deadline_extended_months == 0
    services.extend_deadline(agent, case, "no_places", 2)  # no evidence needed
    services.extend_deadline(agent, case, "force_majeure", 3, document=CERTIFICATE)
    services.extend_deadline(agent, case, "pregnancy", 4, document=CERTIFICATE)
    db.session.commit()
    assert db.session.get(Case, case.id).deadline_extended_months == 2 + 3 + 4
    stored = db.session.scalars(select(EvidenceDocument).order_by(EvidenceDocument.created_at)).all()
    # A pregnancy certificate is a medical certificate (kept coarse in clear); force majeure: "other".
    assert sorted(d.kind for d in stored) == ["other", "special_category"]
    assert {d.case_id for d in stored} == {case.id}
    refused = UploadedDocument("attestation.png", None, CERTIFICATE.content)  # a PDF renamed .png
    with pytest.raises(PathwayError, match="does not match its content"):
        services.extend_deadline(agent, case, "illness", 1, document=refused)
    db.session.rollback()
    assert db.session.get(Case, case.id).deadline_extended_months == 9
