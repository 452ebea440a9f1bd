"""The gunicorn configuration shipped with the package (``deploy/gunicorn.conf.py`` loads it too).

    gunicorn -c python:integration_centre.gunicorn_conf --workers 4 --bind 127.0.0.1:8000

Command-line options override these settings. ``on_starting`` runs the start-up checks once, in
gunicorn's master, before any worker is forked: a bad configuration stops the server with one
line on standard error and the exit status of its cause (README, "Start-up checks"), instead of
every worker failing with a traceback. The hooks also keep the Prometheus metrics of all the
workers in one folder (``prometheus_client`` multiprocess mode), so ``/metrics`` counts for all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from integration_centre.serve import DEFAULT_BIND, DEFAULT_THREADS, DEFAULT_WORKERS, gunicorn_options

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_created: list[Path] = []  # the temporary metrics folder this process made (removed on exit)

wsgi_app = "integration_centre:create_app()"

_options = gunicorn_options(DEFAULT_BIND, DEFAULT_WORKERS, DEFAULT_THREADS)
bind = _options["bind"]
workers = _options["workers"]
threads = _options["threads"]
worker_class = _options["worker_class"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
forwarded_allow_ips = _options["forwarded_allow_ips"]
proc_name = _options["proc_name"]
accesslog = _options["accesslog"]
errorlog = _options["errorlog"]


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


def on_starting(server) -> None:
    """Gunicorn hook (master, before forking): the start-up checks, then the metrics folder."""
    from integration_centre import startup

    try:
        startup.run_checks()
    except startup.StartupError as exc:
        if getattr(server, "pidfile", None) is not None:
            server.pidfile.unlink()
        startup.report_and_exit(exc)
    prepare_metrics_dir()


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
