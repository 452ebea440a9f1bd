"""Issue 15, finding 6: CSV exports cannot smuggle a formula into a spreadsheet.

The attack: a name ``Dupont,=2+5+cmd|' /C calc'!A0`` in a ``;``-separated export without
quotes becomes a formula once a spreadsheet set to comma separators opens the file. ONE writer
(``integration_centre.core.csv_writer``) now quotes every field and neutralises every cell that
starts with a formula character (OWASP "CSV injection"); every export of the application uses it.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

from integration_centre.core import csv_writer
from integration_centre.reception import documents

pytestmark = pytest.mark.no_database  # never the test database: not rerun on PostgreSQL

PAYLOADS = [
    "Dupont,=2+5+cmd|' /C calc'!A0",
    "Dupont;=2+5+cmd|' /C calc'!A0",
    "=1+1",
    "+1",
    "-1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    " =1+1",
    '"=1+1',
    "x\n=1+1",
    "＝1+1",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PACKAGE = Path(__file__).resolve().parents[2] / "integration_centre"


def _cells(text: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter) for cell in row]


def _assert_inert(text: str) -> None:
    for delimiter in (",", ";"):
        for cell in _cells(text, delimiter):
            assert not cell.lstrip(" ").startswith(FORMULA_START), (delimiter, cell)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_the_one_writer_neutralises_every_cell_in_both_dialects(delimiter):
    rows = [["name", "given", "note"]]
    for payload in PAYLOADS:
        rows.append([payload, "ok", payload])
        rows.append(["ok", payload, "ok"])
    text = csv_writer.to_csv(rows, delimiter=delimiter)
    _assert_inert(text)
    # Every field is quoted, and the text survives (after the neutralising quote).
    for line in text.splitlines():
        if line:
            assert line.startswith('"'), line
    back = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert back[1][0] == "Dupont,'=2+5+cmd|' /C calc'!A0"  # one cell, and inert if split at the comma
    assert back[1][1] == "ok"
    assert back[5][0] == "'=1+1"


def test_harmless_values_are_kept_as_they_are():
    text = csv_writer.to_csv([["Dupont", 12, 3.5, None, "x", "2026-Q2", "A-1", "18-24"]])
    assert next(csv.reader(io.StringIO(text))) == ["Dupont", "12", "3.5", "", "x", "2026-Q2", "A-1", "18-24"]
    # A real number (not text) is a number, never a formula: a negative count stays a number.
    assert next(csv.reader(io.StringIO(csv_writer.to_csv([[-3]])))) == ["-3"]


def test_the_notifications_export_is_inert():
    rows = [
        {"family_name": payload, "given_names": payload, "niss": payload, "agreement": True, "certificate": False}
        for payload in PAYLOADS
    ]
    text = documents.notifications_csv(rows)
    _assert_inert(text)
    back = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert back[1][:3] == ["Dupont,'=2+5+cmd|' /C calc'!A0"] * 3


def test_no_other_csv_writer_in_the_application():
    """Every export goes through ``core.csv_writer``: no other module builds CSV by itself."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "csv_writer.py" or "data" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in ("writer", "DictWriter")
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
        if '"text/csv"' in source or "'text/csv'" in source:
            offenders.append(f"{path.relative_to(PACKAGE)}: text/csv")
    assert offenders == []
