"""Import fixtures: an agent, commune lists in every accepted form, a registered file to collide with."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from integration_centre.accounts.models import Role
from integration_centre.extensions import db
from integration_centre.intake.models import ImportedRow, ImportRun
from integration_centre.pathway import registration
from integration_centre.pathway.models import Newcomer
from integration_centre.pathway.registration import NewcomerData

HEADER = [
    "Nom", "Prénom", "Date de naissance", "Sexe", "Nationalité", "NISS", "Commune", "Adresse",
    "Date du titre de séjour", "Langues", "Téléphone", "Statut de séjour",
]  # fmt: skip


def niss_for(born: date, serial: int) -> str:
    """A valid national register number for ``born`` (odd serial: a man, even: a woman)."""
    first = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first)
    return f"{first}{97 - base % 97:02d}"


def bad_niss(born: date, serial: int) -> str:
    """A national register number whose check digits are wrong."""
    good = niss_for(born, serial)
    return good[:9] + f"{(int(good[9:]) + 1) % 97:02d}"


EXISTING = {"family_name": "Diallo", "given_names": "Mariama", "date_of_birth": date(1992, 7, 1)}

# line → row; line 1 is the header.
ROWS = {
    2: ["Al-Hassan", "Amira", "14/03/1995", "F", "SY", niss_for(date(1995, 3, 14), 2), "92094",
        "Rue de Fer 12, 5000 Namur", "03/02/2025", "ar, en", "+32 470 12 34 56", "réfugié"],
    3: ["Ahmadi", "Farid", "1990-11-02", "M", "Afghanistan", "", "Namur", "Rue Godefroid 5, 5000 Namur",
        "2025-01-15", "prs", "", "protection subsidiaire"],
    4: ["Benali", "Youssef", "22/05/1988", "H", "MA", bad_niss(date(1988, 5, 22), 11), "92094", "", "", "ar", "",
        "regroupement familial"],
    5: ["Kabila", "Grace", "09/09/1993", "F", "CD", "", "99999", "", "", "fr, ln", "", ""],
    6: ["DIALLO", "Mariama Binta", "01/07/1992", "F", "GN", "", "92094", "", "", "fr", "", ""],
    7: ["Al Hassan", "Amira", "14/03/1995", "F", "SY", niss_for(date(1995, 3, 14), 2), "92094", "", "", "ar", "",
        "refugee"],
    8: ["Öztürk", "Müge Zoë", "30/06/2000", "F", "Ukraine", niss_for(date(2000, 6, 30), 4), "92094",
        "Boulevard Émile Mélot 3, 5000 Namur", "10/01/2025", "uk, ru", "", "protection temporaire"],
    9: ["Haile", "Senait", "31/02/1990", "F", "ER", "", "92094", "", "", "ti", "", "refugee"],
}  # fmt: skip
CREATED = [2, 3, 8]
ERRORS = {4: "invalid_niss", 5: "municipality_unknown", 9: "impossible_date"}
WARNINGS = {6: "duplicate_existing", 7: "duplicate_in_file"}
# Values that must never appear in a report.
PERSONAL = ["Hassan", "Amira", "Ahmadi", "Benali", "Kabila", "Diallo", "DIALLO", "Öztürk", "Haile", "1995", "92094"]


def csv_bytes(rows: dict, *, encoding: str = "utf-8", delimiter: str = ";", bom: bool = False) -> bytes:
    """The list as CSV bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in sorted(rows):
        writer.writerow(rows[line])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: dict, header: list | None = None) -> bytes:
    """The list as an XLSX workbook: dates as date cells, NISS as numbers (as spreadsheets keep them)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for line in sorted(rows):
        cells = list(rows[line])
        for index in (2, 8):
            day = cells[index]
            if day and "/" in day and day != "31/02/1990":
                d, m, y = (int(x) for x in day.split("/"))
                cells[index] = datetime(y, m, d)
        if cells[5] and cells[5].isdigit():
            cells[5] = int(cells[5])
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VARIANTS = {
    "utf8-semicolon": ("list.csv", lambda: csv_bytes(ROWS)),
    "utf8-bom-tab": ("list.csv", lambda: csv_bytes(ROWS, delimiter="\t", bom=True)),
    "windows-1252-comma": ("list.csv", lambda: csv_bytes(ROWS, encoding="cp1252", delimiter=",")),
    "xlsx": ("list.xlsx", lambda: xlsx_bytes(ROWS)),
}


@pytest.fixture(autouse=True)
def english_messages(app):
    """Assert on the English msgids."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def agent(make_user):
    """An agent of the test office."""
    return make_user(Role.AGENT)


@pytest.fixture
def existing(agent, org):
    """A file already registered at the office (the duplicate of line 6)."""
    data = NewcomerData(**EXISTING, sex="F", nationality="GN", residence_category="refugee")
    newcomer = registration.register_newcomer(agent, data, org["office"], confirm_duplicate=True)
    db.session.commit()
    return newcomer


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    """``content`` as the file ``name`` in ``tmp_path``."""
    path = tmp_path / name
    path.write_bytes(content)
    return path


def counts() -> dict[str, int]:
    """How many files, fingerprints and runs the database holds."""
    return {
        "newcomers": db.session.scalar(select(func.count()).select_from(Newcomer)),
        "rows": db.session.scalar(select(func.count()).select_from(ImportedRow)),
        "runs": db.session.scalar(select(func.count()).select_from(ImportRun)),
    }
