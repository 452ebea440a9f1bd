"""The printable (annual) report: a real PDF, read back, with the cells of the release it names."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from statistics import median

import pytest
from PIL import Image
from pypdf import PdfReader

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.stats import charts, services
from tests.stats.releases_seed import seed

PERIOD = "2025"


@pytest.fixture
def release(app, org):
    seed(persons=1500)
    result = services.publish(PERIOD)
    db.session.commit()
    return result.release


def _tokens(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text).split(" ")


def _is_subsequence(needle: list[str], haystack: list[str], start: int) -> bool:
    position = start
    for token in needle:
        try:
            position = haystack.index(token, position) + 1
        except ValueError:
            return False
    return True


def test_annual_report_pdf_holds_the_release_cells(release, login_as):
    client, _user = login_as(Role.COMMITTEE)
    page = client.get(f"/statistics/?period={PERIOD}&scope=region").get_data(as_text=True)
    assert f"/statistics/releases/{release.id}.pdf" in page
    response = client.get(f"/statistics/releases/{release.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert release.content_hash in text.replace("\n", "")
    assert "x : " in text and "confidentialit" in text
    tokens = _tokens(text)
    document = services.release_document(release)
    checked = 0
    for table in document["tables"]:
        if table["status"] != "published" or not table["rows"]:
            continue
        title = table["title"]["fr"]
        assert title[:40] in re.sub(r"\s+", " ", text), title
        grid = charts.grid(table, "fr", "Total")
        # Numbers as a French reader writes them: "1 234", "612,5" (the words split on the space).
        cells = [token for r in grid.row_codes for c in grid.column_codes[:8] for token in _tokens(grid.shown[(r, c)])]
        assert all(cell == "x" or cell.replace(",", "").isdigit() for cell in cells)
        # The displayed cells appear in the PDF in reading order, after the table's title.
        first_word = _tokens(title)[0]
        start = tokens.index(first_word) if first_word in tokens else 0
        assert _is_subsequence(cells, tokens, start), table["id"]
        checked += 1
    assert checked >= 8
    hidden = [cell for table in document["tables"] for cell in table["cells"] if cell[2] is None]
    assert "< 5" not in text and "<5" not in text
    assert hidden == [] or " x " in f" {' '.join(tokens)} "


@pytest.mark.parametrize("role", [Role.AGENT, Role.OPERATOR, Role.ADMIN])
def test_report_is_for_the_committee_only(release, login_as, role):
    client, _user = login_as(role)
    assert client.get(f"/statistics/releases/{release.id}.pdf").status_code == 404


def test_report_of_an_unknown_release_is_404(release, login_as):
    client, _user = login_as(Role.COMMITTEE)
    assert client.get("/statistics/releases/999999.pdf").status_code == 404


PDFTOPPM = shutil.which("pdftoppm")
DPI = 100


def _cell_texts(page, wanted: set[str]) -> list[tuple[str, float, float, float]]:
    """(text, x, baseline y, font size) in PDF points of the table texts on ``page``."""
    found = []

    def visit(text, _cm, tm, _font, size) -> None:
        if text.strip() in wanted and size and abs(size - 8) < 0.1:
            found.append((text.strip(), tm[4] + (len(text) - len(text.lstrip())) * size * 0.3, tm[5], size))

    page.extract_text(visitor_text=visit)
    return found


def _luminance_box(image: Image.Image, box: tuple[float, float, float, float]) -> list[int]:
    left, top, right, bottom = (round(v) for v in box)
    return list(image.crop((left, top, right, bottom)).tobytes())  # mode L: one byte per pixel


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) is not installed")
def test_report_tables_print_dark_text_on_light_cells(release, login_as, tmp_path):
    """Acceptance 5a: the PDF rendered to images (pdftoppm); behind every table cell's text —
    headers, row labels and figures — the background is light and the text dark."""
    client, _user = login_as(Role.COMMITTEE)
    response = client.get(f"/statistics/releases/{release.id}.pdf")
    pdf_path = tmp_path / "report.pdf"
    pdf_path.write_bytes(response.data)
    subprocess.run(
        [PDFTOPPM, "-r", str(DPI), "-gray", "-png", str(pdf_path), str(tmp_path / "page")], check=True, timeout=120
    )
    images = sorted(Path(tmp_path).glob("page-*.png"))
    reader = PdfReader(io.BytesIO(response.data))
    assert len(images) == len(reader.pages) >= 3
    document = services.release_document(release)
    wanted: set[str] = set()
    for table in document["tables"]:
        if table["status"] == "published" and table["rows"]:
            grid = charts.grid(table, "fr", "Total")
            wanted.update(grid.column_labels + grid.row_labels + list(grid.shown.values()))
    scale = DPI / 72
    checked = dark_cells = 0
    for page, image_path in zip(reader.pages, images, strict=True):
        image = Image.open(image_path).convert("L")
        height = float(page.mediabox.height)
        for text, x, y, size in _cell_texts(page, wanted):
            width = max(1.0, len(text) * size * 0.55)
            # The text's box, from a little above the capitals to below the baseline.
            box = ((x - 1) * scale, (height - y - size) * scale, (x + width + 1) * scale, (height - y + 2.5) * scale)
            pixels = _luminance_box(image, box)
            if not pixels:
                continue
            checked += 1
            light = sum(1 for value in pixels if value >= 200) / len(pixels)
            if median(pixels) < 200 or light < 0.55:
                dark_cells += 1
            assert min(pixels) < 110, (text, "the text itself must be dark")
    assert checked > 200
    assert dark_cells == 0, f"{dark_cells} of {checked} table cells have a dark background"
