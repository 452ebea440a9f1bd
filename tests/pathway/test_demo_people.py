"""Demo data that looks real: valid synthetic national numbers (some bis numbers) for most demo
persons, found by the search by national number; Belgian addresses in the person's commune."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from stdnum.be import bis, nn

from integration_centre.accounts import demo as accounts_demo
from integration_centre.accounts.models import User
from integration_centre.demo import DemoReport
from integration_centre.extensions import db
from integration_centre.pathway import demo, demo_people, reference
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.niss import check
from integration_centre.privacy.access import Actor, access
from integration_centre.workspace import demo as workspace_demo
from integration_centre.workspace import services as workspace

ENGLISH_STREET_WORDS = re.compile(
    r"\b(street|road|lane|drive|court|way|square|hill|park|gardens|close|crescent|terrace|avenue \w+ (north|south))\b",
    re.I,
)


def _load() -> list[tuple]:
    report = DemoReport(password="demo-password-for-tests")
    accounts_demo.load(report)
    demo.load(report)
    workspace_demo.load(report)
    db.session.commit()
    newcomers = db.session.scalars(select(Newcomer)).all()
    with access(Actor.system("test"), "test.demo", [n.id for n in newcomers]):
        return [(n.niss, n.date_of_birth, n.sex, n.address, n.municipality_code) for n in newcomers]


def test_most_demo_persons_have_a_valid_national_or_bis_number(app) -> None:
    persons = _load()
    numbers = [niss for niss, *_ in persons if niss]
    assert len(numbers) >= 0.75 * len(persons), "most demo persons have a number"
    assert len(set(numbers)) == len(numbers), "every number is distinct"
    bis_numbers = [n for n in numbers if int(n[2:4]) >= 20]
    assert bis_numbers, "some persons have a bis number"
    assert len(bis_numbers) < len(numbers), "most have a national number"
    for niss, born, sex, *_ in persons:
        if not niss:
            continue
        module = bis if int(niss[2:4]) >= 20 else nn
        assert module.is_valid(niss), niss
        assert check(niss, date_of_birth=born, sex=sex).warnings == [], "the number agrees with the file"


def test_the_demo_agent_can_search_by_national_number(app) -> None:
    persons = _load()
    agent = db.session.scalar(select(User).where(User.email == "agent@demo.example"))
    bis_number = next(niss for niss, *_ in persons if niss and int(niss[2:4]) >= 20)
    national = next(niss for niss, *_ in persons if niss and int(niss[2:4]) < 20)
    for number in (bis_number, nn.format(national)):
        results = workspace.search_persons(agent, niss=number)
        assert len(results) == 1, number


def test_demo_addresses_are_belgian_streets_of_the_persons_commune(app) -> None:
    persons = _load()
    for *_, address, municipality_code in persons:
        assert not ENGLISH_STREET_WORDS.search(address), address
        street, _, rest = address.rpartition(", ")
        assert municipality_code in demo_people.STREETS, municipality_code
        commune = reference.municipality(municipality_code)
        assert rest == f"{demo_people.POSTCODES[municipality_code]} {commune.name_fr}", address
        name = re.sub(r" \d+$", "", street)
        assert name in demo_people.STREETS[municipality_code], address
        assert commune.nis_code in reference.centre_territories()["CAI"], "in the demo office's territory"


def test_national_numbers_follow_the_register_rules() -> None:
    born_1990, born_2004 = date(1990, 5, 4), date(2004, 11, 30)
    assert nn.is_valid(demo_people.national_number(born_1990, 1))
    assert nn.is_valid(demo_people.national_number(born_2004, 2))  # check digits over "2" + nine digits
    assert nn.get_birth_date(demo_people.national_number(born_2004, 2)) == born_2004
    assert bis.is_valid(demo_people.national_number(born_1990, 3, bis=True))
    assert demo_people.national_number(born_1990, 3, bis=True)[2:4] == "45"
    assert demo_people.national_number(born_1990, 3, bis=True, sex_known=False)[2:4] == "25"
    assert bis.get_gender(demo_people.national_number(born_1990, 4, bis=True)) == "F"


def test_the_blind_index_accepts_bis_numbers(app) -> None:
    """A newcomer with a bis number (accepted by the registration form) must be indexable: the
    index refused every bis number, so registering one failed (500) after validation passed."""
    from integration_centre.privacy.blind_index import compact_niss

    number = demo_people.national_number(date(1990, 5, 4), 601, bis=True)
    assert compact_niss(f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}") == number
