"""Office endpoints: create a newcomer file, search it by NISS or name and date of birth (POST),
open a case, read its summary; another office's files answer 404."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.pathway.models import Case, Newcomer
from integration_centre.privacy.models import AuditRecord
from tests.api.conftest import bearer, problem_of

FILE = {
    "family_name": "Nkemelu",
    "given_names": "Grâce",
    "date_of_birth": "1992-08-21",
    "sex": "F",
    "nationality": "CD",
    "residence_category": "family_reunification",
    "permit_order_date": "2025-02-03",
    "registration_date": "2025-02-10",
    "niss": "92082100295",
    "municipality_code": "92094",
    "languages": ["fr", "ln"],
    "preferred_language": "fr",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_office_registers_searches_and_opens_a_case(client, make_token, org):
    secret, token = make_token(Role.AGENT)
    headers = bearer(secret)
    created = client.post("/api/v1/newcomers", json=FILE, headers=headers)
    assert created.status_code == 201, created.get_json()
    newcomer_id = created.get_json()["id"]
    assert set(created.get_json()) == {"id", "warnings"}
    newcomer = db.session.get(Newcomer, uuid.UUID(newcomer_id))
    assert newcomer.registered_by_office_id == token.user.office_id

    duplicate = client.post("/api/v1/newcomers", json=FILE, headers=headers)
    assert duplicate.status_code == 409
    assert problem_of(duplicate)["code"] == "duplicate_suspected"
    assert _count(Newcomer) == 1

    by_niss = client.post("/api/v1/newcomers/search", json={"niss": "92.08.21-002.95"}, headers=headers)
    assert by_niss.status_code == 200
    assert by_niss.get_json() == {"items": [{"id": newcomer_id, "cases": []}]}
    by_name = client.post(
        "/api/v1/newcomers/search",
        json={"family_name": "NKEMELU", "given_names": "grace", "date_of_birth": "1992-08-21"},
        headers=headers,
    )
    assert [item["id"] for item in by_name.get_json()["items"]] == [newcomer_id]
    nobody = client.post(
        "/api/v1/newcomers/search",
        json={"family_name": "Nkemelu", "given_names": "Grâce", "date_of_birth": "1992-08-22"},
        headers=headers,
    )
    assert nobody.get_json() == {"items": []}
    assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.purpose == "api.search"))

    opened = client.post(f"/api/v1/newcomers/{newcomer_id}/cases", headers=bearer(secret, Idempotency_Key="open-1"))
    assert opened.status_code == 201, opened.get_json()
    summary = opened.get_json()
    assert summary["status"] == "open" and summary["newcomer_id"] == newcomer_id
    assert summary["definition_code"] and summary["steps"]
    assert opened.headers["Location"].endswith(f"/api/v1/cases/{summary['id']}")
    replay = client.post(f"/api/v1/newcomers/{newcomer_id}/cases", headers=bearer(secret, Idempotency_Key="open-1"))
    assert replay.status_code == 201 and replay.get_json()["id"] == summary["id"]
    again = client.post(f"/api/v1/newcomers/{newcomer_id}/cases", json={}, headers=headers)
    assert again.status_code == 409 and "active case" in problem_of(again)["detail"]
    assert _count(Case) == 1

    fetched = client.get(f"/api/v1/cases/{summary['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.get_json() == summary
    found = client.post("/api/v1/newcomers/search", json={"niss": FILE["niss"]}, headers=headers).get_json()
    assert found["items"][0]["cases"] == [{"id": summary["id"], "status": "open", "office_id": org["office"].id}]


def test_other_office_sees_nothing(client, make_token, org):
    secret, _ = make_token(Role.AGENT)
    other, _ = make_token(Role.AGENT, office_id=org["other_office"].id)
    newcomer_id = client.post("/api/v1/newcomers", json=FILE, headers=bearer(secret)).get_json()["id"]
    case_id = client.post(f"/api/v1/newcomers/{newcomer_id}/cases", headers=bearer(secret)).get_json()["id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(other)).status_code == 404
    assert client.post(f"/api/v1/newcomers/{newcomer_id}/cases", headers=bearer(other)).status_code == 404
    found = client.post("/api/v1/newcomers/search", json={"niss": FILE["niss"]}, headers=bearer(other))
    assert found.get_json() == {"items": []}
    assert _count(Case) == 1


def test_scopes_of_office_tokens(client, make_token, org):
    reader, _ = make_token(Role.AGENT, scopes=["newcomers:read", "cases:read"])
    response = client.post("/api/v1/newcomers", json=FILE, headers=bearer(reader))
    assert response.status_code == 403 and "newcomers:write" in problem_of(response)["detail"]
    assert _count(Newcomer) == 0
    operator, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    response = client.post("/api/v1/newcomers/search", json={"niss": FILE["niss"]}, headers=bearer(operator))
    assert response.status_code == 403
