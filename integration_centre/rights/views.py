"""The desk's blueprints (audit log, retention and erasure, requests, notice, records) and their wiring."""

from __future__ import annotations

from integration_centre.rights import audit_views, notice_views, request_views, retention_views

# request_views.bp carries the notice and records routes too (notice_views adds them).
BLUEPRINTS = [audit_views.bp, retention_views.bp, request_views.bp]


def wire() -> None:
    """Navigation links, page panels and the export's actor descriptions of every desk page."""
    for module in (audit_views, retention_views, request_views, notice_views):
        module.wire()
