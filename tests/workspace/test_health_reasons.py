"""Issue 15, finding 8: health-related reasons are never stored in clear next to a person.

An extension for illness, a suspension for pregnancy and a closure because the person died are
recorded; then every text, JSON and binary column of every table is scanned: none holds those
words (the clear columns keep a coarse code, the precise reason is encrypted under the person's
key). The office's agent still reads the precise reason on the case page, and the statistics
facts receive only the coarse code.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from integration_centre.extensions import db
from integration_centre.pathway import events
from integration_centre.pathway import services as pathway
from integration_centre.pathway.models import Case
from integration_centre.workspace import services
from tests.accounts.helpers import fr, page_text

HEALTH_WORDS = ("illness", "pregnancy", "deceased")


def every_stored_value() -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every non-null value of every table."""
    found = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                    found.append((table.name, column, text.lower()))
    return found


def test_health_reasons_are_not_stored_in_clear_and_the_agent_still_reads_them(app, agent, agent_client, open_case):
    import integration_centre.stats.views  # noqa: F401 - the facts listener is connected with the stats views

    extended = open_case(on=date(2025, 3, 1))
    closed = open_case(on=date(2025, 3, 1), given_names="Leila")
    with events.collect() as received:
        certificate = pathway.UploadedDocument("attestation.pdf", None, b"%PDF-1.4 certificat")
        services.extend_deadline(agent, extended, "illness", 6, on=date(2025, 6, 1), document=certificate)
        pathway.transition_case(agent, extended, "suspend", reason="pregnancy", on=date(2025, 7, 1))
        pathway.transition_case(agent, closed, "close", reason="deceased", on=date(2025, 7, 2))
        db.session.commit()

    leaks = [(t, c) for t, c, value in every_stored_value() if any(word in value for word in HEALTH_WORDS)]
    assert leaks == []
    # What stays in clear is a coarse code, enough for the lists and the statistics.
    assert db.session.get(Case, extended.id).status_reason == "personal_circumstances"
    assert db.session.get(Case, closed.id).status_reason == "personal_circumstances"
    assert {e.type: e.reason for e in received if e.reason} == {
        "deadline_extended": "personal_circumstances",
        "case_suspended": "personal_circumstances",
        "case_closed": "personal_circumstances",
    }

    page = page_text(agent_client.get(f"/cases/{extended.id}"))
    assert page.count("Maladie") >= 2  # the extension's ground (definition label): table and timeline
    assert fr("Pregnancy or birth") in page  # the suspension's reason (timeline)
    assert fr("Deceased") in page_text(agent_client.get(f"/cases/{closed.id}"))
