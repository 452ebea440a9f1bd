from datetime import date

from integration_centre.extensions import db
from integration_centre.pathway import events, services


def test_open_and_start(agent, register):
    newcomer = register()
    with events.collect() as received:
        case = services.open_case(agent, newcomer, on=date(2025, 3, 1))
        db.session.commit()
    assert [e.type for e in received] == ["case_opened"]
    assert case.definition_version == "2025"
    print(received[0].as_dict())
