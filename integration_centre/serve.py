"""``integration-centre serve``: the production server (gunicorn) for one office.

One worker process with threads suits the embedded SQLite database (WAL mode and a busy timeout
are set on every connection, see ``database.py``); PostgreSQL installations may add workers.
Gunicorn's own handling of forwarded headers is switched off: which proxies are believed is the
application's ``INTEGRATION_CENTRE_TRUSTED_PROXIES`` setting (Werkzeug ``ProxyFix``) alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 1
DEFAULT_THREADS = 8
TIMEOUT_SECONDS = 60
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_created: list[Path] = []  # the temporary metrics folder this process made (removed on exit)


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

    from integration_centre.extensions import db

    # The workers are forked from this process: no database connection may be inherited.
    with app.app_context():
        db.engine.dispose()

    class _Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(bind, workers, threads).items():
                self.cfg.set(key, value)
            # the start-up checks ran before the app was built; the metrics hooks of the shipped config
            self.cfg.set("child_exit", child_exit)
            self.cfg.set("on_exit", on_exit)

        def load(self) -> Flask:
            return app

    _Server().run()


def prepare_metrics_dir() -> Path:
    """The folder the workers share their metrics in: ``PROMETHEUS_MULTIPROC_DIR`` (emptied), else a
    new private temporary folder (removed on exit). Call it before the app is imported."""
    configured = os.environ.get(METRICS_DIR_VARIABLE)
    if configured:
        folder = Path(configured)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # counters of a previous run
            stale.unlink()
        return folder
    folder = Path(tempfile.mkdtemp(prefix="integration-centre-metrics-"))
    os.environ[METRICS_DIR_VARIABLE] = str(folder)
    _created.append(folder)
    return folder


def child_exit(server, worker) -> None:
    """Gunicorn hook (master): forget the live gauges of a worker that ended."""
    folder = os.environ.get(METRICS_DIR_VARIABLE)
    if folder:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, folder)


def on_exit(server) -> None:
    """Gunicorn hook (master, at shutdown): remove the temporary metrics folder it created."""
    while _created:
        shutil.rmtree(_created.pop(), ignore_errors=True)
