"""Centres and reception offices: rules (territories, codes, opening hours), audit, reference centres."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from integration_centre.accounts import network
from integration_centre.accounts.models import Centre, Office, Role
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord

NAMUR, DINANT, LIEGE = "92094", "91034", "62063"


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(object_type: str, object_id) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.object_type == object_type, AuditRecord.object_id == str(object_id))
            .order_by(AuditRecord.seq)
        )
    )


def test_reference_centres_are_loaded_once_and_never_overwritten(app):
    assert network.load_reference_centres() == 8
    db.session.commit()
    centres = {c.code: c for c in db.session.scalars(select(Centre))}
    assert set(centres) == {"CRIPEL", "CRVI", "CAI", "CRIBW", "CRIC", "CERAIC", "CIMB", "CRILUX"}
    assert NAMUR in centres["CAI"].territory and DINANT in centres["CAI"].territory
    assert LIEGE in centres["CRIPEL"].territory
    assert "63023" not in centres["CRVI"].territory  # Eupen: German-speaking, never covered
    # Bastogne and Bertogne merged in 2025: only the new code is offered.
    assert "82039" in centres["CRILUX"].territory and "82003" not in centres["CRILUX"].territory
    assert _audit("centre", centres["CAI"].id) == ["centre_create"]
    assert network.history("centre", centres["CAI"].id)[0].actor == "System (init)"
    # An admin edits a centre; a second run adds nothing and changes nothing.
    centres["CAI"].name, centres["CAI"].territory = "CAI (edited)", [NAMUR]
    db.session.commit()
    assert network.load_reference_centres() == 0
    db.session.commit()
    cai = db.session.scalar(select(Centre).where(Centre.code == "CAI"))
    assert (cai.name, cai.territory) == ("CAI (edited)", [NAMUR])
    assert _count(Centre) == 8


def test_reference_centres_keep_an_existing_centre_and_add_the_others(org):
    assert network.load_reference_centres() == 7
    db.session.commit()
    assert org["centre"].name == "Centre de Namur" and org["centre"].territory == []


def test_create_and_update_centre_audited(admin):
    centre = network.create_centre(
        admin, network.CentreData(code=" cri-x ", name=" CRI X ", address="Rue 1, 5000 Namur", territory=[NAMUR])
    )
    db.session.commit()
    assert (centre.code, centre.name, centre.territory) == ("CRI-X", "CRI X", [NAMUR])
    network.update_centre(admin, centre, network.CentreData(code="CRI-X", name="CRI X2", territory=[NAMUR, DINANT]))
    db.session.commit()
    assert _audit("centre", centre.id) == ["centre_create", "centre_update"]
    assert [h.action for h in network.history("centre", centre.id)] == ["centre_update", "centre_create"]
    assert network.history("centre", centre.id)[0].actor == admin.display_name


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "NEW", "name": " "}, "name", "Enter the name."),
        ({"code": "", "name": "X"}, "code", "Enter the code."),
        ({"code": "CAI", "name": "X"}, "code", "Another centre already has this code."),
        ({"code": "cai", "name": "X"}, "code", "Another centre already has this code."),
        ({"code": "A B", "name": "X"}, "code", "2 to 32 capital letters, digits, - or _."),
        ({"code": "NEW", "name": "X", "territory": ["99999"]}, "territory", "Unknown municipality code: 99999."),
        ({"code": "NEW", "name": "X", "territory": ["63023"]}, "territory", "Unknown municipality code: 63023."),
        ({"code": "NEW", "name": "X", "address": "x" * 301}, "address", "At most 300 characters."),
    ],
)
def test_bad_centre_is_refused_and_nothing_written(admin, org, data, field, message):
    before, audits = _count(Centre), _count(AuditRecord)
    with pytest.raises(network.NetworkInvalid) as refused:
        network.create_centre(admin, network.CentreData(**data))
    db.session.rollback()
    assert refused.value.errors[field] == [message]
    assert (_count(Centre), _count(AuditRecord)) == (before, audits)


def test_centre_territory_cannot_drop_an_office_municipality(admin, org):
    org["centre"].territory = [NAMUR, DINANT]
    org["office"].territory = [DINANT]
    db.session.commit()
    with pytest.raises(network.NetworkInvalid) as refused:
        network.update_centre(admin, org["centre"], network.CentreData(code="CAI", name="CAI", territory=[NAMUR]))
    assert "Bureau de Namur" in refused.value.errors["territory"][0]


def test_office_with_hours_and_territory(admin, org):
    org["centre"].territory = [NAMUR, DINANT]
    db.session.commit()
    office = network.create_office(
        admin,
        org["centre"],
        network.OfficeData(
            name="Bureau d'Andenne",
            address="Place 1, 5300 Andenne",
            territory=[NAMUR],
            opening_hours={"mon": [("09:00", "12:30")], "thu": [("13:00", "16:00")], "fri": [("", "")]},
        ),
    )
    db.session.commit()
    assert office.is_active and office.territory == [NAMUR]
    assert office.opening_hours == {"mon": [["09:00", "12:30"]], "thu": [["13:00", "16:00"]]}
    assert _audit("office", office.id) == ["office_create"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name."),
        ({"name": "bureau de namur"}, "name", "This centre already has an office with this name."),
        ({"name": "B", "territory": ["00000"]}, "territory", "Unknown municipality code: 00000."),
        ({"name": "B", "territory": [LIEGE]}, "territory", "Outside the centre's territory: Liège (62063)."),
        ({"name": "B", "opening_hours": {"mon": [("12:00", "09:00")]}}, "mon_closes", None),
        ({"name": "B", "opening_hours": {"tue": [("09:00", "09:00")]}}, "tue_closes", None),
        ({"name": "B", "opening_hours": {"wed": [("9h", "12:00")]}}, "wed_opens", None),
        ({"name": "B", "opening_hours": {"sat": [("09:00", "")]}}, "sat_closes", None),
    ],
)
def test_bad_office_is_refused_and_nothing_written(admin, org, data, field, message):
    org["centre"].territory = [NAMUR, DINANT]
    db.session.commit()
    before, audits = _count(Office), _count(AuditRecord)
    with pytest.raises(network.NetworkInvalid) as refused:
        network.create_office(admin, org["centre"], network.OfficeData(**data))
    db.session.rollback()
    assert field in refused.value.errors
    if message:
        assert refused.value.errors[field] == [message]
    assert (_count(Office), _count(AuditRecord)) == (before, audits)
    if field == "mon_closes":
        assert refused.value.errors[field] == ["The closing time must be after the opening time."]
