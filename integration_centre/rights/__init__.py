"""The data-protection desk: the pages and services of the DPO (the admin role).

Requests register, access exports, rectification, restriction, privacy notice, records of
processing, retention and erasure pages, audit log.

It sits above ``accounts`` and ``core`` and below ``pathway``: it uses privacy's engines and
reaches the domain only through privacy's registries (``privacy.subject_data``).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Wire the desk into ``app``: its subject-data provider, blueprints, navigation and panels."""
    from integration_centre.rights import export, views

    export.register_subject_data()
    views.wire()
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
