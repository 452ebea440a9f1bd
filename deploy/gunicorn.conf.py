"""Gunicorn configuration for a production server: ``gunicorn -c deploy/gunicorn.conf.py``.

The settings and hooks (start-up checks in the master before the workers fork, shared metrics)
are the package's own, ``integration_centre.gunicorn_conf``; add local settings below.
"""

from integration_centre.gunicorn_conf import *  # noqa: F403
