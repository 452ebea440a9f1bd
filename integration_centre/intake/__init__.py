"""intake package: importing commune lists and old spreadsheets as announced newcomers.

The engine (``engine.run_import``: dry run and import, batch by batch), the file checks
(``sources``), column detection and presets (``fields``, ``mappings``), the row rules (``rows``,
``values``) and the report (``report``); the command ``integration-centre import``;
the import pages (``views``, steps in ``uploads``, the sealed store of uploaded lists in
``staging``); large lists are imported by the worker (job kind ``intake.import``).
"""


def register(app) -> None:
    """Wire the package into ``app``: its subject-data hooks (erasure, merge), navigation, pages."""
    from integration_centre.intake import models, subject_data, views  # noqa: F401 - the models' tables

    subject_data.register()
    views.register_navigation()
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
