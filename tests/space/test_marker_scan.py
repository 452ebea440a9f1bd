"""Acceptance 5: no national number, assessment content or health data on any page of the space.

Persons are seeded with unique markers in their national register number, every domain and the
notes of their social assessment, a deadline extension's note (where a health reason would be
written) and a step's note; every page of their space and the text of every download (read back
with pdftotext) is scanned for every marker of every person.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from integration_centre.extensions import db
from integration_centre.space import links
from tests.pdf_text import pdf_text
from tests.space.conftest import open_space
from tests.space.seed import seed_person
from tests.space.test_pages import PAGES

HREF = re.compile(r'href="(/my/documents/[a-z]+/[0-9a-f-]+\.pdf)"')
PERSONS = ((date(1990, 6, 1), "Amira", True), (date(1979, 2, 28), "Dawit", False))


@pytest.fixture
def seeded(app, make_user, org):
    agent = make_user(display_name="Marker Staffname")
    people = [
        seed_person(
            agent,
            org["office"],
            org["operator"],
            birth_date=birth,
            given_names=name,
            certificate=cert,
            hour=9 + i,
            preferred_language=("en", "ar")[i % 2],  # the second person reads their space in Arabic
        )
        for i, (birth, name, cert) in enumerate(PERSONS)
    ]
    tokens = []
    for item in people:
        tokens.append(links.issue(item.person.id, office_id=org["office"].id, issued_by_id=agent.id)[1])
    db.session.commit()
    return people, tokens


def test_no_marker_appears_on_any_page_or_download(app, seeded, tmp_path):
    people, tokens = seeded
    markers = [marker for item in people for marker in item.markers]
    assert len(markers) == len(set(markers)) and all(len(m) >= 8 for m in markers)
    downloads = 0
    for token, (birth, _name, _cert) in zip(tokens, PERSONS, strict=True):
        client = app.test_client()
        assert open_space(client, token, birth).status_code == 302
        texts = {}
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 200, url
            texts[url] = response.get_data(as_text=True)
        for url in sorted(set(HREF.findall(texts["/my/documents"]) + HREF.findall(texts["/my/appointments"]))):
            response = client.get(url)
            assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
            texts[url] = pdf_text(response.data, tmp_path)
            downloads += 1
        for url, text in texts.items():
            found = [marker for marker in markers if marker in text]
            assert not found, (url, found)
            assert "Staffname" not in text, url
        # The scan read filled pages and real text out of the PDFs (the person's own name is there).
        assert 'aria-labelledby="appointment-1"' in texts["/my/appointments"]  # an appointment is shown
        assert any("Family" in text for url, text in texts.items() if url.endswith(".pdf"))
    assert downloads >= 4  # agreements, a certificate, convocations
