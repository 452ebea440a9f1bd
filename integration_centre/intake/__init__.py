"""intake package: importing commune lists and old spreadsheets as announced newcomers.

The engine (``engine.run_import``: dry run and import, batch by batch), the file checks
(``sources``), column detection and presets (``fields``, ``mappings``), the row rules (``rows``,
``values``) and the report (``report``); the command ``integration-centre import``. No page and
no background worker yet: both will call ``services``.
"""


def register(app) -> None:
    """Wire the package into ``app``: its subject-data hooks (erasure, merge)."""
    from integration_centre.intake import models, subject_data  # noqa: F401 - the models' tables

    subject_data.register()
