"""The reception demo adds assessments, sessions, tests, tasks, certificates (one revoked) and
notifications to the Namur demo cases, idempotently; the demo agent sees them."""

from __future__ import annotations

from sqlalchemy import func, select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.models import User
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo as pathway_demo
from integration_centre.reception import demo, services
from integration_centre.reception.models import (
    Certificate,
    InformationSession,
    PositioningTest,
    ProcedureTask,
    SocialAssessment,
    ThirdPartyNotification,
)
from tests.conftest import login

MODELS = (SocialAssessment, InformationSession, PositioningTest, ProcedureTask, Certificate, ThirdPartyNotification)


def _counts() -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_demo_reception_records(app, client):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    db.session.commit()
    pathway_demo.load(report)
    db.session.commit()
    demo.load(report)
    db.session.commit()
    counts = _counts()
    assert counts["SocialAssessment"] >= 10
    assert counts["InformationSession"] >= 10
    assert counts["PositioningTest"] >= 5
    assert counts["ProcedureTask"] >= 10
    assert counts["Certificate"] >= 2
    assert counts["ThirdPartyNotification"] >= 3
    revoked = db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_not(None))).all()
    assert len(revoked) == 1
    valid = db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None))).all()
    assert len(valid) >= 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(ThirdPartyNotification).where(ThirdPartyNotification.sent_at.is_not(None))
        )
        >= 1
    )

    demo.load(report)  # idempotent
    db.session.commit()
    assert _counts() == counts

    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    login(client, agent, password="demo-password-for-tests")
    certificate = valid[0]
    page = client.get(f"/cases/{certificate.case_id}/reception")
    assert page.status_code == 200
    assert services.format_code(certificate.code) in page.get_data(as_text=True)
    assert client.get(f"/certificates/{certificate.id}.pdf").data.startswith(b"%PDF")
    assert client.get("/reception/outbox").status_code == 200
    public = app.test_client()
    assert "revoked" in public.get(f"/verify/{revoked[0].code}").get_data(as_text=True).lower()
