"""The convocation letter (issue 18): a PDF in French and in the person's language — Dutch,
English, and Arabic written right to left, shaped, with the date and the office's address in
Arabic script. Read back with poppler (``pdftotext``), rendered with ``pdftoppm``."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from babel.dates import format_date
from PIL import Image
from sqlalchemy import select

from integration_centre import clock
from integration_centre.agenda import interpreters, letters
from integration_centre.agenda import services as agenda
from integration_centre.agenda.convocation import convocation
from integration_centre.extensions import db
from integration_centre.privacy.models import AuditRecord
from tests.agenda.conftest import next_week_at
from tests.conftest import login
from tests.pdf_text import ARABIC_WORD, in_order, pdf_text

ADDRESS = "Rue Lucien Namèche 2bis, 5000 Namur"
ADDRESS_AR = "٢ مكرر شارع لوسيان نامش، ٥٠٠٠ نامور"


@pytest.fixture
def office(org, agent):
    org["office"].address = ADDRESS
    agenda.set_settings(agent, slot_minutes=30, no_show_threshold=2, letter_addresses={"ar": ADDRESS_AR})
    db.session.commit()
    return org["office"]


@pytest.fixture
def booked(agent, register, office):
    appointment = agenda.book(
        agent,
        kind="social_assessment",
        person_id=register().id,
        agent_id=agent.id,
        starts_at=next_week_at(10, 30),
        interpreter_required=True,
    )
    db.session.commit()
    return appointment


def _image(pdf: bytes, tmp_path) -> Image.Image:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    png = subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-png", "-singlefile", str(path)], capture_output=True, check=True
    )
    return Image.open(BytesIO(png.stdout)).convert("L")


def _line_edges(image: Image.Image) -> list[tuple[int, int]]:
    """(leftmost, rightmost) ink column of each text line above the footer."""
    width, height = image.size
    pixels = image.load()
    rows = []
    for y in range(int(height * 0.9)):
        ink = [x for x in range(width) if pixels[x, y] < 128]
        rows.append((min(ink), max(ink)) if ink else None)
    lines, current = [], []
    for row in rows:
        if row is None:
            if current:
                lines.append((min(r[0] for r in current), max(r[1] for r in current)))
            current = []
        else:
            current.append(row)
    return lines


def test_the_arabic_letter_has_the_date_and_the_address_in_arabic_script_right_to_left(agent, booked, tmp_path):
    pdf, language = convocation(agent, booked, "ar")
    assert language == "ar" and pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    local = booked.starts_at.astimezone(clock.zone())
    weekday = format_date(local.date(), "EEEE", locale="ar")
    month = format_date(local.date(), "MMMM", locale="ar")
    assert ARABIC_WORD.fullmatch(weekday) and ARABIC_WORD.fullmatch(month)
    # Logical order: the words read in their order, each letter in its order (not mirrored).
    assert in_order(["التاريخ", weekday, month, str(local.year)], text), text
    assert in_order(ARABIC_WORD.findall(ADDRESS_AR), text), text
    assert weekday[::-1] not in text and "نامور"[::-1] not in text
    assert "10:30" in text and agenda.file_number(booked.person_id) in text
    assert "تم طلب مترجم" in text  # an interpreter was requested (not yet confirmed)
    assert "Al-Hassan" not in text and "Amira" not in text
    image = _image(pdf, tmp_path)
    assert image.getextrema()[0] < 64, "the page is blank"
    width = image.size[0]
    lines = _line_edges(image)
    assert len(lines) >= 10
    right_aligned = [line for line in lines if line[1] > width * 0.85]
    assert len(right_aligned) >= 0.8 * len(lines)  # every line ends at the right margin
    assert any(line[0] > width * 0.4 for line in lines)  # short lines start far from the left


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Bureau de Namur", ADDRESS, "10:30"]),
        ("nl", ["Bureau de Namur", ADDRESS, "10:30"]),
        ("en", ["Invitation to an appointment", "Social assessment", ADDRESS, "10:30"]),
    ],
)
def test_the_latin_letters_are_left_aligned(agent, booked, tmp_path, language, words):
    pdf, got = convocation(agent, booked, language)
    assert got == language
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for word in words:
        assert word in text
    local = booked.starts_at.astimezone(clock.zone())
    assert format_date(local.date(), "MMMM", locale=language).lower() in text.lower()
    assert agenda.file_number(booked.person_id) in text
    image = _image(pdf, tmp_path)
    lines = _line_edges(image)
    assert all(line[0] < image.size[0] * 0.15 for line in lines)


def test_an_interpreter_confirmed_is_said_and_none_when_not_needed(agent, booked, register, tmp_path):
    interpreters.record_answer(agent, booked, True)
    db.session.commit()
    assert "An interpreter (Arabic) is booked" in " ".join(
        pdf_text(convocation(agent, booked, "en")[0], tmp_path).split()
    )
    other = agenda.book(
        agent, kind="reception", person_id=register(niss=None).id, agent_id=agent.id, starts_at=next_week_at(15)
    )
    db.session.commit()
    assert "No interpreter is planned" in " ".join(pdf_text(convocation(agent, other, "en")[0], tmp_path).split())


def test_by_default_the_letter_is_in_the_persons_language_else_french(agent, register, office, tmp_path):
    arabic = agenda.book(agent, kind="reception", person_id=register().id, agent_id=agent.id, starts_at=next_week_at(9))
    other = agenda.book(
        agent,
        kind="reception",
        person_id=register(niss=None, preferred_language="ti").id,
        agent_id=agent.id,
        starts_at=next_week_at(11),
    )
    db.session.commit()
    assert convocation(agent, arabic)[1] == "ar"
    assert convocation(agent, other)[1] == "fr"
    assert letters.letter_language("nl") == "nl" and letters.letter_language("fr") is None


def test_the_download_is_an_audited_read_of_the_office(app, agent, other_agent, booked):
    client = app.test_client()
    assert login(client, agent).status_code == 302
    page = client.get(f"/agenda/appointments/{booked.id}").get_data(as_text=True)
    assert "convocation.pdf?lang=ar" in page
    before = db.session.scalar(select(db.func.count(AuditRecord.id)).where(AuditRecord.purpose == "agenda.letter"))
    response = client.get(f"/agenda/appointments/{booked.id}/convocation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('-ar.pdf"')
    after = db.session.scalar(select(db.func.count(AuditRecord.id)).where(AuditRecord.purpose == "agenda.letter"))
    assert after == before + 1
    assert client.get(f"/agenda/appointments/{booked.id}/convocation.pdf?lang=xx").status_code == 404
    stranger = app.test_client()
    assert login(stranger, other_agent).status_code == 302
    assert stranger.get(f"/agenda/appointments/{booked.id}/convocation.pdf").status_code == 404
