"""The quickstart demo's personal link: a demo person's live link and date of birth, printed."""

from __future__ import annotations

from datetime import date

from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.space import demo, links
from tests.space.conftest import BIRTH_DATE, open_space


def test_the_demo_person_gets_a_live_link_printed_with_the_birth_date(app, person, org):
    agent, newcomer = person
    org["office"].name = "Bureau d'accueil de Namur"  # the demo office
    pathway.open_case(agent, newcomer, on=date(2026, 1, 5))
    db.session.commit()
    report = DemoReport(password="x")
    demo.load(report)  # not in demo mode: nothing
    assert report.space_link_path is None
    app.config["DEMO_MODE"] = True
    demo.load(report)
    db.session.commit()
    lines = report.space_demo("http://127.0.0.1:5000/")
    assert f"http://127.0.0.1:5000/my/link/{demo.demo_token()}" in lines and "14/03/1995" in lines
    assert open_space(app.test_client(), demo.demo_token(), BIRTH_DATE).status_code == 302
    # a second run (the link revoked meanwhile) gives the same link back, live
    links.revoke(links.find(demo.demo_token()))
    db.session.commit()
    again = DemoReport(password="x")
    demo.load(again)
    db.session.commit()
    assert again.space_link_path == report.space_link_path
    assert links.live_link(demo.demo_token()) is not None
