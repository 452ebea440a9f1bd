"""Issue 16, rule 6: AOC / FIC are the two formats of the citizenship training by French level.

``aoc`` (ateliers d'orientation citoyenne, civic orientation workshops) below A2, ``fic``
(formation à l'intégration citoyenne, civic integration training) at A2 or above (glossary).
A choice that does not fit the person's last positioning level is warned about, never refused.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.operators import services as referrals
from integration_centre.operators.labels import FORMAT_LABELS
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from tests.accounts.helpers import page_text
from tests.pathway.conftest import finish_reception


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("pre_A1", "aoc"),  # rank 0 < rank of A2 (2)
        ("A1", "aoc"),  # rank 1 < 2
        ("A2", "fic"),  # rank 2, not below A2
        ("B1", "fic"),  # rank 3
        ("C2", "fic"),
        (None, None),  # no test yet: no advice, no warning
        ("Z9", None),  # not a CEFR level
    ],
)
def test_fitting_format_by_level(level, expected):
    assert pathway.fitting_civic_format(level) == expected


def test_labels_say_what_the_formats_are(app):
    with app.test_request_context(), force_locale("en"):
        assert str(FORMAT_LABELS["aoc"]) == "Civic orientation workshops (AOC)"
        assert str(FORMAT_LABELS["fic"]) == "Civic integration training (FIC)"


@pytest.mark.parametrize(
    ("level", "chosen", "warned"),
    [
        ("A1", "aoc", None),
        ("A1", "fic", "A1: Civic orientation workshops (AOC) fits better than Civic integration training (FIC)"),
        ("pre_A1", "fic", "pre A1: Civic orientation workshops (AOC) fits better than"),
        ("A2", "aoc", "A2: Civic integration training (FIC) fits better than Civic orientation workshops (AOC)"),
        ("A2", "fic", None),
        ("B1", "aoc", "B1: Civic integration training (FIC) fits better than"),
        ("B1", "fic", None),
    ],
)
def test_warning_follows_the_last_positioning_level(app, agent, open_case, level, chosen, warned):
    case = open_case()
    finish_reception(agent, case, level=level)
    with app.test_request_context(), force_locale("en"):
        assert pathway.last_positioning_level(case) == level
        warning = pathway.civic_format_warning(case, chosen)
    if warned is None:
        assert warning is None
    else:
        assert warning.startswith("The person's last positioning level is ") and warned in warning


def test_no_warning_while_the_level_is_unknown(app, open_case):
    case = open_case()  # reception module not done: no positioning test yet
    with app.test_request_context(), force_locale("en"):
        assert pathway.last_positioning_level(case) is None
        assert pathway.civic_format_warning(case, "aoc") is None
        assert pathway.civic_format_warning(case, "fic") is None
        assert pathway.civic_format_hint(case) is None


def test_step_page_advises_and_warns_without_refusing(app, agent, agent_client, open_case):
    case = open_case()
    finish_reception(agent, case, level="A2")
    base = f"/cases/{case.id}/steps/citizenship"
    page = page_text(agent_client.get(base))
    assert (
        "Le dernier niveau de positionnement de la personne est A2 : "
        "Formation à l'intégration citoyenne (FIC) lui convient." in page
    )
    assert "Ateliers d'orientation citoyenne (AOC)" in page  # the result choices are labelled
    assert agent_client.post(base, data={"action": "start"}).status_code == 302
    response = agent_client.post(
        base,
        data={"action": "complete", "hours": "60", "result": "aoc", "evidence": "attendance_record"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = page_text(response)
    assert (
        "Le dernier niveau de positionnement de la personne est A2 : Formation à l'intégration citoyenne (FIC) "
        "lui convient mieux que Ateliers d'orientation citoyenne (AOC)." in html
    )
    db.session.expire_all()
    step = db.session.get(Case, case.id).step("citizenship")
    assert (step.state.value, step.result) == ("completed", "aoc")  # warned, not refused


def test_referral_page_warns_beside_an_operator_offering_only_the_other_format(
    app, agent, agent_client, open_case, org, make_user
):
    admin = make_user(Role.ADMIN)
    for organisation, formats in ((org["operator"], ["day", "aoc"]), (org["other_operator"], ["fic"])):
        referrals.save_profile(
            admin,
            organisation,
            referrals.ProfileData(service_types=["citizenship"], formats=formats, capacity=10, languages=["fr"]),
        )
    db.session.commit()
    case = open_case()
    finish_reception(agent, case, level="B1")
    page = page_text(agent_client.get(f"/cases/{case.id}/steps/citizenship/refer"))
    assert (
        "Le dernier niveau de positionnement de la personne est B1 : "
        "Formation à l'intégration citoyenne (FIC) lui convient." in page
    )
    # Only the operator offering AOC alone gets the warning (B1 → FIC).
    assert page.count("lui convient mieux que Ateliers d'orientation citoyenne (AOC)") == 1
