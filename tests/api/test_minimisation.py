"""Acceptance 1 (API part): no API response ever carries the date of birth, NISS, address,
nationality, residence status or assessment of a person.

A newcomer is seeded with marker values (and a social assessment and a step note holding a
marker); every API endpoint (the URL map is enumerated, so a new
endpoint fails this test until it is exercised here) is called by operator and office tokens,
successes and refusals alike, and each JSON body is scanned: marker strings in every encoding
(``tests/privacy/markers.py``) and the coded values (nationality, residence category) as JSON
values.
"""

from __future__ import annotations

import json
from datetime import date

from flask import current_app

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.pathway.services import StepChange
from integration_centre.reception import services as reception
from tests.api.conftest import bearer
from tests.privacy.markers import find_markers

DOB = date(1983, 11, 27)
NISS = "83112700436"
STREET = "Rue Qwvbzlort 23"
ASSESSMENT = "Assessmarkerqlzt"
NATIONALITY, RESIDENCE = "ER", "subsidiary_protection"
TEXT_MARKERS = [
    NISS,
    "83.11.27-004.36",
    STREET,
    ASSESSMENT,
    DOB.isoformat(),
    DOB.strftime("%d/%m/%Y"),
    DOB.strftime("%d.%m.%Y"),
    "Eritrea",
    "Érythrée",
    RESIDENCE,
    "subsidiary protection",
]
CODE_MARKERS = {NATIONALITY, RESIDENCE}


def _values(document) -> list[str]:
    """Every key and string value of a JSON document."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append(str(key))
            found.extend(_values(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_values(item))
    elif document is not None:
        found.append(str(document))
    return found


def _seed(make_referral, agent):
    referral = make_referral(
        family_name="Tesfay",
        given_names="Mebrat",
        date_of_birth=DOB,
        sex="F",
        niss=NISS,
        nationality=NATIONALITY,
        residence_category=RESIDENCE,
        address=f"{STREET}, 5000 Namur",
    )
    case = db.session.get(Case, referral.case_id)
    change = StepChange(note=f"{ASSESSMENT} step note", planned_on=date(2025, 4, 10))
    pathway.transition_step(agent, case, "citizenship", "plan", change, on=date(2025, 4, 1))
    assessment = {"housing": {"level": "urgent", "detail": f"{ASSESSMENT} housing"}, "notes": f"{ASSESSMENT} notes"}
    reception.record_assessment(agent, case, assessment, on=date(2025, 4, 1))
    db.session.commit()
    assert ASSESSMENT in str(reception.assessment_for(agent, case))  # the marker is really there
    return referral, case


def test_no_api_response_carries_a_protected_marker(client, make_token, make_referral, agent, org):
    referral, case = _seed(make_referral, agent)
    operator, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    other_operator, _ = make_token(Role.OPERATOR, operator_id=org["other_operator"].id)
    office, _ = make_token(Role.AGENT, user=agent)
    scanned: list[tuple[str, str, int]] = []
    endpoints: set[str] = set()
    adapter = current_app.url_map.bind("localhost")

    def call(method: str, path: str, secret: str, payload=None, *, scan: bool = True):
        response = client.open(path, method=method, json=payload, headers=bearer(secret))
        assert response.status_code < 500, (method, path)
        body = response.get_data()
        assert response.is_json, (method, path, response.content_type)
        document = json.loads(body)
        if scan:
            hits = find_markers(body, TEXT_MARKERS)
            assert hits == [], (method, path, hits)
            coded = CODE_MARKERS & set(_values(document))
            assert coded == set(), (method, path, coded)
        endpoints.add(adapter.match(path.split("?")[0], method=method)[0])
        scanned.append((method, path, response.status_code))
        return response

    base = f"/api/v1/referrals/{referral.id}"
    call("GET", "/api/v1/token", operator)
    call("GET", "/api/v1/openapi.json", operator, scan=False)  # the schema lists every category code
    call("GET", "/api/v1/referrals", operator)
    call("GET", "/api/v1/referrals?state=sent", operator)
    call("GET", base, operator)
    call("GET", base, other_operator)
    call("POST", f"{base}/decline", other_operator, {"reason": "no_places"})
    call("POST", f"{base}/complete", operator, {})
    call("POST", f"{base}/accept", operator)
    call("POST", f"{base}/attendance", operator, {"sessions": 40, "hours": 400, "attended_from": "2025-04-02"})
    call("POST", f"{base}/complete", operator, {"result": "B1", "course_format": "evening"})
    call("POST", f"{base}/abandon", operator, {"reason": "work"})
    second = make_referral(operator="operator", step="french_course", family_name="Other", given_names="Person")
    call("POST", f"/api/v1/referrals/{second.id}/decline", operator, {"reason": "schedule"})
    third = make_referral(family_name="Third", given_names="Person")
    call("POST", f"/api/v1/referrals/{third.id}/accept", operator)
    call("POST", f"/api/v1/referrals/{third.id}/abandon", operator, {"reason": "never_came"})

    call("GET", f"/api/v1/cases/{case.id}", office)
    call("GET", f"/api/v1/cases/{case.id}", operator)
    call("POST", "/api/v1/newcomers/search", office, {"niss": NISS})
    call("POST", "/api/v1/newcomers/search", office, {"family_name": "Tesfay", "given_names": "Mebrat",
                                                      "date_of_birth": DOB.isoformat()})  # fmt: skip
    call("POST", f"/api/v1/newcomers/{case.person_id}/cases", office, {})  # 409: active case
    same = {"family_name": "Tesfay", "given_names": "Mebrat", "date_of_birth": DOB.isoformat(), "sex": "F",
            "nationality": NATIONALITY, "residence_category": RESIDENCE, "niss": NISS,
            "address": f"{STREET}, 5000 Namur", "permit_order_date": "2025-02-03"}  # fmt: skip
    call("POST", "/api/v1/newcomers", office, same)  # 409: duplicate
    created = call("POST", "/api/v1/newcomers", office, {**same, "confirm_duplicate": True}).get_json()
    call("POST", f"/api/v1/newcomers/{created['id']}/cases", office, {"voluntary": False})
    call("POST", "/api/v1/newcomers", office, {**same, "date_of_birth": "2999-01-01"})  # 422

    api_endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert api_endpoints - {"api.openapi_page"} <= endpoints, "exercise every API endpoint here"
    assert {status for _, _, status in scanned} >= {200, 201, 403, 404, 409, 422}, scanned
