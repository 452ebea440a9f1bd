"""Observability (issue 19): request ids, one JSON log line per request without personal data,
Prometheus metrics behind a token (or loopback), liveness and readiness probes."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError

from integration_centre.accounts.models import Role
from integration_centre.accounts.permissions import ALL_ROLES, roles_required
from integration_centre.extensions import db
from integration_centre.observability import metrics, request_log
from tests.conftest import empty_all_tables, make_app
from tests.workspace.conftest import agent, agent_client, open_case, register  # noqa: F401 - fixtures

HEX_ID = re.compile(r"[0-9a-f]{32}")


@contextmanager
def captured_log():
    """The request log's lines, as the production handler formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(request_log.JSONLineFormatter())
    logger = logging.getLogger(request_log.LOGGER_NAME)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


@pytest.fixture
def app_with(db_url, _schema, tmp_path):
    """Factory: a test application with extra settings (emptied afterwards)."""
    built = []

    def factory(**overrides):
        application = make_app(db_url, tmp_path, **overrides)
        built.append(application)
        return application

    yield factory
    for application in built:
        with application.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- request id ---------------------------------------------------------------------------------


def test_each_request_gets_a_fresh_id_echoed_in_the_response(client) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_a_client_cannot_choose_its_request_id_without_a_trusted_proxy(client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-the-client-123"})
    assert response.headers["X-Request-ID"] != "chosen-by-the-client-123"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0f5c2a9e-8d1b-4c3e-9a57-1b2c3d4e5f60", True),
        ("nginx.request_id_42", True),
        ("short", False),
        ("has spaces in it", False),
        ("x" * 65, False),
        ('quote"injected-into-the-log', False),
        ("<script>alert(1)</script>", False),
    ],
)
def test_the_proxys_request_id_is_kept_when_well_formed(app_with, sent, kept) -> None:
    app = app_with(TRUSTED_PROXIES=1)
    with app.app_context():
        echoed = app.test_client().get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert (echoed == sent) is kept
    if not kept:
        assert HEX_ID.fullmatch(echoed)


def test_the_audit_records_of_a_request_carry_its_id(app, agent_client, open_case) -> None:  # noqa: F811
    from sqlalchemy import select

    from integration_centre.privacy.models import AuditRecord

    case = open_case()
    response = agent_client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    audited = db.session.scalars(
        select(AuditRecord).where(AuditRecord.request_id == response.headers["X-Request-ID"])
    ).all()
    assert audited and {record.object_id for record in audited} == {str(case.person_id)}


# --- request log --------------------------------------------------------------------------------


def test_one_json_line_per_request_with_the_route_rule_never_the_url(client) -> None:
    with captured_log() as lines:
        response = client.get("/login?email=jeanne.dupont@example.be&next=/persons/123")
        static = client.get("/static/app.css?v=secret-value")
    assert len(lines) == 2
    entry, static_entry = lines
    assert entry["event"] == "request" and entry["method"] == "GET" and entry["route"] == "/login"
    assert entry["status"] == response.status_code and entry["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["user_id"] is None and entry["level"] == "info" and entry["time"].endswith("+00:00")
    assert static_entry["route"] == "/static/<path:filename>" and static_entry["status"] == static.status_code
    text = json.dumps(lines)
    for leaked in ("jeanne", "example.be", "?", "app.css", "secret-value", "/persons/123"):
        assert leaked not in text


def test_the_log_line_names_the_user_by_id_only(login_as) -> None:
    test_client, user = login_as(Role.AGENT)
    with captured_log() as lines:
        test_client.get("/")
    assert [entry["user_id"] for entry in lines] == [str(user.id)]
    text = json.dumps(lines)
    assert user.email not in text and user.display_name not in text


def test_unmatched_urls_are_logged_without_their_path(client) -> None:
    with captured_log() as lines:
        client.get("/persons-of/jeanne-dupont")
    assert lines[0]["route"] == "<unmatched>" and "jeanne" not in json.dumps(lines)


# --- metrics ------------------------------------------------------------------------------------


def _sample(name: str, **labels: str) -> float:
    return metrics._REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_latency_and_errors_by_route(app, login_as) -> None:
    @roles_required(*ALL_ROLES)
    def explode(number: int):
        raise RuntimeError(f"boom {number}")

    app.add_url_rule("/test-only/explode/<int:number>", "test_explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["RENDER_UNEXPECTED_ERRORS"] = True  # the 500 page, as in production
    test_client, _user = login_as(Role.AGENT)
    route = "/test-only/explode/<int:number>"
    before = _sample("integration_centre_http_requests_total", method="GET", route=route, status="500")
    errors_before = _sample("integration_centre_http_server_errors_total", route=route)
    latency_before = _sample("integration_centre_http_request_duration_seconds_count", route=route)
    assert test_client.get("/test-only/explode/1").status_code == 500
    assert test_client.get("/test-only/explode/2").status_code == 500
    assert _sample("integration_centre_http_requests_total", method="GET", route=route, status="500") == before + 2
    assert _sample("integration_centre_http_server_errors_total", route=route) == errors_before + 2
    assert _sample("integration_centre_http_request_duration_seconds_count", route=route) == latency_before + 2

    body = test_client.get("/metrics").get_data(as_text=True)
    assert f'integration_centre_http_requests_total{{method="GET",route="{route}",status="500"}}' in body
    assert f'integration_centre_http_request_duration_seconds_bucket{{le="0.005",route="{route}"}}' in body
    assert "/test-only/explode/1" not in body and "/test-only/explode/2" not in body
    assert re.search(r'^integration_centre_db_pool_checked_out\{pid="\d+"\} \d', body, re.MULTILINE)
    assert re.search(r'^integration_centre_db_pool_size\{pid="\d+"\} \d', body, re.MULTILINE)
    assert re.search(r"^integration_centre_audit_head_sequence \d", body, re.MULTILINE)
    assert re.search(r"^integration_centre_audit_records_since_checkpoint \d", body, re.MULTILINE)
    assert re.search(r"^integration_centre_audit_last_record_age_seconds \d", body, re.MULTILINE), body


def test_metrics_scrapes_are_not_counted_as_traffic(client) -> None:
    before = _sample("integration_centre_http_requests_total", method="GET", route="/metrics", status="200")
    assert client.get("/metrics").status_code == 200
    assert _sample("integration_centre_http_requests_total", method="GET", route="/metrics", status="200") == before


def test_metrics_need_the_bearer_token_when_one_is_set(app_with) -> None:
    app = app_with(METRICS_TOKEN="scrape-token-0123456789")
    with app.app_context():
        test_client = app.test_client()
        assert test_client.get("/metrics").status_code == 404
        assert test_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        basic = {"Authorization": "Basic scrape-token-0123456789"}
        assert test_client.get("/metrics", headers=basic).status_code == 404
        ok = test_client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
        assert ok.status_code == 200 and ok.content_type.startswith("text/plain")
        remote = test_client.get(
            "/metrics",
            headers={"Authorization": "Bearer scrape-token-0123456789"},
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
        )
        assert remote.status_code == 200  # with a token, the token is what counts


def test_without_a_token_metrics_answer_the_loopback_only_and_not_through_a_proxy(client) -> None:
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"}).status_code == 404


# --- probes -------------------------------------------------------------------------------------


def test_liveness_does_not_touch_the_database(app, client, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "checks": {"database": False, "keyring": True}}


def test_readiness_checks_database_keyring_and_redis_when_configured(app_with) -> None:
    app = app_with()
    with app.app_context():
        response = app.test_client().get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ready", "checks": {"database": True, "keyring": True}}
    down = app_with(REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0", RATELIMIT_STORAGE_URI="memory://")
    with down.app_context():
        response = down.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {"database": True, "keyring": True, "redis": False}
        assert "127.0.0.1" not in response.get_data(as_text=True)
