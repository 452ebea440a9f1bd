"""The demo loader creates ~40 synthetic newcomers with cases at every stage, idempotently."""

from collections import Counter

from sqlalchemy import select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.privacy.access import Actor, access


def test_demo_data(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    demo.load(report)
    db.session.commit()
    newcomers = db.session.scalars(select(Newcomer)).all()
    assert len(newcomers) == demo.COUNT
    statuses = Counter(case.status.value for case in db.session.scalars(select(Case)))
    assert {"open", "in_progress", "completed", "closed", "suspended"} <= set(statuses)
    with access(Actor.system("test"), "test.demo", [n.id for n in newcomers]):
        women = sum(n.sex == "F" for n in newcomers) / len(newcomers)
        nationalities = {n.nationality for n in newcomers}
    assert 0.55 <= women <= 0.63
    assert {"SY", "AF"} <= nationalities
    demo.load(report)  # idempotent
    assert len(db.session.scalars(select(Newcomer)).all()) == demo.COUNT


def test_the_demo_shows_a_medical_dispensation_with_its_certificate_and_a_revoked_one(app):
    """Issue 16: two medical dispensations with a real PDF certificate, the second one revoked."""
    from integration_centre.pathway import documents
    from integration_centre.pathway.models import Dispensation, EvidenceDocument

    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    demo.load(report)
    db.session.commit()
    rows = db.session.scalars(select(Dispensation).order_by(Dispensation.validated_at)).all()
    with access(Actor.system("test"), "test.read", {r.person_id for r in rows}):
        medical = [r for r in rows if r.reason == "medical"]
        assert len(medical) == 2
        assert [r.revoked_at is not None for r in medical] == [False, True]
        for row in medical:
            (document,) = row.documents
            assert document.kind == documents.SPECIAL_CATEGORY and document.content.startswith(b"%PDF-")
            assert document.content_type == "application/pdf"
    assert db.session.scalar(select(EvidenceDocument.id).where(EvidenceDocument.kind == "special_category"))


def test_demo_shows_needs_analyses_and_an_edited_file(app):
    from integration_centre.pathway.models import TimelineEntry

    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    demo.load(report)
    db.session.commit()
    needs = db.session.scalars(select(TimelineEntry).where(TimelineEntry.action == "case.needs")).all()
    assert needs and all(entry.note_ct is not None for entry in needs)  # the reasons, encrypted
    assert {entry.reason for entry in needs} <= {"french", None}
    [edit] = db.session.scalars(select(TimelineEntry).where(TimelineEntry.action == "newcomer.edit")).all()
    assert edit.reason == "phone"
