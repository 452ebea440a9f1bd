"""Subscription of the fact writer to the pathway's domain events (plain-data contract)."""

from __future__ import annotations

from integration_centre.pathway import events
from integration_centre.stats.facts import record_event


def on_pathway_event(domain_event: events.DomainEvent) -> None:
    """Write the anonymous fact of ``domain_event`` in the committing transaction."""
    record_event(domain_event)


def connect() -> None:
    """Subscribe the fact writer (idempotent); called by ``stats.register(app)``."""
    events.subscribe(on_pathway_event)
