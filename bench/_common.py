"""Shared by the benchmarks that drive the app through its test client: the app on a bench
folder, settling the database after a bulk load, logging in, the CSRF token, a GET that must
answer 200, the database in use, counting SQL statements; bulk writes on PostgreSQL (``COPY``,
a table's secondary indexes dropped during a load and rebuilt after)."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path


def bench_app(folder: Path, database_url: str | None = None, index_bits: int | None = None):
    """The application on ``database_url`` (default: SQLite in ``folder``), with a demo keyring
    in ``folder`` and rate limits off (the benchmarks repeat requests); ``index_bits``: the
    blind indexes' size (``PRIVACY_INDEX_BITS``, default the app's)."""
    from integration_centre import create_app, privacy

    privacy.ensure_keyring_file(folder, demo=True)
    return create_app(
        {
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite'}",
            "ENV": "development",
            "DEMO": True,
            "SECRET_KEY": "bench-secret-key-" + "x" * 48,
            "RATELIMIT_ENABLED": False,
            **({} if index_bits is None else {"PRIVACY_INDEX_BITS": index_bits}),
        }
    )


def centre_with_offices(db, offices: int = 20):
    """Add the bench's centre and its ``offices`` reception offices (flushed); returns the centre."""
    from integration_centre.accounts.models import Centre, Office

    centre = Centre(code="CAI", name="Centre de Namur")
    db.session.add(centre)
    db.session.flush()
    db.session.add_all(
        [Office(centre_id=centre.id, name=f"Bureau {n + 1}", municipality_code="92094") for n in range(offices)]
    )
    db.session.flush()
    return centre


def dialect_of(app) -> str:
    """The name of the app's database dialect ("sqlite", "postgresql")."""
    from integration_centre.extensions import db

    with app.app_context():
        return db.engine.dialect.name


def getter(client) -> Callable[[str], Callable[[], None]]:
    """``get(path)``: a call of ``GET path`` through ``client`` that must answer 200."""

    def get(path: str) -> Callable[[], None]:
        def call() -> None:
            assert client.get(path).status_code == 200, path

        return call

    return get


def settle_after_bulk_load(db) -> None:
    """Refresh the planner's statistics; on PostgreSQL also ``VACUUM`` (the visibility map that
    index-only scans need), which autovacuum does after a bulk load in production but never here:
    this machine's PostgreSQL runs with ``autovacuum = off``. Needs an app context."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def bench_folder(stack: contextlib.ExitStack, keep: str | None, prefix: str) -> Path:
    """The folder of a benchmark's keyring and data: ``keep`` (``--keep DIR``, made if missing), else
    a temporary folder removed when ``stack`` closes."""
    if keep:
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    import tempfile

    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))


def copy_rows(raw, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Write ``rows`` into ``table`` with PostgreSQL ``COPY`` (psycopg 3, on a raw DBAPI
    connection); lists and dicts go to their JSON columns as JSON text."""
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, list | dict) else v for v in row])


@contextlib.contextmanager
def indexes_dropped(raw, table: str, timings: dict[str, float]) -> Iterator[None]:
    """PostgreSQL: drop ``table``'s secondary indexes (not those behind a constraint) for a bulk
    load and create them again afterwards, the rebuild's time recorded in ``timings``: building
    an index once is much cheaper than maintaining it row by row."""
    cursor = raw.cursor()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    raw.commit()
    yield
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _, definition in indexes:
        cursor.execute(definition)
    raw.commit()
    timings[f"{table}: {len(indexes)} indexes rebuilt"] = time.perf_counter() - started


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def login(app, email: str, password: str):
    """A test client logged in as ``email`` (CSRF on, as in production)."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    assert response.status_code == 302, f"login failed for {email}"
    return client


def statements_of(app, client, path: str) -> list[str]:
    """The SQL statements run for one GET of ``path`` (which must answer 200)."""
    from sqlalchemy import event

    from integration_centre.extensions import db

    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen
