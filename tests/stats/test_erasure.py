"""Erasing a person (crypto-shredding their key) changes no published figure: facts hold nothing
that leads back to them, so republishing and rebuilding give the same bytes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from integration_centre.extensions import db
from integration_centre.privacy.keys import destroy_person_key
from integration_centre.stats import services
from integration_centre.stats.models import Fact
from tests.pathway.conftest import agent, finish_reception, register, started_case  # noqa: F401 - fixtures
from tests.stats.releases_seed import seed

PERIOD = "2025-Q1"


def test_erasing_a_person_changes_no_published_figure(app, org, agent, started_case):  # noqa: F811 - fixture
    import integration_centre.stats.views  # noqa: F401 - connects the fact listener

    seed(persons=1500)
    seeded = db.session.scalar(select(func.count()).select_from(Fact))
    cases = [started_case(on=date(2025, 3, 3)) for _ in range(3)]
    for case in cases:
        finish_reception(agent, case, on=date(2025, 3, 10))
    facts_before = db.session.scalar(select(func.count()).select_from(Fact))
    assert facts_before - seeded >= 3 * 8  # the real cases' events reached the facts
    release = services.publish(PERIOD).release
    db.session.commit()
    digest, content = release.content_hash, release.content

    for case in cases:
        destroy_person_key(case.person_id, actor=agent, purpose="erasure")
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(Fact)) == facts_before
    again = services.publish(PERIOD)
    assert again.created is False and again.release.content_hash == digest
    assert services.build_content(services.parse_period(PERIOD), services.parse_scope("region")) == content
    assert [r.changed for r in services.rebuild()] == [False]
