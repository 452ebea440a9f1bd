"""Acceptance 4: schemathesis, against the OpenAPI document served by a live server, with seeded
tokens: no 5xx, every response conforms to the document (status code, media type, schema, headers)
and invalid input is rejected.

Runs in the normal suite (SQLite) and in the PostgreSQL pass; a few examples per operation keep
it well under a minute.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from integration_centre.accounts.models import Role
from tests.accounts.helpers import second_app
from tests.api.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def served_api(request, db_url, app, tmp_path, make_token, make_referral, org):
    """A live server on the test database with a referral, and one token per kind of account."""
    referral = make_referral()
    operator, _ = make_token(Role.OPERATOR, operator_id=org["operator"].id)
    agent, _ = make_token(Role.AGENT)
    served = second_app(request, db_url, tmp_path / "contract")
    served.config["BABEL_DEFAULT_LOCALE"] = "en"
    server = make_server("127.0.0.1", 0, served, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    request.addfinalizer(lambda: (server.shutdown(), thread.join(timeout=10)))
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    schema.tokens = {"operator": operator, "agent": agent}  # read back by the test below
    schema.base = base
    # Path ids that exist, so that operations reach their rules and not only 404.
    schema.known_ids = {"referral_id": referral.id, "case_id": referral.case_id, "newcomer_id": referral.person_id}
    return schema


schema = schemathesis.pytest.from_fixture("served_api")


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case, served_api):
    kind = "operator" if case.path.startswith("/api/v1/referrals") else "agent"
    for name, value in served_api.known_ids.items():
        if name in (case.path_parameters or {}) and _is_uuid(case.path_parameters[name]):
            case.path_parameters[name] = str(value)
    headers = bearer(served_api.tokens[kind])
    if case.headers and "Idempotency-Key" in case.headers:
        headers["Idempotency-Key"] = case.headers["Idempotency-Key"]
    case.call_and_validate(base_url=served_api.base, headers=headers, checks=CHECKS)
