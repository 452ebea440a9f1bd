"""The agent's private iCalendar feed: a secret, rotatable address; times, kind, office and file
number only — never a name; valid RFC 5545 lines."""

from __future__ import annotations

import re

from integration_centre.agenda import services as agenda
from integration_centre.extensions import db
from integration_centre.privacy.access import access
from tests.agenda.conftest import next_week_at

CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+(;[A-Za-z0-9-]+=[^;:]+)*:.*$")
REQUIRED_IN_EVENT = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"}


def _unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode()) <= 75 for line in physical), "lines are folded at 75 octets"
    lines: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _parse(text: str) -> list[dict]:
    """The VEVENTs of a feed, each as {name: value}; checks the structure on the way."""
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    names = {line.split(":", 1)[0] for line in lines}
    assert {"VERSION", "PRODID"} <= names
    assert "VERSION:2.0" in lines
    events, current, stack = [], None, []
    for line in lines:
        assert CONTENT_LINE.match(line), line
        name, value = line.split(":", 1)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                assert set(current) >= REQUIRED_IN_EVENT, current
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
    assert stack == []
    return events


def test_feed_has_times_kind_office_and_file_number_but_no_name(agent, register, room, org):
    person = register(family_name="Al-Hassan", given_names="Amira")
    at = next_week_at(10)
    booked = agenda.book(
        agent,
        kind="social_assessment",
        person_id=person.id,
        agent_id=agent.id,
        starts_at=at,
        room_id=room.id,
        interpreter_required=True,
    )
    cancelled = agenda.book(agent, kind="reception", person_id=person.id, agent_id=agent.id, starts_at=next_week_at(15))
    agenda.cancel(agent, cancelled)
    session = agenda.schedule_session(agent, agent_id=agent.id, starts_at=next_week_at(9, days=8), capacity=12)
    agenda.book_seat(agent, session, person_id=person.id)
    agent.locale = "en"
    db.session.commit()

    text = agenda.calendar(agent)
    events = _parse(text)
    assert len(events) == 3
    by_uid = {event["UID"]: event for event in events}
    event = by_uid[f"{booked.id}@integration-centre"]
    assert event["DTSTART"] == at.astimezone(__import__("datetime").UTC).strftime("%Y%m%dT%H%M%SZ")
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTEND"])
    assert event["SUMMARY"] == f"Social assessment – file {agenda.file_number(person.id)}"
    assert event["LOCATION"] == "Bureau de Namur\\, Salle 1"
    assert event["STATUS"] == "CONFIRMED"
    assert by_uid[f"{cancelled.id}@integration-centre"]["STATUS"] == "CANCELLED"
    assert by_uid[f"{session.id}@integration-centre"]["SUMMARY"].startswith(
        "Group session on rights and duties (1 of 12"
    )
    # Nothing of the person's file but the file number.
    with access(agent, "test.read", [person.id]):
        secrets = [
            person.family_name,
            person.given_names,
            person.email,
            person.phone,
            person.niss or "",
            person.address,
            "Hassan",
            "Amira",
        ]
    for secret in filter(None, secrets):
        assert secret not in text
    assert str(person.id) not in text  # only the short file number
    assert "DESCRIPTION" not in text and "ATTENDEE" not in text


def test_the_feed_address_is_secret_and_rotatable(agent, second_agent):
    assert not agenda.has_feed(agent)
    first = agenda.rotate_feed(agent)
    db.session.commit()
    assert agenda.feed_owner(first) == agent and len(first) >= 40
    second = agenda.rotate_feed(agent)
    db.session.commit()
    assert agenda.feed_owner(first) is None and agenda.feed_owner(second) == agent
    assert agenda.feed_owner("") is None and agenda.feed_owner("x" * 500) is None
    agent.is_enabled = False
    db.session.commit()
    assert agenda.feed_owner(second) is None
    agenda.revoke_feed(second_agent)  # nothing to revoke: no error


def test_long_lines_are_folded_on_character_boundaries():
    from integration_centre.agenda.feed import escape_text, fold

    line = "SUMMARY:" + escape_text("Évaluation; suivi, « très » long\n" * 6)
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert "\\;" in line and "\\," in line and "\\n" in line
