"""Shared set-up of the privacy benchmarks: a throw-away app, database and keyring."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from sqlalchemy import event

from integration_centre import create_app
from integration_centre.extensions import db
from integration_centre.privacy.keyring import generate_keyring


def bench_app(database_url: str | None, index_bits: int | None = None):
    """An app on ``database_url`` (default: a temporary SQLite file) with a fresh keyring; blind
    indexes truncated to ``index_bits`` (default: the app's ``PRIVACY_INDEX_BITS``)."""
    tmp = Path(tempfile.mkdtemp(prefix="ic-bench-"))
    settings = {
        "ENV": "testing",
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.sqlite'}",
        "INSTANCE_PATH": str(tmp),
        "SECRET_KEY": secrets.token_hex(32),
        "MASTER_KEY": generate_keyring().to_json(),
    }
    app = create_app(settings)
    if index_bits is not None:
        app.config["PRIVACY_INDEX_BITS"] = index_bits
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # Same for both sides of each comparison: a page cache large enough for the data set.
            @event.listens_for(db.engine, "connect")
            def _cache(dbapi_connection, _record) -> None:
                dbapi_connection.execute("PRAGMA cache_size=-262144")

            db.engine.dispose()
        db.drop_all()
        db.create_all()
    return app
