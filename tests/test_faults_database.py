"""Database outage (issue #19, acceptance 1): with the database stopped every page answers 503
with ``Retry-After`` and the application's own page in the request's language (fr, nl, en),
rendered without the database, and exactly one log line per request; once the database is
back the same requests succeed without restarting the application.

PostgreSQL is stopped realistically: the application reaches it through a TCP forwarder that is
closed (connections cut, new ones refused) and reopened. SQLite is stopped by moving its folder
away (new connections cannot open the file) and putting it back.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy.engine import make_url

from integration_centre.accounts import services as account_services
from integration_centre.accounts.models import Centre, Office, OperatorOrganisation, Role
from integration_centre.api import tokens
from integration_centre.core.errors import ERROR_TEXTS, RETRY_AFTER_SECONDS
from integration_centre.extensions import db
from integration_centre.pathway import registration
from integration_centre.pathway import services as pathway
from tests.conftest import TEST_PASSWORD, database_url, is_postgres, make_app, scratch_postgres_database
from tests.faults_forwarder import TcpForwarder
from tests.pathway.conftest import newcomer_data

LANGUAGES = ("fr", "nl", "en")
ROLES = (Role.AGENT, Role.OPERATOR, Role.COMMITTEE)


@dataclass
class World:
    """An application whose database can be stopped, its users, a case and an API token."""

    app: Flask
    emails: dict[Role, str] = field(default_factory=dict)
    case_id: str = ""
    token: str = ""


def build_world(app: Flask) -> World:
    """Create the schema and the data the representative pages need (committed)."""
    world = World(app)
    with app.app_context():
        db.create_all()
        centre = Centre(code="CAI", name="Centre de Namur")
        db.session.add(centre)
        db.session.flush()
        office = Office(centre_id=centre.id, name="Bureau de Namur", municipality_code="92094")
        operator = OperatorOrganisation(name="École de Namur", centre_id=centre.id)
        db.session.add_all([office, operator])
        db.session.flush()
        users = {}
        for role in ROLES:
            users[role] = account_services.create_user(
                email=f"{role.value}@test.example",
                display_name=f"{role.value.title()} One",
                role=role,
                password=TEST_PASSWORD,
                office_id=office.id,
                operator_id=operator.id,
                centre_id=centre.id,
                must_change_password=False,
            )
            world.emails[role] = users[role].email
        db.session.commit()
        agent = users[Role.AGENT]
        newcomer = registration.register_newcomer(
            agent, newcomer_data(), office, confirm_duplicate=True, today=date(2025, 2, 10)
        )
        case = pathway.open_case(agent, newcomer, on=date(2025, 3, 1))
        world.case_id = str(case.id)
        world.token = tokens.create_token(agent, "outage test", ["cases:read"]).secret
        db.session.commit()
        db.session.remove()
    return world


def logged_in_clients(world: World) -> dict[tuple[Role, str], FlaskClient]:
    """A logged-in client per role and language: fr (nothing said), nl (Accept-Language), en
    (chosen in the browser session: it wins over the browser's Accept-Language)."""
    clients = {}
    for role in ROLES:
        for language in LANGUAGES:
            client = world.app.test_client()
            response = client.post("/login", data={"email": world.emails[role], "password": TEST_PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            if language == "en":
                client.post("/language", data={"locale": "en"})
            clients[role, language] = client
    return clients


def headers_for(language: str) -> dict[str, str]:
    return {"Accept-Language": "nl-BE,nl;q=0.9,fr;q=0.5"} if language in {"nl", "en"} else {}


def requests_of(world: World) -> list[tuple[str, Role | None, str, str, dict]]:
    """(name, role of the logged-in client or None for anonymous, method, path, extra)."""
    return [
        ("login page", None, "POST", "/login", {"data": {"email": "agent@test.example", "password": TEST_PASSWORD}}),
        ("agent home", Role.AGENT, "GET", "/agent", {}),
        ("case page", Role.AGENT, "GET", f"/cases/{world.case_id}", {}),
        ("operator inbox", Role.OPERATOR, "GET", "/operator", {}),
        ("committee page", Role.COMMITTEE, "GET", "/committee", {}),
        ("certificate check", None, "GET", "/verify/ABCD-EFGH-JKLM-NPQR", {}),
        ("API", None, "GET", f"/api/v1/cases/{world.case_id}", {}),
    ]


def prepare(world, clients, language, request_row):
    """The client for ``request_row`` (an anonymous English one chose its language first)."""
    role = request_row[1]
    client = clients[role, language] if role is not None else world.app.test_client()
    if role is None and language == "en":
        client.post("/language", data={"locale": "en"})  # anonymous: the session's language
    return client


def send(world, clients, language, request_row, client=None):
    _name, _role, method, path, extra = request_row
    client = client or prepare(world, clients, language, request_row)
    headers = dict(headers_for(language))
    if path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {world.token}"
    return client.open(path, method=method, headers=headers, **extra)


def translated(language: str, msgid: str, **variables) -> str:
    with force_locale(language):
        return gettext(msgid, **variables)


def assert_unavailable_page(world, response, language, name):
    assert response.status_code == 503, (name, language, response.status_code)
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    title, text = ERROR_TEXTS[503]
    with world.app.test_request_context():
        with force_locale(language):
            expected_title, expected_text = str(title), str(text)
        back = translated(language, "Back to the home page")
        log_out = translated(language, "Log out")
    if response.mimetype == "application/problem+json":
        document = response.get_json()
        assert document["status"] == 503
        assert document["title"] == expected_title
        assert document["detail"] == expected_text
        return
    body = html.unescape(response.get_data(as_text=True))
    assert f'<html lang="{language}">' in body, (name, language)
    assert expected_title in body and expected_text in body
    assert back in body
    assert log_out not in body  # the static layout: nobody was looked up
    assert "Traceback" not in body


def assert_one_log_line(caplog, name, language):
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(records) == 1, (name, language, [r.getMessage() for r in records])
    record = records[0]
    message = record.getMessage()
    assert record.name == "integration_centre"
    assert message.startswith("database unavailable: 503 for ")
    assert re.search(r"request_id=[0-9a-f]{8,}", message)
    assert record.exc_info is None  # a known outage: no traceback
    for secret in ("@test.example", TEST_PASSWORD, "ABCD-EFGH", "Bearer", "postgres@", "127.0.0.1"):
        assert secret not in message


def check_outage_and_recovery(world: World, caplog, stop, start) -> None:
    clients = logged_in_clients(world)
    rows = requests_of(world)
    # Up: every request answers normally.
    for language in LANGUAGES:
        for row in rows:
            assert send(world, clients, language, row).status_code != 503

    stop()
    caplog.set_level(logging.INFO)  # INFO and above: every line a request may log counts
    for language in LANGUAGES:
        for row in rows:
            client = prepare(world, clients, language, row)
            caplog.clear()  # the language request before does not count: it is a request of its own
            response = send(world, clients, language, row, client)
            assert_unavailable_page(world, response, language, row[0])
            assert_one_log_line(caplog, row[0], language)

    start()
    # Back: the same clients (sessions kept), the same application, no restart.
    caplog.clear()
    for language in LANGUAGES:
        statuses = {row[0]: send(world, clients, language, row).status_code for row in rows}
        assert statuses == {
            "login page": 302,
            "agent home": 200,
            "case page": 200,
            "operator inbox": 200,
            "committee page": 200,
            "certificate check": 404,  # the check page itself: no certificate has this code
            "API": 200,
        }, language
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def outage_app(url: str, instance: Path) -> Flask:
    # Rate limits on, as in production (memory storage here: Redis has its own test).
    return make_app(url, instance, RATELIMIT_ENABLED=True)


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(database_url(Path("."))), reason="TEST_DATABASE_URL is not PostgreSQL")
def test_postgresql_stopped_then_back(tmp_path, caplog):
    base = database_url(Path("."))
    server = make_url(base)
    forwarder = TcpForwarder(server.host or "127.0.0.1", server.port or 5432)
    forwarder.start()
    with scratch_postgres_database(base, f"{server.database}_outage") as url:
        through = make_url(url).set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False)
        world = build_world(outage_app(through, tmp_path / "instance"))
        try:
            check_outage_and_recovery(world, caplog, forwarder.stop, forwarder.start)
        finally:
            forwarder.stop()
            with world.app.app_context():
                db.engine.dispose()


def test_sqlite_file_unreachable_then_back(tmp_path, caplog):
    folder = tmp_path / "data"
    folder.mkdir()
    away = tmp_path / "data-away"
    world = build_world(outage_app(f"sqlite:///{folder / 'outage.sqlite'}", tmp_path / "instance"))

    def stop():
        shutil.move(folder, away)
        # An open SQLite connection keeps its file: what the outage refuses is a new connection.
        with world.app.app_context():
            db.engine.dispose()

    def start():
        shutil.move(away, folder)

    try:
        check_outage_and_recovery(world, caplog, stop, start)
    finally:
        with world.app.app_context():
            db.engine.dispose()


def test_sqlite_programming_errors_are_not_outages(app):
    """ "no such table" is a bug, not an outage: it is not turned into a calm 503."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from integration_centre.core.errors import is_database_outage

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite messages")
    with pytest.raises(OperationalError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()
    assert not is_database_outage(caught.value)


def test_an_exhausted_connection_pool_answers_503_then_recovers(tmp_path, caplog):
    """Every connection taken (pool timeout): the same calm 503, one line; served once one is free."""
    folder = tmp_path / "data"
    folder.mkdir()
    engine_options = {"pool_size": 3, "max_overflow": 0, "pool_timeout": 0.2}
    app = make_app(
        f"sqlite:///{folder / 'pool.sqlite'}",
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
    )
    world = build_world(app)
    client = world.app.test_client()
    client.post("/login", data={"email": world.emails[Role.AGENT], "password": TEST_PASSWORD})
    assert client.get("/agent").status_code == 200
    with world.app.app_context():
        held = [db.engine.connect() for _ in range(3)]  # every connection of the pool
        try:
            caplog.clear()
            response = client.get("/agent", headers={"Accept-Language": "nl"})
            assert_unavailable_page(world, response, "nl", "agent home")
            assert_one_log_line(caplog, "agent home", "nl")
            assert "TimeoutError" in caplog.records[0].getMessage()
        finally:
            for connection in held:
                connection.close()
        assert client.get("/agent").status_code == 200
        db.engine.dispose()


def test_only_connection_failures_are_outages():
    """A pool timeout or a lost connection is an outage; a deadlock is not (it stays a 500)."""
    from sqlalchemy import exc

    from integration_centre.core.errors import is_database_outage

    class PgError(Exception):
        def __init__(self, sqlstate):
            super().__init__("x")
            self.sqlstate = sqlstate

    assert is_database_outage(exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))
    assert is_database_outage(exc.OperationalError("SELECT 1", {}, PgError(None)))  # connection refused
    assert is_database_outage(exc.OperationalError("SELECT 1", {}, PgError("57P01")))  # admin shutdown
    assert is_database_outage(exc.OperationalError("SELECT 1", {}, PgError("08006")))  # connection failure
    assert is_database_outage(exc.OperationalError("SELECT 1", {}, PgError("53300")))  # too many connections
    assert not is_database_outage(exc.OperationalError("SELECT 1", {}, PgError("40P01")))  # deadlock
    assert not is_database_outage(exc.ProgrammingError("SELECT 1", {}, PgError("42P01")))
    assert not is_database_outage(ValueError("not a database error"))
