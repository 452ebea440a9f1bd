"""Dispensations: legal basis, evidence upload encrypted at rest, mid-pathway work."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from integration_centre.extensions import db
from integration_centre.pathway import events, services
from integration_centre.pathway.eligibility import Status
from integration_centre.pathway.errors import PathwayError
from integration_centre.pathway.services import UploadedDocument
from integration_centre.privacy.access import access

PDF = UploadedDocument("contrat-de-travail.pdf", "application/pdf", b"%PDF-1.4 contrat CDI mi-temps Dupont SA")


def test_work_dispensation_mid_pathway_ends_the_obligation(agent, started_case):
    case = started_case(on=date(2025, 3, 1))
    newcomer = case.person
    assert services.eligibility_for(agent, newcomer, case=case, on=date(2025, 6, 1)).status == Status.OBLIGED
    with events.collect() as received:
        dispensation = services.record_dispensation(
            agent, newcomer, "work", date(2025, 7, 1), case=case, document=PDF, note="CDI mi-temps"
        )
        db.session.commit()
    assert [e.type for e in received] == ["dispensation_recorded"]
    assert received[0].reason == "work" and received[0].person["status"] == "dispensed:work"
    assert case.obligation_ended_on == date(2025, 7, 1)
    assert services.eligibility_for(agent, newcomer, case=case, on=date(2025, 6, 30)).status == Status.OBLIGED
    after = services.eligibility_for(agent, newcomer, case=case, on=date(2025, 7, 1))
    assert after.status == Status.DISPENSED and after.obligation_ends_on == date(2025, 7, 1)
    assert dispensation.validated_by_id == agent.id
    with access(agent, "test.view", [newcomer.id]):
        assert dispensation.legal_basis.startswith("CWASS")
        assert dispensation.reason == "work"
    assert services.read_document(agent, dispensation.documents[0]).content == PDF.content


def test_evidence_and_reason_are_encrypted_at_rest(agent, started_case):
    case = started_case()
    services.record_dispensation(agent, case.person, "medical", date(2025, 4, 1), case=case, document=PDF)
    db.session.commit()
    stored = b" ".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
        for table in ("pathway_dispensation", "pathway_evidence_document", "pathway_timeline_entry")
        for row in db.session.execute(text(f"SELECT * FROM {table}")).mappings()  # noqa: S608 - fixed names
        for v in row.values()
    )
    for clear in (b"medical", b"contrat", b"CDI", b"CWASS", b"contrat-de-travail"):
        assert clear not in stored


@pytest.mark.parametrize(
    ("reason", "document", "fragment"),
    [
        ("work", None, "requires an evidence document"),
        ("flying", PDF, "Choose a dispensation reason"),
        ("work", UploadedDocument("x.exe", "application/x-msdownload", b"MZ"), "PDF, JPEG or PNG"),
        ("work", UploadedDocument("x.pdf", "application/pdf", b""), "empty"),
    ],
)
def test_refused_dispensations_change_nothing(agent, started_case, reason, document, fragment):
    case = started_case()
    version = case.version
    with events.collect() as received, pytest.raises(PathwayError) as error:
        services.record_dispensation(agent, case.person, reason, date(2025, 4, 1), case=case, document=document)
    db.session.rollback()
    assert fragment in error.value.message
    assert case.version == version and case.obligation_ended_on is None and received == []


def test_dispensation_without_evidence_requirement_and_without_case(agent, register):
    newcomer = register(nationality="UA", residence_category="temporary_protection")
    result = services.eligibility_for(agent, newcomer, on=date(2025, 6, 1))
    assert result.status == Status.DISPENSED and result.reason_code == "temporary_protection"
    other = register(family_name="Other")
    services.record_dispensation(agent, other, "age", date(2025, 3, 1))
    db.session.commit()
    assert services.eligibility_for(agent, other, on=date(2025, 6, 1)).status == Status.DISPENSED


def test_voluntary_case_for_someone_not_obliged(agent, register):
    # Issue 16, rule 2: a dispensed person who joins stays "dispensed, reason R, participating"
    # (it was counted as "voluntary" before). Turkish national → association_agreement, automatic.
    newcomer = register(nationality="TR")
    case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
    db.session.commit()
    assert case.participation == "voluntary"
    assert (case.assessed_status, case.assessed_reason, case.assessed_on) == (
        "dispensed",
        "association_agreement",
        date(2025, 3, 1),
    )
    result = services.eligibility_for(agent, newcomer, case=case, on=date(2025, 6, 1))
    assert result.status == Status.DISPENSED and result.basis_status == Status.DISPENSED
    assert result.statistical_status == "dispensed:association_agreement"
    assert result.explanation().startswith("Voluntary participant. Dispensed (")


def test_revoking_a_work_dispensation_restores_the_obligation(agent, started_case):
    """Issue 16: a revoked dispensation no longer counts; the case's obligation end is recomputed."""
    from integration_centre.pathway.models import TimelineEntry

    case = started_case(on=date(2025, 3, 1))
    newcomer = case.person
    dispensation = services.record_dispensation(agent, newcomer, "work", date(2025, 7, 1), case=case, document=PDF)
    db.session.commit()
    assert case.obligation_ended_on == date(2025, 7, 1)
    with pytest.raises(PathwayError, match="Say why"):
        services.revoke_dispensation(agent, dispensation, case=case, note="  ")
    db.session.rollback()
    services.revoke_dispensation(agent, dispensation, case=case, note="Contrat rompu pendant l'essai")
    db.session.commit()
    assert dispensation.revoked_at is not None and dispensation.revoked_by_id == agent.id
    assert case.obligation_ended_on is None
    assert services.eligibility_for(agent, newcomer, case=case, on=date(2025, 8, 1)).status == Status.OBLIGED
    assert services.recorded_dispensations(newcomer.id) == []
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.action == "dispensation.revoke")).one()
    with access(agent, "test.view", [newcomer.id]):
        assert entry.note == "Contrat rompu pendant l'essai"
    with pytest.raises(PathwayError, match="already revoked"):
        services.revoke_dispensation(agent, dispensation, case=case, note="encore")
    db.session.rollback()
    listed = services.dispensations_of(agent, newcomer)
    assert [(d["reason"], d["revoked"], len(d["documents"])) for d in listed] == [("work", True, 1)]
