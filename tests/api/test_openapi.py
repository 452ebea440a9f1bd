"""The OpenAPI document is generated from the schemas and covers every API endpoint; the
human-readable reference is rendered on the server (no script of its own, no CDN) from the same document."""

from __future__ import annotations

import re

from flask import current_app


def _api_rules():
    rules = current_app.url_map.iter_rules()
    return [r for r in rules if r.endpoint.startswith("api.") and r.endpoint != "api.openapi_page"]


def test_document_covers_every_endpoint_with_its_scope_and_errors(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in _api_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    complete = spec["paths"]["/api/v1/referrals/{referral_id}/complete"]["post"]
    assert "`referrals:write`" in complete["description"]
    assert {"200", "401", "403", "404", "409", "413", "422", "429"} <= set(complete["responses"])
    assert complete["responses"]["409"]["content"]["application/problem+json"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in complete["parameters"])
    schemas = spec["components"]["schemas"]
    assert {"Referral", "ReferralSummary", "ReferralPerson", "CaseSummary", "Problem", "NewcomerCreate"} <= set(schemas)
    person = schemas["ReferralPerson"]["properties"]
    assert not {"date_of_birth", "niss", "address", "nationality", "residence_category"} & set(person)
    assert schemas["Attendance"]["additionalProperties"] is False  # unknown fields are refused


def test_reference_page_is_server_rendered_without_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(re.fullmatch(r'<script src="/static/js/[\w-]+\.js" defer>', tag) for tag in scripts), scripts
    assert "style=" not in html and "cdn" not in html.lower()
    for path in ("/api/v1/referrals", "/api/v1/referrals/{referral_id}/complete", "/api/v1/newcomers/search"):
        assert path in html
    assert 'id="schema-Referral"' in html and "referrals:write" in html
    assert 'href="/api/v1/openapi.json"' in html
