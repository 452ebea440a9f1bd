"""The API demo: tokens of the demo operator and agent on the admin page, values never kept in
clear, loaded once."""

from sqlalchemy import select

from integration_centre.accounts import demo as accounts_demo
from integration_centre.api import demo
from integration_centre.api.models import ApiToken
from integration_centre.demo import DemoReport
from integration_centre.extensions import db


def test_demo_tokens(app):
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    demo.load(report)
    db.session.commit()
    rows = db.session.scalars(select(ApiToken)).all()
    assert len(rows) == len(demo.DEMO_TOKENS)
    assert {row.user.email for row in rows} == {"operator@demo.example", "agent@demo.example"}
    assert sum(row.revoked_at is not None for row in rows) == 1
    assert all(len(row.secret_hash) == 64 for row in rows)
    assert report.created["API tokens"] == len(demo.DEMO_TOKENS)
    demo.load(report)  # idempotent
    db.session.commit()
    assert len(db.session.scalars(select(ApiToken)).all()) == len(demo.DEMO_TOKENS)
