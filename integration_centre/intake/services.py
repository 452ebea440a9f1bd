"""The import's facade for other layers (pages, a worker, the command line)."""

from __future__ import annotations

from integration_centre.intake.engine import DEFAULT_BATCH_SIZE, run_import
from integration_centre.intake.errors import ImportRefused
from integration_centre.intake.mappings import get_mapping, list_mappings, save_mapping
from integration_centre.intake.report import ImportReport, Issue
from integration_centre.intake.sources import max_import_bytes

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ImportRefused",
    "ImportReport",
    "Issue",
    "get_mapping",
    "list_mappings",
    "max_import_bytes",
    "run_import",
    "save_mapping",
]
