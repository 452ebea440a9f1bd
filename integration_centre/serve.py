"""``integration-centre serve``: the production server (gunicorn) for one office.

One worker process with threads suits the embedded SQLite database (WAL mode and a busy timeout
are set on every connection, see ``database.py``); PostgreSQL installations may add workers.
Gunicorn's own handling of forwarded headers is switched off: which proxies are believed is the
application's ``INTEGRATION_CENTRE_TRUSTED_PROXIES`` setting (Werkzeug ``ProxyFix``) alone.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 1
DEFAULT_THREADS = 8
TIMEOUT_SECONDS = 60


def gunicorn_options(bind: str, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings of ``serve``."""
    return {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": TIMEOUT_SECONDS,
        "graceful_timeout": 30,
        "forwarded_allow_ips": "",  # forwarded headers: only through TRUSTED_PROXIES (ProxyFix)
        "proc_name": "integration-centre",
        "accesslog": None,  # no request log by default (URLs carry no personal data, but keep it lean)
        "errorlog": "-",
    }


def run(app: Flask, *, bind: str, workers: int, threads: int) -> None:
    """Serve ``app`` (already built and checked) with gunicorn until stopped (SIGTERM/SIGINT)."""
    from gunicorn.app.base import BaseApplication

    from integration_centre import gunicorn_conf
    from integration_centre.extensions import db

    # The workers are forked from this process: no database connection may be inherited.
    with app.app_context():
        db.engine.dispose()

    class _Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(bind, workers, threads).items():
                self.cfg.set(key, value)
            # the start-up checks ran before the app was built; the metrics hooks of the shipped config
            self.cfg.set("child_exit", gunicorn_conf.child_exit)
            self.cfg.set("on_exit", gunicorn_conf.on_exit)

        def load(self) -> Flask:
            return app

    _Server().run()
