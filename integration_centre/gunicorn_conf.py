"""The gunicorn configuration shipped with the package (``deploy/gunicorn.conf.py`` loads it too).

    gunicorn -c python:integration_centre.gunicorn_conf --workers 4 --bind 127.0.0.1:8000

Command-line options override these settings. ``on_starting`` runs the start-up checks once, in
gunicorn's master, before any worker is forked: a bad configuration stops the server with one
line on standard error and the exit status of its cause (README, "Start-up checks"), instead of
every worker failing with a traceback. The hooks also keep the Prometheus metrics of all the
workers in one folder (``prometheus_client`` multiprocess mode), so ``/metrics`` counts for all.
"""

from __future__ import annotations

from integration_centre.serve import (
    DEFAULT_BIND,
    DEFAULT_THREADS,
    DEFAULT_WORKERS,
    child_exit,
    gunicorn_options,
    on_exit,
    prepare_metrics_dir,
)

__all__ = [  # what gunicorn reads (and `from integration_centre.gunicorn_conf import *` gives)
    "accesslog",
    "bind",
    "child_exit",
    "errorlog",
    "forwarded_allow_ips",
    "graceful_timeout",
    "on_exit",
    "on_starting",
    "proc_name",
    "threads",
    "timeout",
    "worker_class",
    "workers",
    "wsgi_app",
]

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
